package dev.promptq.worker.quota;

import dev.promptq.job.Route;
import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.github.resilience4j.ratelimiter.RateLimiterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.PriorityQueue;
import java.util.Deque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * One worker's permits for one route: its share of the group's {@link Budget}, spaced evenly by a
 * resilience4j {@link RateLimiter} that gives one permit per {@code window / perWindow}. Evenly
 * spaced permits are the smoothing: a window is never spent in its first minute.
 *
 * <p>When the share or the pace changes, a new limiter replaces the old one; its first permit is
 * drained when the last one was granted less than a period ago, so the changeover never gives two
 * permits closer than the new limiter would.
 * {@link #nextPermit()} lets a job wait without polling: one waiter is woken per permit, at the
 * time the limiter says the next one is due, earliest deadline first. Thread-safe.
 */
final class RoutePermits {
  private final Route route;
  private final Budget budget;
  private final Duration lag;
  private final String name;
  private final RateLimiterRegistry registry;
  private final ScheduledExecutorService timer;
  private final Supplier<Long> nanoTime;
  /** A job waiting for a permit: earliest deadline first (none last), then in the order they came. */
  private record Waiter(Instant deadline, long seq, CompletableFuture<Void> future) {}

  private final PriorityQueue<Waiter> waiters = new PriorityQueue<>(Comparator
      .comparing(Waiter::deadline, Comparator.nullsLast(Comparator.naturalOrder())).thenComparingLong(Waiter::seq));
  private long waiterSeq;
  private final Deque<Long> recentGrants = new ArrayDeque<>();  // nanos of grants within the window
  private final AtomicLong granted = new AtomicLong();
  private volatile long lastGrantNanos;
  private volatile boolean everGranted;
  private volatile RateLimiter limiter;  // null while this worker has no share
  private volatile long limiterStartNanos;
  private double share;
  private double pace = 1.0;
  private volatile double perWindow;
  private long periodNanos;
  private ScheduledFuture<?> wake;

  RoutePermits(Route route, Budget budget, Duration lag, String workerId, RateLimiterRegistry registry,
      ScheduledExecutorService timer, Supplier<Long> nanoTime) {
    this.lag = lag;
    this.route = route;
    this.budget = budget;
    this.name = "promptq-" + route.wireName() + "-" + workerId;
    this.registry = registry;
    this.timer = timer;
    this.nanoTime = nanoTime;
  }

  Budget budget() {
    return budget;
  }

  /** This worker's permits per window now. */
  double perWindow() {
    return perWindow;
  }

  /** Permits granted within the last window. */
  int usedInWindow() {
    long since = nanoTime.get() - budget.window().toNanos();
    synchronized (recentGrants) {
      while (!recentGrants.isEmpty() && recentGrants.peekFirst() <= since) {
        recentGrants.pollFirst();
      }
      return recentGrants.size();
    }
  }

  synchronized double pace() {
    return pace;
  }

  /** Permits granted so far. */
  long granted() {
    return granted.get();
  }

  /** Sets this worker's share of the group's job partitions (0..1). */
  synchronized void reshare(double newShare) {
    share = newShare;
    rebuild();
  }

  /** Sets the pace (0..1 of the budget's rate); ignores changes under a tenth, which would only lose a permit. */
  synchronized boolean pace(double newPace) {
    if (Math.abs(newPace - pace) < 0.1 * Math.max(pace, newPace)) {
      return false;
    }
    pace = newPace;
    rebuild();
    return true;
  }

  /** Takes a permit if one is due now. */
  boolean tryAcquire() {
    RateLimiter l = limiter;
    if (l != null && l.acquirePermission()) {
      lastGrantNanos = nanoTime.get();
      everGranted = true;
      granted.incrementAndGet();
      synchronized (recentGrants) {
        recentGrants.addLast(lastGrantNanos);
      }
      return true;
    }
    return false;
  }

  /**
   * Completes when a permit is due, for one waiter at a time (then {@link #tryAcquire()} again:
   * a job that did not wait may have taken it). A future the caller no longer needs may be
   * cancelled.
   */
  synchronized CompletableFuture<Void> nextPermit() {
    return nextPermit(null);
  }

  /** As {@link #nextPermit()}, for a job due by {@code deadline} (null: none), woken earliest deadline first. */
  synchronized CompletableFuture<Void> nextPermit(Instant deadline) {
    CompletableFuture<Void> f = new CompletableFuture<>();
    waiters.add(new Waiter(deadline, waiterSeq++, f));
    arm(-1);
    return f;
  }

  private void rebuild() {
    perWindow = budget.perWorker(share, pace, lag);
    if (perWindow <= 0) {
      limiter = null;
    } else {
      periodNanos = Math.max(1_000, (long) (budget.window().toNanos() / perWindow));
      RateLimiter l = RateLimiter.of(name, RateLimiterConfig.custom()
          .limitForPeriod(1)
          .limitRefreshPeriod(Duration.ofNanos(periodNanos))
          .timeoutDuration(Duration.ZERO)
          .build(), nanoTime);
      // Its periods start when it was made; read after, so a computed wait never ends early.
      limiterStartNanos = nanoTime.get();
      if (everGranted && nanoTime.get() - lastGrantNanos < periodNanos) {
        l.drainPermissions();  // the first permit one period from now, never closer to the last one
      }
      limiter = l;
      if (registry.find(name).isEmpty()) {
        registry.rateLimiter(name, l.getRateLimiterConfig());  // the registry only replaces what it holds
      }
      registry.replace(name, l);  // its meters follow the replacement
    }
    if (wake != null) {
      wake.cancel(false);
      wake = null;
    }
    arm(-1);
  }

  /** Arms the wake-up for the next due permit (guarded by this); {@code atNanos} < 0: ask the limiter. */
  private void arm(long atNanos) {
    if (wake != null || limiter == null || waiters.stream().allMatch(w -> w.future().isDone())) {
      return;
    }
    long delay = atNanos >= 0 ? atNanos : nanosToWait();
    try {
      wake = timer.schedule(this::fire, delay, TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException closing) {
      // the governor is closing
    }
  }

  private void fire() {
    synchronized (this) {
      wake = null;
    }
    // Wake waiters one at a time while a permit is due: a woken job takes it (synchronously, on
    // this thread) or leaves without it (handed back, or served by another route meanwhile).
    while (true) {
      CompletableFuture<Void> next = null;
      synchronized (this) {
        while (!waiters.isEmpty() && next == null) {
          CompletableFuture<Void> f = waiters.poll().future();
          if (!f.isDone()) {
            next = f;
          }
        }
      }
      if (next == null) {
        break;
      }
      next.complete(null);
      if (nanosToWait() > 0) {
        break;  // taken
      }
    }
    synchronized (this) {
      arm(-1);
    }
  }

  private long nanosToWait() {
    RateLimiter l = limiter;
    if (l == null) {
      return Long.MAX_VALUE;
    }
    if (l.getMetrics().getAvailablePermissions() > 0) {
      return 0;
    }
    long intoPeriod = Math.floorMod(nanoTime.get() - limiterStartNanos, periodNanos);
    return periodNanos - intoPeriod;  // permits refresh at the start of each period, one at a time
  }

  @Override
  public String toString() {
    return route.wireName() + " permits: " + String.format("%.1f", perWindow) + " per " + budget.window();
  }
}
