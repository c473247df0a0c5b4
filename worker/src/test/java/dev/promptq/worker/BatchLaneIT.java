package dev.promptq.worker;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.promptq.job.Attempt;
import dev.promptq.job.Job;
import dev.promptq.job.JobResult;
import dev.promptq.job.Outcome;
import dev.promptq.job.Route;
import dev.promptq.job.RoutePolicy;
import dev.promptq.testkit.junit.SharedKafka;
import dev.promptq.testkit.kafka.EmbeddedKafka;
import dev.promptq.testkit.sim.AnthropicSimulator;
import dev.promptq.usage.PriceTable;
import dev.promptq.usage.Tokens;
import dev.promptq.worker.credentials.Credentials;
import dev.promptq.worker.lane.LaneSettings;
import dev.promptq.worker.status.GroupStatus;
import dev.promptq.worker.status.GroupStatusReader;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@code api_batch} jobs go through Message Batches: one result each, at half the price. */
@ExtendWith(SharedKafka.class)
class BatchLaneIT {
  private static final LaneSettings FAST = new LaneSettings(100, 1024 * 1024, Duration.ofMillis(200),
      Duration.ofMillis(200), Duration.ofHours(1));
  /** A worker the subscription cannot serve: only the API key. */
  private static final Credentials API_ONLY = new Credentials(Optional.empty(), Optional.of(TestPipeline.API_KEY));

  private static Set<String> submit(TestPipeline p, String prefix, int n) {
    Set<String> ids = new LinkedHashSet<>();
    for (int i = 0; i < n; i++) {
      ObjectNode request = p.request(prefix + " question " + i + " " + "x".repeat(i % 50));
      request.put("model", "claude-haiku-4-5");
      p.client().submit(Job.of(prefix + "-" + i, request).withRoute(RoutePolicy.API_BATCH));
      ids.add(prefix + "-" + i);
    }
    p.client().flush();
    return ids;
  }

  private static void startWorkers(TestPipeline p, int n) {
    for (int i = 1; i <= n; i++) {
      p.startWorker(p.workerConfig("w" + i).lane(FAST).build());
    }
    p.awaitGroupFormed();
  }

  @Test
  void threeWorkersAnswerEveryApiBatchJobOnceAtHalfThePrice(EmbeddedKafka kafka) {
    try (TestPipeline p = new TestPipeline(kafka, AnthropicSimulator.builder().oauthToken(TestPipeline.OAUTH_TOKEN)
        .apiKey(TestPipeline.API_KEY).batchProcessing(Duration.ofSeconds(1)))) {
      startWorkers(p, 3);
      Set<String> ids = submit(p, "lane", 300);
      Map<String, JobResult> results = p.assertExactlyOneResultEach(ids);
      PriceTable prices = PriceTable.defaults();
      double synchronous = 0;
      double charged = 0;
      for (JobResult r : results.values()) {
        assertEquals(Outcome.SUCCEEDED, r.outcome(), r.id() + ": " + r.error());
        assertEquals(Route.API, r.route());
        assertEquals(1, r.attempts().size());
        assertEquals(Attempt.BATCH, r.attempts().get(0).lane());
        synchronous += prices.cost("claude-haiku-4-5", Tokens.fromUsage(r.usage()), false).orElseThrow();
        charged += r.apiCostUsd();
      }
      assertEquals(synchronous / 2, charged, 1e-9, "the batch lane costs half the synchronous route");
      double expected = charged;
      await().atMost(Duration.ofSeconds(30)).until(() -> Math.abs(status(p).apiSpendToday() - expected) < 1e-9);
      assertEquals(0, p.sim.calls().size(), "no synchronous call");
      assertEquals(300, p.sim.batchSubmissions().size());
      assertTrue(p.sim.batchSubmissions().values().stream().allMatch(n -> n == 1), "no job submitted twice");
      System.out.printf("batch lane: 300 jobs, %.6f USD against %.6f synchronously%n", charged, synchronous);
    }
  }

  @Test
  void aBatchThatExpiresEndsItsJobsExpired(EmbeddedKafka kafka) {
    try (TestPipeline p = new TestPipeline(kafka, AnthropicSimulator.builder().oauthToken(TestPipeline.OAUTH_TOKEN)
        .apiKey(TestPipeline.API_KEY).batchProcessing(Duration.ofMinutes(10)).batchExpiry(Duration.ofSeconds(1)))) {
      startWorkers(p, 1);
      Set<String> ids = submit(p, "late", 20);
      Map<String, JobResult> results = p.assertExactlyOneResultEach(ids);
      for (JobResult r : results.values()) {
        assertEquals(Outcome.EXPIRED, r.outcome(), r.id());
        assertEquals("batch_expired", r.error().type());
      }
    }
  }

  @Test
  void theOpenBatchesShowInTheGroupsStatusUntilTheyEnd(EmbeddedKafka kafka) {
    try (TestPipeline p = new TestPipeline(kafka, AnthropicSimulator.builder().oauthToken(TestPipeline.OAUTH_TOKEN)
        .apiKey(TestPipeline.API_KEY).batchProcessing(Duration.ofSeconds(8)))) {
      startWorkers(p, 2);
      Set<String> ids = submit(p, "shown", 30);
      GroupStatus open = await().atMost(Duration.ofSeconds(60)).until(() -> status(p),
          s -> s.openBatches().stream().mapToInt(GroupStatus.OpenBatch::requests).sum() == 30);
      assertTrue(open.openBatches().stream().allMatch(b -> b.id().startsWith("msgbatch_")), open.openBatches().toString());
      assertTrue(open.toJson(p.codec.mapper()).path("open_batches").get(0).path("age_s").asLong() >= 0);
      p.assertExactlyOneResultEach(ids);
      await().atMost(Duration.ofSeconds(30)).until(() -> status(p).openBatches().isEmpty());
    }
  }

