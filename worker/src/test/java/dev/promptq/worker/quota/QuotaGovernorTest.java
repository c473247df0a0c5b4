package dev.promptq.worker.quota;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.promptq.job.Route;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The governor's arithmetic on a simulated clock: budgets are never exceeded and nearly used. */
class QuotaGovernorTest {
  private static final Budget BUDGET = new Budget(300, Duration.ofSeconds(15));
  private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
  private final List<QuotaGovernor> governors = new ArrayList<>();

  @AfterEach
  void close() {
    governors.forEach(QuotaGovernor::close);
  }

  private QuotaGovernor worker(String id) {
    // No lag: on a simulated clock a call arrives the instant it is permitted.
    QuotaGovernor g = new QuotaGovernor(new QuotaSettings(Optional.of(BUDGET), Optional.empty(), 0.1, Duration.ZERO),
        Clock.systemUTC(), id, new SimpleMeterRegistry(), nanos::get);
    governors.add(g);
    return g;
  }

  /** Runs the workers greedily for {@code duration} in 1 ms steps; returns the grant times (ns). */
  private List<Long> drive(List<QuotaGovernor> workers, Duration duration, List<Long> grants) {
    long end = nanos.get() + duration.toNanos();
    while (nanos.get() < end) {
      for (QuotaGovernor w : workers) {
        while (w.tryAcquire(Route.SUBSCRIPTION)) {
          grants.add(nanos.get());
        }
      }
      nanos.addAndGet(1_000_000);
    }
    return grants;
  }

  private static int maxInAnyWindow(List<Long> grants, Duration window) {
    List<Long> sorted = new ArrayList<>(grants);
    Collections.sort(sorted);
    int max = 0;
    int from = 0;
    for (int to = 0; to < sorted.size(); to++) {
      while (sorted.get(to) - sorted.get(from) >= window.toNanos()) {
        from++;
      }
      max = Math.max(max, to - from + 1);
    }
    return max;
  }

  @Test
  void aWorkersShareFollowsItsPartitions() {
    QuotaGovernor w = worker("a");
    w.reshare(4, 12);
    assertEquals(99.0, w.perWindow(Route.SUBSCRIPTION), 1e-9, "300 x 4/12, less one for unaligned windows");
    assertEquals(99.0 * 15 / 16, BUDGET.perWorker(4 / 12.0, 1.0, Duration.ofSeconds(1)), 1e-9,
        "spread over the window plus the time a call may lag its permit");
    assertTrue(w.tryAcquire(Route.API), "a route without a budget is not paced");
    w.reshare(0, 12);
    assertFalse(w.tryAcquire(Route.SUBSCRIPTION), "no partitions, no permits");
  }

  @Test
  void threeWorkersNeverExceedTheBudgetInAnyWindowAndUseOver95Percent() {
    List<QuotaGovernor> ws = List.of(worker("a"), worker("b"), worker("c"));
    ws.forEach(w -> w.reshare(4, 12));
    List<Long> grants = drive(ws, BUDGET.window().multipliedBy(3), new ArrayList<>());
    assertTrue(maxInAnyWindow(grants, BUDGET.window()) <= 300, "max " + maxInAnyWindow(grants, BUDGET.window()));
    assertTrue(grants.size() >= 0.95 * 900, "used " + grants.size() + " of 900");
  }

  @Test
  void workersJoiningAndLeavingNeverExceedTheBudget() {
    QuotaGovernor a = worker("a");
    QuotaGovernor b = worker("b");
    QuotaGovernor c = worker("c");
    QuotaGovernor d = worker("d");
    List<Long> grants = new ArrayList<>();
    a.reshare(6, 12);
    b.reshare(6, 12);
    drive(List.of(a, b), Duration.ofSeconds(7), grants);
    // c joins: cooperative rebalancing revokes first, assigns after
    a.reshare(4, 12);
    b.reshare(4, 12);
    drive(List.of(a, b), Duration.ofMillis(300), grants);
    c.reshare(4, 12);
    drive(List.of(a, b, c), Duration.ofSeconds(9), grants);
    a.reshare(3, 12);
    b.reshare(3, 12);
    c.reshare(3, 12);
    d.reshare(3, 12);
    drive(List.of(a, b, c, d), Duration.ofSeconds(11), grants);
    // a leaves: its partitions go to the others
    a.reshare(0, 12);
    b.reshare(4, 12);
    c.reshare(4, 12);
    d.reshare(4, 12);
    drive(List.of(b, c, d), Duration.ofSeconds(18), grants);
    int max = maxInAnyWindow(grants, BUDGET.window());
    assertTrue(max <= 300, "max in a window: " + max);
    assertTrue(grants.size() >= 0.95 * 300 * (45.3 / 15), "used " + grants.size());
  }

