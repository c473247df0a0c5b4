package dev.promptq.worker;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.promptq.job.JobResult;
import dev.promptq.job.Outcome;
import dev.promptq.job.Route;
import dev.promptq.job.RoutePolicy;
import dev.promptq.testkit.junit.SharedKafka;
import dev.promptq.testkit.kafka.EmbeddedKafka;
import dev.promptq.testkit.sim.AnthropicSimulator;
import dev.promptq.testkit.sim.RecordedCall;
import dev.promptq.testkit.sim.WindowCounts;
import dev.promptq.worker.quota.Budget;
import dev.promptq.worker.quota.QuotaSettings;
import dev.promptq.worker.status.GroupStatus;
import dev.promptq.worker.status.GroupStatusReader;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The quota governor against the simulator's window quota: a group of workers with three times
 * more jobs than the subscription's budget never exceeds the budget in any window (no quota 429)
 * and uses at least 95% of each full window, also while workers join and leave; with
 * {@code subscription_first} the excess flows to the API at the API's own budget.
 */
@ExtendWith(SharedKafka.class)
class QuotaGovernorIT {
  static final int R = 600;
  static final Duration W = Duration.ofSeconds(15);
  /**
   * Jobs per test: more than three times the budget, so the first three windows are measured while
   * every worker still has a backlog (jobs spread over partitions unevenly, and a worker whose
   * partitions ran dry cannot lend its permits).
   */
  static final int JOBS = 4 * R;
  /**
   * How late a call may reach the simulator after its permit. A worker's very first call pays for
   * a cold JVM and connection (the default of 1 s covers that); these tests warm every worker's
   * connection with an api_only job first, so a quarter of a second is room enough.
   */
  static final Duration LAG = Duration.ofMillis(250);

  private static TestPipeline pipeline(EmbeddedKafka kafka) {
    return new TestPipeline(kafka, AnthropicSimulator.builder().oauthToken(TestPipeline.OAUTH_TOKEN)
        .apiKey(TestPipeline.API_KEY).subscriptionQuota(R, W).latency(Duration.ofMillis(20)));
  }

  private static WorkerConfig member(TestPipeline p, String id, QuotaSettings quota) {
    // Heartbeats every 500 ms: members hear of a rebalance within half a second (Kafka's default 3 s
    // would leave the partitions of a leaving worker unowned, and their share unused, that long).
    return p.workerConfig(id).quota(quota).jobPartitions(12).revocationGrace(Duration.ofMillis(500))
        .kafkaProperties(Map.of("heartbeat.interval.ms", 500, "session.timeout.ms", 6000)).build();
  }

  private static QuotaSettings subscriptionBudget() {
    // the simulator's window is W long where a plan's is five hours: the workers are told
    return new QuotaSettings(Optional.of(new Budget(R, W)), Optional.empty(), 0.1, LAG)
        .withWindowLengths(Map.of("5h", W));
  }

  /** Subscription calls answered 200, oldest first. */
  private static List<Instant> served(TestPipeline p) {
    return p.sim.calls().stream().filter(c -> c.route() == Route.SUBSCRIPTION && c.status() == 200)
        .map(RecordedCall::at).sorted().toList();
  }



  /** One api_only job on each of the 12 job partitions: every worker's HTTP connection is warm. */
  private static Set<String> warmUp(TestPipeline p) {
    List<java.util.concurrent.CompletableFuture<JobResult>> warm = new ArrayList<>();
    java.util.Set<Integer> covered = new java.util.HashSet<>();
    for (int k = 0; covered.size() < 12; k++) {
      String key = "warm-" + k;
      int partition = org.apache.kafka.common.utils.Utils.toPositive(
          org.apache.kafka.common.utils.Utils.murmur2(key.getBytes(java.nio.charset.StandardCharsets.UTF_8))) % 12;
      if (covered.add(partition)) {
        warm.add(p.client().submitAndAwait(dev.promptq.job.Job.of(key, p.request("warm up")).withRoute(RoutePolicy.API_ONLY),
            Duration.ofSeconds(60)));
      }
    }
    warm.forEach(java.util.concurrent.CompletableFuture::join);
    return new java.util.HashSet<>(warm.stream().map(f -> f.join().id()).toList());
  }

