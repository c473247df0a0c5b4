package dev.promptq.worker;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.promptq.job.Job;
import dev.promptq.job.JobResult;
import dev.promptq.job.Route;
import dev.promptq.job.RoutePolicy;
import dev.promptq.testkit.junit.SharedKafka;
import dev.promptq.testkit.kafka.EmbeddedKafka;
import dev.promptq.testkit.sim.AnthropicSimulator;
import dev.promptq.testkit.sim.RecordedCall;
import dev.promptq.worker.quota.QuotaSettings;
import dev.promptq.worker.routing.RouterSettings;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The subscription's window quota and the API budget, across a group of three workers. */
@ExtendWith(SharedKafka.class)
class QuotaAndBudgetIT {

  private static TestPipeline withQuota(EmbeddedKafka kafka, int limit, Duration window) {
    return new TestPipeline(kafka, AnthropicSimulator.builder().oauthToken(TestPipeline.OAUTH_TOKEN)
        .apiKey(TestPipeline.API_KEY).subscriptionQuota(limit, window));
  }

  /**
   * Three workers of 12 jobs in flight each. One subscription call at a time from 90% of the quota
   * (the default), which keeps the quota's last 10% (50 of 500) comfortably above the 36 calls the
   * group can have in flight.
   */
  private static void startThree(TestPipeline p, Double apiBudget) {
    startThree(p, apiBudget, 0.9, Duration.ofHours(5));
  }

  /** @param window how long the simulator's five-hour window lasts (the workers are told: it is compressed) */
  private static void startThree(TestPipeline p, Double apiBudget, double caution, Duration window) {
    RouterSettings fast = TestPipeline.fastRouter(Duration.ofMinutes(10));
    RouterSettings router = new RouterSettings(fast.maxAttemptsPerRoute(), fast.backoff(), fast.maxBackoff(),
        fast.maxRateLimitedWaits(), fast.breakerFailures(), fast.breakerOpen(), fast.refusalCooldown(),
        fast.resetJitter(), caution);
    for (int i = 1; i <= 3; i++) {
      p.startWorker(p.workerConfig("w" + i).router(router).maxInFlight(12).apiBudgetPerDay(apiBudget)
          .quota(QuotaSettings.none().withWindowLengths(Map.of("5h", window))).build());
    }
    p.awaitGroupFormed();
  }

  private static Set<String> submit(TestPipeline p, String prefix, int n, RoutePolicy policy) {
    Set<String> ids = new LinkedHashSet<>();
    for (int i = 0; i < n; i++) {
      String id = prefix + "-" + i;
      p.client().submit(Job.of(id, p.request("job " + id)).withRoute(policy));
      ids.add(id);
    }
    p.client().flush();
    return ids;
  }

  private static long successes(TestPipeline p, Route route) {
    return p.sim.calls().stream().filter(c -> c.route() == route && c.status() == 200).count();
  }

  @Test
  void aQuotaSpentMidBatchSendsTheRestToTheApiAndTheSubscriptionServesAgainAfterTheReset(EmbeddedKafka kafka) {
    Duration window = Duration.ofSeconds(20);
    try (TestPipeline p = withQuota(kafka, 500, window)) {
      startThree(p, null);
      Set<String> ids = submit(p, "batch", 2000, RoutePolicy.SUBSCRIPTION_FIRST);
      Map<String, JobResult> results = p.assertExactlyOneResultEach(ids);

      long subscriptionCalls = p.calls(Route.SUBSCRIPTION);
      long bySubscription = results.values().stream().filter(r -> r.route() == Route.SUBSCRIPTION).count();
      long byApi = results.values().stream().filter(r -> r.route() == Route.API).count();
      System.out.printf("quota 500: %d subscription calls (%d answered), %d jobs by the API%n",
          subscriptionCalls, bySubscription, byApi);
      assertTrue(results.values().stream().allMatch(JobResult::succeeded), "every job has an answer");
      assertTrue(subscriptionCalls <= 500 + 3, "at most the quota plus one probe per worker: " + subscriptionCalls);
      // the learned cap stops each worker once its share of the remainder is under a call (issue 17: >= 95%)
      assertTrue(bySubscription >= 0.95 * 500 && bySubscription <= 500, "the quota was used: " + bySubscription);
      assertEquals(2000 - bySubscription, byApi, "all the rest went to the API");

      Instant windowEnd = p.sim.calls().get(0).at().plus(window);
      // The reset header is in whole seconds (rounded up) and each worker adds up to 300 ms of jitter.
      await().atMost(Duration.ofSeconds(60)).until(() -> Instant.now().isAfter(windowEnd.plusSeconds(2)));
      Set<String> later = submit(p, "after-reset", 30, RoutePolicy.SUBSCRIPTION_FIRST);
      Map<String, JobResult> after = p.assertExactlyOneResultEach(union(ids, later));
      assertTrue(later.stream().allMatch(id -> after.get(id).route() == Route.SUBSCRIPTION),
          "after the reset new jobs go back to the subscription");
    }
  }