  @Test
  void aWaitingJobIsWokenWhenAPermitIsDueWithoutPolling() throws Exception {
    QuotaGovernor w = new QuotaGovernor(new QuotaSettings(Optional.of(new Budget(21, Duration.ofSeconds(1))),
        Optional.empty(), 0.1, Duration.ZERO), Clock.systemUTC(), "real", new SimpleMeterRegistry());
    governors.add(w);
    w.reshare(1, 1);  // 20 per second: one per 50 ms
    while (w.tryAcquire(Route.SUBSCRIPTION)) {
      // take what is there
    }
    long start = System.nanoTime();
    // Woken jobs take their permit at once, on the waking thread, as the router's do.
    CompletableFuture<Boolean> first = w.nextPermit(Route.SUBSCRIPTION).thenApply(v -> w.tryAcquire(Route.SUBSCRIPTION));
    CompletableFuture<Void> second = w.nextPermit(Route.SUBSCRIPTION);
    assertTrue(first.get(2, TimeUnit.SECONDS), "the first waiter got the permit");
    assertFalse(second.isDone(), "one waiter per permit");
    second.get(2, TimeUnit.SECONDS);
    assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(40), "the second waited a period");
    assertTrue(w.tryAcquire(Route.SUBSCRIPTION));
  }

  @Test
  void waitersAreWokenEarliestDeadlineFirstThoseWithoutOneLast() throws Exception {
    QuotaGovernor w = new QuotaGovernor(new QuotaSettings(Optional.of(new Budget(3, Duration.ofSeconds(10))),
        Optional.empty(), 0.1, Duration.ZERO), Clock.systemUTC(), "edf", new SimpleMeterRegistry());
    governors.add(w);
    w.reshare(1, 1);  // 2 per 10 s: one permit now, the next in 5 s
    assertTrue(w.tryAcquire(Route.SUBSCRIPTION));
    Instant now = Instant.now();
    CompletableFuture<Void> batchWork = w.nextPermit(Route.SUBSCRIPTION, null);
    CompletableFuture<Void> tomorrow = w.nextPermit(Route.SUBSCRIPTION, now.plus(Duration.ofHours(24)));
    CompletableFuture<Boolean> caller = w.nextPermit(Route.SUBSCRIPTION, now.plus(Duration.ofMinutes(10)))
        .thenApply(v -> w.tryAcquire(Route.SUBSCRIPTION));
    assertTrue(caller.get(10, TimeUnit.SECONDS), "the job whose caller waits gets the next permit");
    assertFalse(tomorrow.isDone());
    assertFalse(batchWork.isDone());
  }

  @Test
  void aWokenWaiterThatLeavesWithoutThePermitPassesItOn() throws Exception {
    QuotaGovernor w = new QuotaGovernor(new QuotaSettings(Optional.of(new Budget(3, Duration.ofSeconds(10))),
        Optional.empty(), 0.1, Duration.ZERO), Clock.systemUTC(), "pass", new SimpleMeterRegistry());
    governors.add(w);
    w.reshare(1, 1);  // 2 per 10 s: one permit now, the next in 5 s
    CompletableFuture<Void> leaver = w.nextPermit(Route.SUBSCRIPTION);  // e.g. handed back: takes nothing
    CompletableFuture<Boolean> taker = w.nextPermit(Route.SUBSCRIPTION).thenApply(v -> w.tryAcquire(Route.SUBSCRIPTION));
    leaver.get(2, TimeUnit.SECONDS);
    assertTrue(taker.get(2, TimeUnit.SECONDS), "the permit went to the next waiter at once, not a period later");
  }

  @Test
  void thePaceSlowsOnlyWhenTheQuotaRunsAheadOfTheBudget() {
    Instant now = Instant.parse("2026-11-24T12:00:00Z");
    Budget b = new Budget(900, Duration.ofHours(5));
    // half-way through the window at 50%: on pace
    assertEquals(1.0, QuotaGovernor.paceFor(new UnifiedRateLimit("allowed", now.plus(Duration.ofMinutes(150)), 0.5),
        b, now, 0.1));
    // a warning at 85% when the window is 80% gone: still on pace (within the margin)
    assertEquals(1.0, QuotaGovernor.paceFor(new UnifiedRateLimit("allowed_warning", now.plus(Duration.ofMinutes(60)),
        0.85), b, now, 0.1));
    // 80% used a quarter into the window: slow to spend the last 20% over the remaining 75%
    assertEquals(0.2 / 0.75, QuotaGovernor.paceFor(new UnifiedRateLimit("allowed_warning",
        now.plus(Duration.ofMinutes(225)), 0.8), b, now, 0.1), 1e-6);
  }
}
