package dev.promptq.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.promptq.job.Job;
import dev.promptq.job.JobResult;
import dev.promptq.job.Outcome;
import dev.promptq.kafka.ReplyHeaders;
import dev.promptq.testkit.junit.SharedKafka;
import dev.promptq.testkit.kafka.EmbeddedKafka;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Records that are not jobs go to the dead-letter topic with a reason; the worker keeps going. */
@ExtendWith(SharedKafka.class)
class DeadLetterIT {

  @Test
  void badRecordsBecomeDeadLettersAndTheNextJobIsAnswered(EmbeddedKafka kafka) {
    Map<String, String> badRecords = new LinkedHashMap<>();
    badRecords.put("unparseable", "{\"id\": \"x\", \"request\": {");
    badRecords.put("missing-id", "{\"request\": {\"model\": \"m\"}}");
    badRecords.put("invalid-id", "{\"id\": \"no spaces allowed\", \"request\": {}}");
    badRecords.put("missing-request", "{\"id\": \"no-request\"}");
    badRecords.put("request-not-object", "{\"id\": \"req-string\", \"request\": \"hello\"}");
    Map<String, String> expectedReasons = Map.of(
        "unparseable", "invalid JSON",
        "missing-id", "missing field: id",
        "invalid-id", "invalid id (must be 1-64 of [A-Za-z0-9_-]): no spaces allowed",
        "missing-request", "missing field: request",
        "request-not-object", "request must be a JSON object (a Messages API body), got a string");

    try (TestPipeline p = new TestPipeline(kafka)) {
      p.startWorker("w");
      badRecords.forEach((key, value) -> p.produceRaw(key.getBytes(StandardCharsets.UTF_8),
          value.getBytes(StandardCharsets.UTF_8), Map.of()));

      JobResult next = p.client().submitAndAwait(Job.of("after-the-bad-ones", p.request("still there?")),
          Duration.ofSeconds(60)).join();

      assertEquals(Outcome.SUCCEEDED, next.outcome());
      List<ConsumerRecord<byte[], byte[]>> dead = p.readAll(p.topics.deadLetters(), badRecords.size());
      assertEquals(badRecords.size(), dead.size());
      for (ConsumerRecord<byte[], byte[]> d : dead) {
        String key = new String(d.key(), StandardCharsets.UTF_8);
        assertEquals(badRecords.get(key), new String(d.value(), StandardCharsets.UTF_8), "original value kept");
        String reason = ReplyHeaders.text(d.headers(), ReplyHeaders.DLQ_REASON);
        assertTrue(reason.startsWith(expectedReasons.get(key)), key + ": " + reason);
        assertTrue(ReplyHeaders.text(d.headers(), ReplyHeaders.DLQ_ORIGIN).startsWith(p.topics.jobs() + "-"));
      }
      assertEquals(1, p.sim.calls().size(), "no call for a dead letter");
    }
  }

  @Test
  void aJobWhoseReplyDestinationDoesNotExistIsADeadLetterWithoutACall(EmbeddedKafka kafka) {
    try (TestPipeline p = new TestPipeline(kafka)) {
      p.startWorker("w");
      Job noTopic = Job.of("nowhere", p.request("hi")).withReplyTo(p.topics.results() + ".missing");
      p.produceRaw(ReplyHeaders.utf8(noTopic.id()), p.codec.encodeJob(noTopic), Map.of());
      Job badPartition = Job.of("bad-partition", p.request("hi"));
      p.produceRaw(ReplyHeaders.utf8(badPartition.id()), p.codec.encodeJob(badPartition),
          Map.of(ReplyHeaders.REPLY_PARTITION, java.nio.ByteBuffer.allocate(4).putInt(99).array()));

      JobResult next = p.client().submitAndAwait(Job.of("deliverable", p.request("hi")), Duration.ofSeconds(60)).join();

      assertEquals(Outcome.SUCCEEDED, next.outcome());
      List<ConsumerRecord<byte[], byte[]>> dead = p.readAll(p.topics.deadLetters(), 2);
      Map<String, String> reasons = new java.util.HashMap<>();
      dead.forEach(d -> reasons.put(new String(d.key(), StandardCharsets.UTF_8),
          ReplyHeaders.text(d.headers(), ReplyHeaders.DLQ_REASON)));
      assertEquals(Map.of(
          "nowhere", "reply topic " + p.topics.results() + ".missing does not exist",
          "bad-partition", "reply partition 99 is not in " + p.topics.results() + " (partitions 0-5)"), reasons);
      assertEquals(1, p.sim.calls().size(), "only the deliverable job was called");
    }
  }
}
