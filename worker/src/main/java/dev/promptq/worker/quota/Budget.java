package dev.promptq.worker.quota;

import java.time.Duration;
import java.util.Objects;

/**
 * A route's budget for the whole worker group: {@code requests} per {@code window} (e.g. 900 per
 * five hours for a subscription, 50 per minute for an API key).
 */
public record Budget(int requests, Duration window) {
  public Budget {
    Objects.requireNonNull(window, "window");
    if (requests < 1) {
      throw new IllegalArgumentException("a budget needs at least 1 request: " + requests);
    }
    if (window.isNegative() || window.isZero()) {
      throw new IllegalArgumentException("a budget needs a positive window: " + window);
    }
  }

  /**
   * The requests per window one worker may make with {@code share} of the group's job partitions
   * at {@code pace} (1 = full speed): its share of the budget less one, because a window that
   * does not line up with the worker's permit cycles can meet one permit more than the rate gives,
   * spread over the window plus {@code lag}, the most a call's arrival can trail its permit (a
   * window of arrivals holds the permits of a window that long). So the group never exceeds the
   * budget in any window, sliding or fixed.
   */
  public double perWorker(double share, double pace, Duration lag) {
    double perWindow = Math.max(0, requests * share * pace - 1);
    return perWindow * window.toNanos() / (double) (window.toNanos() + lag.toNanos());
  }
}