  @Test
  void aSubscriptionOnlyBatchWaitsForTheResetAndNeverCallsTheApi(EmbeddedKafka kafka) {
    try (TestPipeline p = withQuota(kafka, 100, Duration.ofSeconds(8))) {
      startThree(p, null, 0.5, Duration.ofSeconds(8));  // the last 50% of 100 covers the 36 calls in flight
      Set<String> ids = submit(p, "only", 250, RoutePolicy.SUBSCRIPTION_ONLY);
      Map<String, JobResult> results = p.assertExactlyOneResultEach(ids);

      assertTrue(results.values().stream().allMatch(JobResult::succeeded));
      assertEquals(0, p.calls(Route.API), "no API money spent");
      // work that can only wait is paced evenly to each window's reset (issue 17), or waits for it when spent
      long waited = results.values().stream()
          .filter(r -> r.waits().stream().anyMatch(w -> w.reason().equals("subscription_quota_spent")
              || w.reason().equals("subscription_window_spent") || w.reason().equals("subscription_paced"))).count();
      System.out.printf("subscription_only: %d jobs, %d waited for the pace or a reset, %d subscription calls%n",
          results.size(), waited, p.calls(Route.SUBSCRIPTION));
      assertTrue(waited > 0, "jobs waited for the pace or the reset");
      List<RecordedCall> served = p.sim.calls().stream()
          .filter(c -> c.route() == Route.SUBSCRIPTION && c.status() == 200).toList();
      Duration span = Duration.between(served.get(0).at(), served.get(served.size() - 1).at());
      assertTrue(span.compareTo(Duration.ofSeconds(15)) > 0,
          "250 jobs at 100 per 8 s window are served across three windows: " + span);
      long windows = span.toMillis() / 8_000 + 2;  // the windows the calls spanned, counting partial ones at both ends
      assertTrue(p.calls(Route.SUBSCRIPTION) <= 250 + 3 * windows,
          "one rejected call per worker and window at most: " + p.calls(Route.SUBSCRIPTION) + " in " + windows);
    }
  }

  @Test
  void theApiBudgetIsNeverExceededByMoreThanTheCallsInFlight(EmbeddedKafka kafka) {
    double budget = 0.05;
    try (TestPipeline p = new TestPipeline(kafka)) {
      startThree(p, budget);
      Set<String> ids = submit(p, "paid", 400, RoutePolicy.API_ONLY);
      Map<String, JobResult> results = p.assertExactlyOneResultEach(ids);

      double spent = results.values().stream().mapToDouble(JobResult::apiCostUsd).sum();
      double maxCall = results.values().stream().flatMap(r -> r.attempts().stream())
          .mapToDouble(a -> a.costUsd() == null ? 0 : a.costUsd()).max().orElse(0);
      long paid = results.values().stream().filter(JobResult::succeeded).count();
      long refused = results.values().stream()
          .filter(r -> r.error() != null && r.error().type().equals("api_budget_exhausted")).count();
      System.out.printf("budget %.2f USD: spent %.4f USD over %d calls (max %.6f per call), %d refused%n",
          budget, spent, paid, maxCall, refused);
      assertEquals(400, paid + refused);
      assertTrue(refused > 0, "the budget ran out");
      assertEquals(successes(p, Route.API), results.values().stream().flatMap(r -> r.attempts().stream())
          .filter(a -> a.route() == Route.API && a.status() == 200).count(), "every paid call is in a result");
      int inFlightLimit = 3 * 12;
      assertTrue(spent <= budget + inFlightLimit * maxCall,
          "overshoot " + (spent - budget) + " USD exceeds what 36 calls in flight cost");
    }
  }