  /**
   * Every job answered once and successfully; no quota 429; at most the budget in any window; at
   * least 95% of it in each of the first three windows.
   */
  private static void assertPacedWithinBudget(TestPipeline p, Set<String> expected, Set<String> warm, String name) {
    Map<String, JobResult> results = p.assertExactlyOneResultEach(expected);
    warm.forEach(results::remove);
    assertTrue(results.values().stream().allMatch(r -> r.outcome() == Outcome.SUCCEEDED));
    assertEquals(0, quota429s(p), "no quota 429");
    List<Instant> at = served(p);
    List<Integer> windows = WindowCounts.fixedWindows(at, W, lastAnswer(results));
    report(name, at, windows);
    assertTrue(WindowCounts.maxInAnyWindow(at, W) <= R, "at most the budget in any window");
    assertTrue(windows.size() >= 3, "full windows: " + windows);
    assertTrue(windows.subList(0, 3).stream().allMatch(n -> n >= 0.95 * R),
        "at least 95% of each of the first three windows: " + windows);
  }

  private static Set<String> union(Set<String> a, Set<String> b) {
    Set<String> u = new java.util.HashSet<>(a);
    u.addAll(b);
    return u;
  }

  private static Set<String> submit(TestPipeline p, String prefix, int n, RoutePolicy policy) {
    Set<String> ids = new java.util.LinkedHashSet<>();
    for (int i = 0; i < n; i++) {
      String id = prefix + "-" + i;
      p.client().submit(dev.promptq.job.Job.of(id, p.request("job " + id)).withRoute(policy));
      ids.add(id);
    }
    p.client().flush();
    return ids;
  }

  private static GroupStatus status(TestPipeline p) {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", p.bootstrapServers()));
        KafkaConsumer<byte[], byte[]> control = new KafkaConsumer<>(Map.of("bootstrap.servers", p.bootstrapServers(),
            "isolation.level", "read_committed"), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      return new GroupStatusReader(admin, control, p.topics, java.time.Clock.systemUTC()).read(p.groupId);
    }
  }

  private static long quota429s(TestPipeline p) {
    return p.sim.calls().stream().filter(c -> c.route() == Route.SUBSCRIPTION && c.status() == 429).count();
  }

  private static Instant lastAnswer(Map<String, JobResult> results) {
    return results.values().stream().map(JobResult::finishedAt).max(Instant::compareTo).orElseThrow();
  }

  private static void report(String name, List<Instant> at, List<Integer> windows) {
    System.out.printf("%s: %d subscription calls, max %d in any %s window (budget %d), full windows %s%n",
        name, at.size(), WindowCounts.maxInAnyWindow(at, W), W, R, windows);
  }

