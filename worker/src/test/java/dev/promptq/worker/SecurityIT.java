package dev.promptq.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.promptq.config.Globs;
import dev.promptq.job.Job;
import dev.promptq.job.JobResult;
import dev.promptq.job.Outcome;
import dev.promptq.job.RoutePolicy;
import dev.promptq.kafka.ReplyHeaders;
import dev.promptq.testkit.junit.SharedKafka;
import dev.promptq.testkit.kafka.EmbeddedKafka;
import dev.promptq.testkit.kafka.TopicReader;
import dev.promptq.worker.routing.OperatorPolicy;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Whoever writes a job cannot reach what they could not reach alone, nor exceed the operator's limits. */
@ExtendWith(SharedKafka.class)
class SecurityIT {
  private static final Duration WAIT = Duration.ofSeconds(60);

  private static String dlqReason(ConsumerRecord<byte[], byte[]> r) {
    return ReplyHeaders.text(r.headers(), ReplyHeaders.DLQ_REASON);
  }

  @Test
  void aJobNamingAForbiddenReplyTopicIsDeadLetteredAndNothingIsWrittenThere(EmbeddedKafka kafka) throws Exception {
    try (TestPipeline p = new TestPipeline(kafka);
        Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
      String victim = "victim-" + p.groupId;  // exists, but outside reply.topics.allowed
      admin.createTopics(List.of(new NewTopic(victim, 1, (short) 1))).all().get();
      p.startWorker("w");
      ObjectNode request = p.request("hi");
      Map<String, byte[]> records = new LinkedHashMap<>();
      records.put("by-field", p.codec.encodeJob(Job.of("by-field", request).withReplyTo(victim)));
      records.put("into-control", p.codec.encodeJob(Job.of("into-control", request).withReplyTo(p.topics.control())));
      records.put("into-jobs", p.codec.encodeJob(Job.of("into-jobs", request).withReplyTo(p.topics.jobs())));
      records.put("into-usage", p.codec.encodeJob(Job.of("into-usage", request).withReplyTo(p.topics.usage())));
      records.forEach((key, value) -> p.produceRaw(key.getBytes(StandardCharsets.UTF_8), value, Map.of()));
      p.produceRaw("by-header".getBytes(StandardCharsets.UTF_8), p.codec.encodeJob(Job.of("by-header", request)),
          Map.of(ReplyHeaders.REPLY_TOPIC, victim.getBytes(StandardCharsets.UTF_8)));

      List<ConsumerRecord<byte[], byte[]>> dead = p.readAll(p.topics.deadLetters(), 5);
      Map<String, String> reasons = new LinkedHashMap<>();
      dead.forEach(d -> reasons.put(new String(d.key(), StandardCharsets.UTF_8), dlqReason(d)));
      assertEquals(Set.of("by-field", "into-control", "into-jobs", "into-usage", "by-header"), reasons.keySet());
      assertTrue(reasons.get("by-field").startsWith("reply topic " + victim + " is not allowed (reply.topics.allowed: "),
          reasons.get("by-field"));
      assertEquals("reply topic " + victim + " is not allowed (reply.topics.allowed: " + p.topics.results() + ","
          + p.topics.results().replace("results", "*") + ")", reasons.get("by-header"));
      assertEquals("reply topic " + p.topics.control() + " is one of promptq's own topics", reasons.get("into-control"));
      assertEquals("reply topic " + p.topics.usage() + " is one of promptq's own topics", reasons.get("into-usage"));

      assertEquals(0, TopicReader.readAll(kafka.bootstrapServers(), victim, 0, Duration.ofSeconds(2), WAIT).size(),
          "nothing reached the forbidden topic");
      assertEquals(0, p.sim.calls().size(), "no call was made for them");
    }
  }

  @Test
  void oversizedDeepAndDisallowedJobsAreRefusedWithoutAnyCall(EmbeddedKafka kafka) {
    try (TestPipeline p = new TestPipeline(kafka)) {
      p.startWorker(p.workerConfig("w")
          .operatorPolicy(new OperatorPolicy(EnumSet.of(RoutePolicy.SUBSCRIPTION_FIRST, RoutePolicy.SUBSCRIPTION_ONLY),
              1000L, Globs.parse("claude-test, claude-sonnet-*")))
          .build());
      String huge = "{\"id\":\"huge\",\"request\":{\"model\":\"claude-test\",\"max_tokens\":5,\"messages\":[{\"role\":"
          + "\"user\",\"content\":\"" + "x".repeat(600_000) + "\"}]}}";
      String deep = "{\"id\":\"deep\",\"request\":{\"model\":\"claude-test\",\"max_tokens\":5,\"messages\":[{\"role\":"
          + "\"user\",\"content\":[" + "[".repeat(100) + "]".repeat(100) + "]}]}}";
      p.produceRaw("huge".getBytes(StandardCharsets.UTF_8), huge.getBytes(StandardCharsets.UTF_8), Map.of());
      p.produceRaw("deep".getBytes(StandardCharsets.UTF_8), deep.getBytes(StandardCharsets.UTF_8), Map.of());

      ObjectNode otherModel = p.request("hi").put("model", "claude-opus-4-1");
      JobResult model = p.client().submitAndAwait(Job.of("model", otherModel), WAIT).join();
      JobResult tokens = p.client().submitAndAwait(Job.of("tokens", p.request("hi").put("max_tokens", 64_000)), WAIT)
          .join();
      JobResult apiOnly = p.client().submitAndAwait(Job.of("api-only", p.request("hi")).withRoute(RoutePolicy.API_ONLY),
          WAIT).join();

      assertEquals(Outcome.ERRORED, model.outcome());
      assertEquals("model_not_allowed", model.error().type());
      assertEquals("max_tokens_over_cap", tokens.error().type());
      assertEquals("route_policy_forbidden", apiOnly.error().type());
      List<ConsumerRecord<byte[], byte[]>> dead = p.readAll(p.topics.deadLetters(), 2);
      Map<String, String> reasons = new LinkedHashMap<>();
      dead.forEach(d -> reasons.put(new String(d.key(), StandardCharsets.UTF_8), dlqReason(d)));
      assertTrue(reasons.get("huge").matches("record of \\d+ bytes exceeds job.max.bytes \\(524288\\)"),
          reasons.get("huge"));
      assertTrue(reasons.get("deep").startsWith("invalid JSON: Document nesting depth (65) exceeds the maximum allowed (64"),
          reasons.get("deep"));
      assertEquals(0, p.sim.calls().size(), "the simulator saw no call");

      JobResult fine = p.client().submitAndAwait(Job.of("fine", p.request("hi")), WAIT).join();
      assertEquals(Outcome.SUCCEEDED, fine.outcome(), "the worker keeps going");
    }
  }
}