  @Test
  void withTheApiBudgetSpentASubscriptionFirstJobWaitsForTheSubscriptionAndSaysSo(EmbeddedKafka kafka) {
    try (TestPipeline p = TestPipeline.withDirectives(kafka, Duration.ofSeconds(3))) {
      Worker w = p.startWorker(p.workerConfig("w").router(TestPipeline.fastRouter(Duration.ofMinutes(10)))
          .apiBudgetPerDay(0.0).build());
      JobResult r = p.client().submitAndAwait(Job.of("thrifty", p.request("[sim:subscription:quota_spent*1]")),
          Duration.ofSeconds(60)).join();

      assertTrue(r.succeeded());
      assertEquals(Route.SUBSCRIPTION, r.route(), "served by the subscription after its reset");
      assertEquals(2, r.attempts().size());
      assertEquals("api_budget_spent", r.waits().get(0).reason());
      assertTrue(r.waits().get(0).millis() >= 1500, "waited " + r.waits().get(0).millis() + " ms");
      assertEquals(0, p.calls(Route.API), "no API money spent");
      String metrics = w.metrics().scrape();
      assertTrue(metrics.contains("promptq_waits_seconds_count{reason=\"api_budget_spent\"} 1"), "metrics say so");
      assertTrue(metrics.contains("promptq_api_budget_day 0.0"), metrics);
    }
  }

  @Test
  void aBatchBudgetStopsOnlyThatBatch(EmbeddedKafka kafka) {
    try (TestPipeline p = new TestPipeline(kafka)) {
      p.startWorker(p.workerConfig("w").maxInFlight(4).apiBudgetPerBatch(0.01).build());
      Set<String> ids = new LinkedHashSet<>();
      for (int i = 0; i < 60; i++) {
        p.client().submit(Job.of("a-" + i, p.request("a " + i)).withRoute(RoutePolicy.API_ONLY).withBatch("a"));
        ids.add("a-" + i);
      }
      for (int i = 0; i < 5; i++) {
        p.client().submit(Job.of("b-" + i, p.request("b " + i)).withRoute(RoutePolicy.API_ONLY).withBatch("b"));
        ids.add("b-" + i);
      }
      p.client().flush();
      Map<String, JobResult> results = p.assertExactlyOneResultEach(ids);

      long refusedA = results.values().stream().filter(r -> r.id().startsWith("a-") && !r.succeeded()).count();
      double spentA = results.values().stream().filter(r -> r.id().startsWith("a-"))
          .mapToDouble(JobResult::apiCostUsd).sum();
      System.out.printf("batch budget 0.01 USD: batch a spent %.4f USD, %d of 60 refused%n", spentA, refusedA);
      assertTrue(refusedA > 0);
      assertTrue(results.values().stream().filter(r -> !r.succeeded())
          .allMatch(r -> r.error().message().contains("batch a")), "the error names the batch");
      assertTrue(results.values().stream().filter(r -> r.id().startsWith("b-")).allMatch(JobResult::succeeded),
          "another batch is not affected");
    }
  }

  private static Set<String> union(Set<String> a, Set<String> b) {
    Set<String> all = new LinkedHashSet<>(a);
    all.addAll(b);
    return all;
  }
}