  @Test
  void aRequestTheApiRefusesEndsItsOwnJobErroredAndNoOther(EmbeddedKafka kafka) {
    try (TestPipeline p = new TestPipeline(kafka, AnthropicSimulator.builder().apiKey(TestPipeline.API_KEY)
        .batchProcessing(Duration.ofSeconds(1)))) {
      startWorkers(p, 1);
      Set<String> ids = new LinkedHashSet<>();
      for (int i = 0; i < 20; i++) {
        ObjectNode request = p.request("mixed " + i);
        request.put("model", "claude-haiku-4-5");
        if (i == 13) {
          request.put("temperature_typo", 0.5);  // the API refuses the whole batch that holds it
        }
        p.client().submit(Job.of("mixed-" + i, request).withRoute(RoutePolicy.API_BATCH));
        ids.add("mixed-" + i);
      }
      p.client().flush();
      Map<String, JobResult> results = p.assertExactlyOneResultEach(ids);
      JobResult bad = results.remove("mixed-13");
      assertEquals(Outcome.ERRORED, bad.outcome());
      assertEquals(400, bad.error().status());
      assertTrue(bad.error().message().contains("temperature_typo"), bad.error().message());
      assertTrue(results.values().stream().allMatch(r -> r.outcome() == Outcome.SUCCEEDED), results.toString());
      assertEquals(19, p.sim.batchSubmissions().size(), "every other job went in a batch, once");
      assertTrue(p.sim.batchSubmissions().values().stream().allMatch(n -> n == 1));
    }
  }

  /** subscription_first jobs the subscription cannot serve, half with a deadline that leaves time for a batch. */
  private static Set<String> submitFirst(TestPipeline p, String prefix, int n, Set<String> canWait) {
    Set<String> ids = new LinkedHashSet<>();
    for (int i = 0; i < n; i++) {
      ObjectNode request = p.request(prefix + " " + i);
      request.put("model", "claude-haiku-4-5");
      boolean waits = i % 2 == 0;
      String id = prefix + "-" + i;
      p.client().submit(Job.of(id, request).withDeadline(Instant.now().plus(waits ? Duration.ofHours(2)
          : Duration.ofMinutes(10))));
      ids.add(id);
      if (waits) {
        canWait.add(id);
      }
    }
    p.client().flush();
    return ids;
  }

  @Test
  void subscriptionFirstJobsThatCanWaitTakeTheLaneAndTheOthersTheSynchronousApi(EmbeddedKafka kafka) {
    try (TestPipeline p = new TestPipeline(kafka, AnthropicSimulator.builder().apiKey(TestPipeline.API_KEY)
        .batchProcessing(Duration.ofSeconds(1)))) {
      p.startWorker(p.workerConfig("w1").credentials(API_ONLY).lane(FAST).build());
      p.awaitGroupFormed();
      Set<String> canWait = new LinkedHashSet<>();
      Map<String, JobResult> results = p.assertExactlyOneResultEach(submitFirst(p, "first", 20, canWait));
      for (JobResult r : results.values()) {
        assertEquals(Outcome.SUCCEEDED, r.outcome(), r.id() + ": " + r.error());
        assertEquals(canWait.contains(r.id()) ? Attempt.BATCH : Attempt.SYNC, r.attempts().get(0).lane(), r.id());
      }
      assertEquals(canWait.size(), p.sim.batchSubmissions().size(), "the jobs that can wait went to a batch");
      assertEquals(10, p.sim.calls().size(), "the others to the synchronous API");
    }
  }

  @Test
  void aSubscriptionFirstJobWhoseBatchExpiredTakesTheSynchronousApiBeforeItsDeadline(EmbeddedKafka kafka) {
    try (TestPipeline p = new TestPipeline(kafka, AnthropicSimulator.builder().apiKey(TestPipeline.API_KEY)
        .batchProcessing(Duration.ofMinutes(10)).batchExpiry(Duration.ofSeconds(1)))) {
      p.startWorker(p.workerConfig("w1").credentials(API_ONLY).lane(FAST).build());
      p.awaitGroupFormed();
      Set<String> canWait = new LinkedHashSet<>();
      Map<String, JobResult> results = p.assertExactlyOneResultEach(submitFirst(p, "again", 10, canWait));
      for (JobResult r : results.values()) {
        assertEquals(Outcome.SUCCEEDED, r.outcome(), r.id() + ": " + r.error());
        assertEquals(Attempt.SYNC, r.attempts().get(r.attempts().size() - 1).lane());
      }
      assertEquals(canWait.size(), p.sim.batchSubmissions().size(), "those that can wait went to a batch first");
      assertEquals(10, p.sim.calls().size(), "then every job took the synchronous API once");
    }
  }

  private static GroupStatus status(TestPipeline p) {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", p.bootstrapServers()));
        KafkaConsumer<byte[], byte[]> reader = new KafkaConsumer<>(Map.of("bootstrap.servers", p.bootstrapServers(),
            "isolation.level", "read_committed"), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      return new GroupStatusReader(admin, reader, p.topics, java.time.Clock.systemUTC()).read(p.groupId);
    }
  }
}
