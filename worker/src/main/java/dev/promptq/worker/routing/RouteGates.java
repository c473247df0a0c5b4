package dev.promptq.worker.routing;

import dev.promptq.worker.quota.UnifiedRateLimit;
import dev.promptq.worker.quota.WindowEstimates;
import dev.promptq.job.Route;
import dev.promptq.worker.credentials.SubscriptionGate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which calls this worker may start on each route now. A route's gate is
 * <ul>
 *   <li><b>closed</b> until an instant: its quota is spent, it refused the credential (both learned
 *       here or from the group), its breaker is open, or its rate limit asked to wait;
 *   <li><b>one at a time</b>: after a closure ends (the first call is a probe, and the gate opens
 *       at its first success), and while the subscription's utilisation is at or above the
 *       caution level until the window resets;
 *   <li><b>open</b> otherwise.
 * </ul>
 * Jobs that cannot call wait for {@link #nextChange}, which completes when any gate changes or at
 * a given instant, never by polling.
 *
 * <p>Thread-safe. Owns the timer thread {@code promptq-routes-<worker>} that wakes waiters and runs
 * retries after backoff; {@link #close()} stops it.
 */
public final class RouteGates implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RouteGates.class);

  private final RouterSettings settings;
  private final Clock clock;
  private final String workerId;
  private final ScheduledExecutorService timer;
  private final Map<Route, Gate> gates = new EnumMap<>(Route.class);
  private List<CompletableFuture<Void>> waiters = new ArrayList<>();
  private long version;

  public RouteGates(RouterSettings settings, Clock clock, String workerId) {
    this.settings = settings;
    this.clock = clock;
    this.workerId = workerId;
    ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, r -> {
      Thread th = new Thread(r, "promptq-routes-" + workerId);
      th.setDaemon(true);
      return th;
    });
    t.setRemoveOnCancelPolicy(true);
    this.timer = t;
    for (Route r : Route.values()) {
      gates.put(r, new Gate());
    }
  }

  private volatile Supplier<WindowEstimates.Cap> subscriptionLimits;

  /** Caps the subscription's calls in flight by what its windows have left (learned from the answers). */
  public void limitSubscription(Supplier<WindowEstimates.Cap> limits) {
    this.subscriptionLimits = limits;
  }

  /** What {@link #enter} gives: a permit to call, or why not. */
  public sealed interface Entry permits Permit, Blocked {}

  /** Permission to make one call on a route; give it back with {@link #exit}. */
  public record Permit(Route route) implements Entry {}

  /**
   * Why a call cannot start now, and until when at the latest (null: until some gate changes,
   * which the call in flight will do when it ends).
   */
  public record Blocked(Route route, String reason, Instant until, long version) implements Entry {}

  /** Starts a call on {@code route} if its gate allows one now, else says why not; one decision, one instant. */
  public synchronized Entry enter(Route route) {
    Gate g = gates.get(route);
    Instant now = clock.instant();
    if (now.isBefore(g.closedUntil)) {
      return new Blocked(route, g.closedReason, g.closedUntil, version);
    }
    if (g.oneAtATime(now) && g.inFlight > 0) {
      return new Blocked(route, g.probing ? "probe_in_flight" : "near_quota_one_at_a_time", null, version);
    }
    Blocked capped = route == Route.SUBSCRIPTION ? InFlightLimit.check(subscriptionLimits, g.inFlight, version) : null;
    if (capped != null) {
      g.turnedAway = true;
      return capped;
    }
    g.inFlight++;
    return new Permit(route);
  }

  /**
   * Ends a call: a success opens a probing gate and clears the breaker count, a transient failure
   * counts towards the breaker, and the subscription's unified headers set or clear the caution
   * mode.
   */
  public void exit(Permit permit, Verdict verdict, Optional<UnifiedRateLimit> unified) {
    Instant now = clock.instant();
    Instant breakerUntil = null;
    boolean slotFreed;
    synchronized (this) {
      Gate g = gates.get(permit.route());
      // Only a gate taking one call at a time, or that turned calls away at its cap, has jobs waiting
      // for a slot: other exits wake no one (hundreds of jobs waiting for a reset would be a storm).
      slotFreed = g.oneAtATime(now) || g.turnedAway;
      g.turnedAway = false;
      g.inFlight--;
      if (verdict instanceof Verdict.Success) {
        g.consecutiveTransient = 0;
        g.probing = false;
      } else if (verdict instanceof Verdict.Transient t && countsTowardsBreaker(t)
          && ++g.consecutiveTransient >= settings.breakerFailures()
          && !now.isBefore(g.closedUntil)) {
        g.consecutiveTransient = 0;
        breakerUntil = now.plus(settings.breakerOpen());
      }
      Optional<Map.Entry<String, UnifiedRateLimit.Window>> fullest =
          unified.flatMap(UnifiedRateLimit::fullestWholePlanWindow);
      if (fullest.isPresent()) {
        UnifiedRateLimit.Window w = fullest.get().getValue();
        if (w.utilization() >= settings.cautionUtilization()) {
          Instant until = w.reset() != null ? w.reset() : unified.get().resetAt() != null ? unified.get().resetAt()
              : now.plus(AnswerClassifier.QUOTA_RESET_UNKNOWN);
          if (!now.isBefore(g.cautiousUntil)) {
            log.info("{} route at {}% of its {} window: one call at a time until {}", permit.route().wireName(),
                Math.round(w.utilization() * 100), fullest.get().getKey(), until);
          }
          g.cautiousUntil = until;
        } else {
          g.cautiousUntil = Instant.MIN;
        }
      }
    }
    if (breakerUntil != null) {
      log.warn("{} route: {} transient failures in a row, breaker open until {}", permit.route().wireName(),
          settings.breakerFailures(), breakerUntil);
      close(permit.route(), breakerUntil, "breaker_open");
    } else if (slotFreed) {
      signal();
    }
  }

  /**
   * True unless the failure is a connection that broke under a request ({@code connection_error}):
   * pooled connections that the server closed while idle fail that way by the hundred at once
   * under load, which says nothing of the route's health. The job still retries (counted), and
   * refused connections ({@code unreachable}), time-outs and server errors open the breaker.
   */
  private static boolean countsTowardsBreaker(Verdict.Transient t) {
    return !"connection_error".equals(t.error().type());
  }

  /** Gives back a permit unused (the call did not happen, e.g. no quota permit): no verdict to learn from. */
  public void release(Permit permit) {
    boolean slotFreed;
    synchronized (this) {
      Gate g = gates.get(permit.route());
      slotFreed = g.oneAtATime(clock.instant()) || g.turnedAway;
      g.turnedAway = false;
      g.inFlight--;
    }
    if (slotFreed) {
      signal();
    }
  }

  /** Completes (on the timer thread) at {@code when}; never for null. */
  public CompletableFuture<Void> at(Instant when) {
    CompletableFuture<Void> f = new CompletableFuture<>();
    if (when != null) {
      later(() -> f.complete(null), Duration.between(clock.instant(), when));
    }
    return f;
  }

  /**
   * Closes {@code route} until {@code until} (extends, never shortens, a closure); afterwards it
   * takes one probe call at a time until a success.
   *
   * @return true if the route was open before
   */
  public boolean close(Route route, Instant until, String reason) {
    boolean wasOpen;
    synchronized (this) {
      Gate g = gates.get(route);
      Instant now = clock.instant();
      if (!until.isAfter(now) || !until.isAfter(g.closedUntil)) {
        return false;
      }
      wasOpen = !now.isBefore(g.closedUntil);
      g.closedUntil = until;
      g.closedReason = reason;
      g.probing = true;
    }
    later(this::signal, Duration.between(clock.instant(), until));
    signal();
    return wasOpen;
  }

  /**
   * Opens {@code route} now if it is closed for one of {@code reasons} (e.g. new credentials
   * arrived); the next call is a probe.
   *
   * @return true if it was closed for one of them
   */
  public boolean reopen(Route route, Set<String> reasons) {
    synchronized (this) {
      Gate g = gates.get(route);
      if (!clock.instant().isBefore(g.closedUntil) || !reasons.contains(g.closedReason)) {
        return false;
      }
      g.closedUntil = Instant.MIN;
    }
    signal();
    return true;
  }

  /**
   * Applies what the group learned: closes the route until the notice's {@code until} plus this
   * worker's jitter (the same for the same notice, so a notice read twice changes nothing).
   */
  public boolean apply(RouteNotice notice) {
    return close(notice.route(), notice.until().plus(jitter(notice.until())), notice.reason());
  }

  /** The instant this worker's view of a notice ends (for a notice it publishes itself). */
  Duration jitter(Instant until) {
    long max = settings.resetJitter().toMillis();
    if (max <= 0) {
      return Duration.ZERO;
    }
    long h = (workerId + "@" + until.toEpochMilli()).hashCode() & 0x7fffffffL;
    return Duration.ofMillis(h % (max + 1));
  }

  /** Why and until when {@code route} is closed, or empty while it is not (for health and status). */
  public synchronized Optional<Blocked> closure(Route route) {
    Gate g = gates.get(route);
    return clock.instant().isBefore(g.closedUntil)
        ? Optional.of(new Blocked(route, g.closedReason, g.closedUntil, version)) : Optional.empty();
  }

  /** True if {@code route} is closed now. */
  public synchronized boolean isClosed(Route route) {
    return clock.instant().isBefore(gates.get(route).closedUntil);
  }

  /**
   * Completes (on the timer thread) when a gate changes after {@code seenVersion}, or at
   * {@code atLatest} (null: no limit).
   */
  public CompletableFuture<Void> nextChange(long seenVersion, Instant atLatest) {
    CompletableFuture<Void> f = new CompletableFuture<>();
    synchronized (this) {
      if (version != seenVersion) {
        later(() -> f.complete(null), Duration.ZERO);
        return f;
      }
      waiters.add(f);
    }
    if (atLatest != null) {
      later(() -> f.complete(null), Duration.between(clock.instant(), atLatest));
    }
    return f;
  }

  /** The subscription's gate as the credentials see it. */
  public SubscriptionGate subscription() {
    return new SubscriptionGate() {
      @Override
      public void close(Instant until, String reason) {
        RouteGates.this.close(Route.SUBSCRIPTION, until, reason);
      }

      @Override
      public void reopen(Set<String> reasons) {
        RouteGates.this.reopen(Route.SUBSCRIPTION, reasons);
      }

      @Override
      public void schedule(Runnable task, Duration delay) {
        RouteGates.this.schedule(task, delay);
      }
    };
  }

  /** Runs {@code task} on the timer thread after {@code delay}. */
  public void schedule(Runnable task, Duration delay) {
    later(task, delay);
  }

  /**
   * Runs {@code task} on the timer after {@code delay} (never early: rounded up to the next
   * millisecond); after {@link #close()} it never runs.
   */
  private void later(Runnable task, Duration delay) {
    try {
      timer.schedule(task, Math.max(0, delay.plusNanos(999_999).toMillis()), TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException closed) {
      // the worker is stopping: waiting jobs are handed back uncommitted
    }
  }

  private void signal() {
    List<CompletableFuture<Void>> wake;
    synchronized (this) {
      version++;
      wake = waiters;
      waiters = new ArrayList<>();
    }
    for (CompletableFuture<Void> f : wake) {
      later(() -> f.complete(null), Duration.ZERO);
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }

  /** One route's state; guarded by the enclosing instance. */
  private static final class Gate {
    Instant closedUntil = Instant.MIN;
    String closedReason;
    boolean probing;
    Instant cautiousUntil = Instant.MIN;
    int inFlight;
    int consecutiveTransient;
    /** A call was turned away by the learned in-flight cap since the last exit: the next exit wakes waiters. */
    boolean turnedAway;

    boolean oneAtATime(Instant now) {
      return probing || now.isBefore(cautiousUntil);
    }
  }
}