  @Test
  void threeWorkersStayWithinTheBudgetInEveryWindowAndUseNearlyAllOfIt(EmbeddedKafka kafka) {
    try (TestPipeline p = pipeline(kafka)) {
      for (int i = 1; i <= 3; i++) {
        p.startWorker(member(p, "q" + i, subscriptionBudget()));
      }
      p.awaitGroupFormed();
      Set<String> warm = warmUp(p);
      Set<String> ids = submit(p, "paced", JOBS, RoutePolicy.SUBSCRIPTION_ONLY);
      // Mid-run, the group's status shows the budget as the workers report it.
      await().atMost(Duration.ofSeconds(60)).until(() -> served(p).size() >= R / 2);
      await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
        GroupStatus.Quota q = status(p).quotas().get("subscription");
        assertTrue(q != null && q.workers() == 3 && q.used() > 0, "status: " + q);
        assertEquals(R, q.budget());
        assertTrue(q.perWindow() <= R && q.perWindow() >= 0.95 * R, "the group's pace: " + q.perWindow());
        assertTrue(q.utilization() > 0 && q.reset() != null, "the API's own figures: " + q);
      });
      String scrape = p.workers().get(0).metrics().scrape();
      for (String meter : List.of("promptq_quota_budget", "promptq_quota_share", "promptq_quota_used",
          "promptq_quota_permits_total", "promptq_quota_permits_available", "promptq_quota_pace",
          "promptq_quota_utilization", "promptq_quota_reset_seconds")) {
        assertTrue(scrape.contains(meter + "{"), meter + " in " + scrape.lines().filter(l -> l.contains("quota")).toList());
      }
      assertPacedWithinBudget(p, union(ids, warm), warm, "3 workers");
    }
  }

  @Test
  void aWorkerJoiningAndOneLeavingKeepTheGroupWithinTheBudget(EmbeddedKafka kafka) {
    try (TestPipeline p = pipeline(kafka)) {
      List<Worker> workers = new ArrayList<>();
      for (int i = 1; i <= 3; i++) {
        workers.add(p.startWorker(member(p, "j" + i, subscriptionBudget())));
      }
      p.awaitGroupFormed();
      Set<String> warm = warmUp(p);
      Set<String> ids = submit(p, "churn", JOBS, RoutePolicy.SUBSCRIPTION_ONLY);
      await().atMost(Duration.ofSeconds(60)).until(() -> served(p).size() >= R / 2);
      Worker joined = p.startWorker(member(p, "j4", subscriptionBudget()));
      await().atMost(Duration.ofSeconds(60)).until(() -> !joined.assignment().isEmpty());
      await().atMost(Duration.ofSeconds(60)).until(() -> served(p).size() >= 2 * R);
      workers.get(0).close();
      assertPacedWithinBudget(p, union(ids, warm), warm, "3 workers, +1, -1");
    }
  }

  @Test
  void withSubscriptionFirstTheExcessFlowsToTheApiAtItsOwnBudget(EmbeddedKafka kafka) {
    int apiPerMinute = 240;
    QuotaSettings both = new QuotaSettings(Optional.of(new Budget(R, W)),
        Optional.of(new Budget(apiPerMinute, Duration.ofMinutes(1))), 0.1, LAG).withWindowLengths(Map.of("5h", W));
    try (TestPipeline p = pipeline(kafka)) {
      for (int i = 1; i <= 3; i++) {
        p.startWorker(member(p, "x" + i, both));
      }
      p.awaitGroupFormed();
      Set<String> warm = warmUp(p);
      Set<String> ids = submit(p, "excess", JOBS, RoutePolicy.SUBSCRIPTION_FIRST);
      Map<String, JobResult> results = p.assertExactlyOneResultEach(union(ids, warm));
      warm.forEach(results::remove);

      assertTrue(results.values().stream().allMatch(r -> r.outcome() == Outcome.SUCCEEDED));
      assertEquals(0, quota429s(p), "no quota 429");
      List<Instant> at = served(p);
      List<Instant> api = p.sim.calls().stream().filter(c -> c.route() == Route.API && !c.at().isBefore(at.get(0)))
          .map(RecordedCall::at).sorted().toList();
      List<Integer> windows = WindowCounts.fixedWindows(at, W, lastAnswer(results));
      Duration span = Duration.between(at.get(0), lastAnswer(results));
      double apiAllowed = apiPerMinute * span.toMillis() / 60_000.0;
      report("subscription_first with an API budget", at, windows);
      System.out.printf("  api: %d calls in %s (its budget allows %.0f)%n", api.size(), span, apiAllowed);
      assertTrue(WindowCounts.maxInAnyWindow(at, W) <= R, "at most the subscription budget in any window");
      assertTrue(windows.size() >= 2 && windows.subList(0, 2).stream().allMatch(n -> n >= 0.95 * R),
          "at least 95% of each of the first two windows: " + windows);
      assertTrue(api.size() <= apiAllowed + 4, "the API at most at its budget: " + api.size());
      assertTrue(api.size() >= 0.8 * apiAllowed, "the excess flows to the API: " + api.size() + " of " + apiAllowed);
      // counted from the results: the calls above start at the run's first subscription answer, and a job may
      // take the API a moment before it
      assertTrue(results.values().stream().allMatch(r -> r.attempts().size() == 1), "every job answered by one call");
    }
  }
}
