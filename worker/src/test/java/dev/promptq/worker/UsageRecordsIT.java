package dev.promptq.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.promptq.job.Job;
import dev.promptq.job.JobResult;
import dev.promptq.job.Route;
import dev.promptq.testkit.junit.SharedKafka;
import dev.promptq.testkit.kafka.EmbeddedKafka;
import dev.promptq.testkit.sim.AnthropicSimulator;
import dev.promptq.testkit.sim.SimWindow;
import dev.promptq.usage.Tokens;
import dev.promptq.usage.UsageCodec;
import dev.promptq.usage.UsageRecord;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Every finished job leaves one usage record next to its result: what {@code promptq report} reads. */
@ExtendWith(SharedKafka.class)
class UsageRecordsIT {

  @Test
  void eachJobHasExactlyOneUsageRecordThatAgreesWithItsResult(EmbeddedKafka kafka) {
    try (TestPipeline p = new TestPipeline(kafka, AnthropicSimulator.builder().oauthToken(TestPipeline.OAUTH_TOKEN)
        .apiKey(TestPipeline.API_KEY).subscriptionQuota(20, Duration.ofMinutes(10)))) {
      p.startWorker("w1");
      p.startWorker("w2");
      p.awaitGroupFormed();
      Set<String> ids = new LinkedHashSet<>();
      for (int i = 0; i < 60; i++) {
        ObjectNode request = p.request("job " + i);
        request.put("model", "claude-haiku-4-5");
        String id = "u-" + i;
        p.client().submit(Job.of(id, request).withBatch(i % 2 == 0 ? "even" : null));
        ids.add(id);
      }
      p.client().flush();
      Map<String, JobResult> results = p.assertExactlyOneResultEach(ids);

      UsageCodec codec = new UsageCodec(p.codec.mapper());
      List<ConsumerRecord<byte[], byte[]>> records = p.readAll(p.topics.usage(), ids.size());
      Map<String, UsageRecord> usage = new HashMap<>();
      for (ConsumerRecord<byte[], byte[]> r : records) {
        UsageRecord u = codec.decode(r.value());
        assertNull(usage.put(u.id(), u), "two usage records for " + u.id());
        assertEquals(u.id(), new String(r.key(), StandardCharsets.UTF_8));
        assertEquals(u.finishedAt().toEpochMilli(), r.timestamp(), "the record's timestamp is when the job finished");
      }
      assertEquals(ids, usage.keySet());
      int bySubscription = 0;
      for (String id : ids) {
        JobResult result = results.get(id);
        UsageRecord u = usage.get(id);
        assertEquals(result.outcome().wireName(), u.outcome());
        assertEquals(result.route().wireName(), u.route());
        assertEquals(Tokens.fromUsage(result.usage()), u.tokens());
        assertTrue(u.tokens().input() > 0 && u.tokens().output() > 0, id);
        assertEquals(result.apiCostUsd(), u.apiCostUsd(), 1e-12);
        assertEquals(result.message().path("model").asText(), u.model());
        assertEquals(result.finishedAt(), u.finishedAt());
        assertEquals(result.workerId(), u.workerId());
        assertEquals(Integer.parseInt(id.substring(2)) % 2 == 0 ? "even" : null, u.batch());
        assertEquals("http", u.transport());
        assertEquals(UsageRecord.SYNC, u.lane());
        if (result.route() == Route.SUBSCRIPTION) {
          bySubscription++;
          assertFalse(u.billed());
          assertEquals(0, u.apiCostUsd());
          assertTrue(u.windows().containsKey("5h"), "the subscription's answer named its window: " + u.windows());
        } else {
          assertTrue(u.billed());
          assertTrue(u.apiCostUsd() > 0, id);
        }
      }
      // the learned cap stops a worker once its share of what is left is under one call, so each of the two may
      // leave its last call of the window unused (the 95% of issue 17 is asserted at 60 calls, LearnedQuotaIT)
      assertTrue(bySubscription >= 18 && bySubscription <= 20, "the subscription carried its quota, the API the rest: "
          + bySubscription);
    }
  }

  @Test
  void theWindowsTheSubscriptionReportsReachTheUsageRecordsAndASpentWeeklyWindowSendsJobsToTheApi(
      EmbeddedKafka kafka) {
    // each answer costs about $0.00006 at claude-haiku-4-5's prices: the first wave fills the weekly window
    try (TestPipeline p = new TestPipeline(kafka, AnthropicSimulator.builder().oauthToken(TestPipeline.OAUTH_TOKEN)
        .apiKey(TestPipeline.API_KEY).subscriptionWindow(SimWindow.fixed("5h", Duration.ofHours(5), 1.0))
        .subscriptionWindow(SimWindow.fixed("7d", Duration.ofDays(7), 0.0002)))) {
      p.startWorker("w1");
      Set<String> ids = new LinkedHashSet<>();
      List<java.util.concurrent.CompletableFuture<JobResult>> firstWave = new java.util.ArrayList<>();
      for (int i = 0; i < 30; i++) {
        ObjectNode request = p.request("job " + i);
        request.put("model", "claude-haiku-4-5");
        if (i < 5) {
          firstWave.add(p.client().submitAndAwait(Job.of("win-" + i, request), Duration.ofSeconds(60)));
        } else {
          if (i == 5) {
            firstWave.forEach(java.util.concurrent.CompletableFuture::join);
          }
          p.client().submit(Job.of("win-" + i, request));
        }
        ids.add("win-" + i);
      }
      p.client().flush();
      Map<String, JobResult> results = p.assertExactlyOneResultEach(ids);
      UsageCodec codec = new UsageCodec(p.codec.mapper());
      List<UsageRecord> usage = p.readAll(p.topics.usage(), ids.size()).stream().map(r -> codec.decode(r.value()))
          .toList();
      assertEquals(ids.size(), usage.size());
      List<UsageRecord> bySubscription = usage.stream().filter(u -> "subscription".equals(u.route())).toList();
      assertTrue(bySubscription.size() >= 1 && bySubscription.size() < ids.size(), "the weekly window ran out: "
          + bySubscription.size());
      for (UsageRecord u : bySubscription) {
        assertEquals(java.util.Set.of("5h", "7d"), u.windows().keySet(), "both windows reported");
        assertTrue(u.windows().get("7d") > u.windows().get("5h"), "the weekly window is the fuller: " + u.windows());
      }
      assertEquals(ids.size() - bySubscription.size(), results.values().stream()
          .filter(r -> r.route() == Route.API).count(), "the rest went to the API");
    }
  }
}
