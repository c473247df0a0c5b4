package dev.promptq.testkit.sim;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * The subscription's window quota: {@code limit} requests per window, fixed or sliding. A fixed
 * window starts with the first request after the previous one ended (as a Claude plan's five-hour
 * window starts with the first message); a sliding window admits a request while fewer than
 * {@code limit} were admitted in the {@code window} before it. A request is counted when it is
 * admitted and uncounted if it is then answered with an error, so concurrent requests never
 * overshoot.
 *
 * <p>Every subscription answer carries the unified headers: status ({@code allowed},
 * {@code allowed_warning} from {@code warnAt} utilisation, {@code rejected}), reset (epoch
 * seconds), five-hour utilisation and the representative claim. Thread-safe.
 */
final class SubscriptionQuota implements SubscriptionLimits {
  private final int limit;
  private final Duration window;
  private final double warnAt;
  private final Clock clock;
  private final boolean sliding;
  private final java.util.ArrayDeque<Instant> admitted = new java.util.ArrayDeque<>();  // sliding only
  private Instant windowEnd = Instant.MIN;
  private int used;

  SubscriptionQuota(int limit, Duration window, double warnAt, Clock clock) {
    this(limit, window, warnAt, clock, false);
  }

  SubscriptionQuota(int limit, Duration window, double warnAt, Clock clock, boolean sliding) {
    this.sliding = sliding;
    if (limit < 1 || window.isZero() || window.isNegative()) {
      throw new IllegalArgumentException("quota: limit >= 1 and a positive window required");
    }
    this.limit = limit;
    this.window = window;
    this.warnAt = warnAt;
    this.clock = clock;
  }

  @Override
  public synchronized Admission admit(String model) {
    Instant now = clock.instant();
    if (sliding) {
      while (!admitted.isEmpty() && !admitted.peekFirst().plus(window).isAfter(now)) {
        admitted.pollFirst();
      }
      used = admitted.size();
      windowEnd = admitted.isEmpty() ? now.plus(window) : admitted.peekFirst().plus(window);
      if (used >= limit) {
        return new Admission(false, UnifiedHeaders.of("rejected", windowEnd, 1.0));
      }
      admitted.addLast(now);
      used++;
      return new Admission(true, headers());
    }
    if (!now.isBefore(windowEnd)) {
      windowEnd = now.plus(window);
      used = 0;
    }
    if (used >= limit) {
      return new Admission(false, UnifiedHeaders.of("rejected", windowEnd, 1.0));
    }
    used++;
    return new Admission(true, headers());
  }

  /** Counts a success as admitted; gives back an error's count. The headers are those of the admission. */
  @Override
  public Map<String, String> settle(Admission admission, String model, SimResponse response) {
    if (response.status() != 200) {
      giveBack();
    }
    return admission.headers();
  }

  /** Gives back the count of an admitted request that was answered with an error. */
  synchronized void giveBack() {
    used = Math.max(0, used - 1);
    if (sliding && !admitted.isEmpty()) {
      admitted.pollLast();
    }
  }

  @Override
  public synchronized int used() {
    return used;
  }

  private Map<String, String> headers() {
    double utilization = (double) used / limit;
    return UnifiedHeaders.of(utilization >= warnAt ? "allowed_warning" : "allowed", windowEnd, utilization);
  }
}
