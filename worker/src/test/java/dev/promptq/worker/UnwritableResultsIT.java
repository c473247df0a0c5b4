package dev.promptq.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.promptq.job.Job;
import dev.promptq.job.JobResult;
import dev.promptq.job.Outcome;
import dev.promptq.testkit.junit.SharedKafka;
import dev.promptq.testkit.kafka.EmbeddedKafka;
import dev.promptq.testkit.sim.AnthropicSimulator;
import dev.promptq.testkit.sim.AnthropicSimulatorBuilder;
import dev.promptq.testkit.sim.SimResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A result Kafka will not take (too large for the reply topic or for {@code result.max.bytes}, a
 * reply topic deleted after its check) becomes a small errored result, and the worker goes on.
 * Before, the same transaction was retried forever and every partition of the worker stalled.
 */
@ExtendWith(SharedKafka.class)
class UnwritableResultsIT {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final int BIG = 60_000;

  /** The simulator answers prompts starting with "big" with a {@value #BIG}-character text. */
  private static AnthropicSimulatorBuilder sim() {
    return AnthropicSimulator.builder().oauthToken(TestPipeline.OAUTH_TOKEN).apiKey(TestPipeline.API_KEY)
        .responder(request -> {
          String prompt = request.body().path("messages").path(0).path("content").asText();
          if (!prompt.startsWith("big")) {
            return Optional.empty();
          }
          ObjectNode m = MAPPER.createObjectNode().put("id", "msg_big").put("type", "message")
              .put("role", "assistant").put("model", request.body().path("model").asText());
          // Random letters: lz4 would shrink a repeated one below any topic's limit.
          java.util.Random random = new java.util.Random(42);
          StringBuilder text = new StringBuilder(BIG);
          for (int i = 0; i < BIG; i++) {
            text.append((char) ('a' + random.nextInt(26)));
          }
          m.putArray("content").addObject().put("type", "text").put("text", text.toString());
          m.put("stop_reason", "end_turn").putNull("stop_sequence");
          m.putObject("usage").put("input_tokens", 10).put("output_tokens", BIG / 4);
          return Optional.of(new SimResponse(200, Map.of(), m.toString()));
        });
  }

  private static void createTopic(TestPipeline p, String name, Map<String, String> configs) throws Exception {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", p.bootstrapServers()))) {
      admin.createTopics(List.of(new NewTopic(name, 1, (short) 1).configs(configs))).all().get();
    }
  }

  @Test
  void aResultLargerThanItsReplyTopicTakesBecomesASmallErroredResultThereAndTheWorkerGoesOn(EmbeddedKafka kafka)
      throws Exception {
    try (TestPipeline p = new TestPipeline(kafka, sim())) {
      String small = p.topics.results().replace(".results", "") + ".small-replies";
      createTopic(p, small, Map.of("max.message.bytes", "20000"));
      p.startWorker("w1");
      p.awaitGroupFormed();

      JobResult big = p.client().submitAndAwait(Job.of("big-1", p.request("big answer")).withReplyTo(small),
          Duration.ofSeconds(60)).join();
      JobResult next = p.client().submitAndAwait(Job.of("next-1", p.request("small answer")), Duration.ofSeconds(60))
          .join();

      assertEquals(Outcome.ERRORED, big.outcome());
      assertEquals("result_too_large", big.error().type());
      assertNull(big.message());
      assertNotNull(big.usage(), "what the call used is kept");
      assertEquals(Outcome.SUCCEEDED, next.outcome(), "the worker goes on");
    }
  }

  @Test
  void aResultLargerThanResultMaxBytesIsReplacedBeforeItIsWritten(EmbeddedKafka kafka) {
    try (TestPipeline p = new TestPipeline(kafka, sim())) {
      p.startWorker(p.workerConfig("w1").resultMaxBytes(16_384).build());
      p.awaitGroupFormed();

      JobResult big = p.client().submitAndAwait(Job.of("big-2", p.request("big answer")), Duration.ofSeconds(60))
          .join();

      assertEquals("result_too_large", big.error().type());
      assertTrue(big.error().message().contains("larger than result.max.bytes (16384)"), big.error().message());
    }
  }

  @Test
  void aReplyTopicDeletedAfterItsCheckGetsItsResultOnTheDefaultTopic(EmbeddedKafka kafka) throws Exception {
    try (TestPipeline p = new TestPipeline(kafka, sim())) {
      String doomed = p.topics.results().replace(".results", "") + ".doomed";
      createTopic(p, doomed, Map.of());
      // The producer retries a deleted topic's records until delivery.timeout.ms: short here.
      p.startWorker(p.workerConfig("w1").kafkaProperties(Map.of("max.block.ms", "3000", "delivery.timeout.ms", "8000",
          "request.timeout.ms", "5000")).build());
      p.awaitGroupFormed();
      assertEquals(Outcome.SUCCEEDED, p.client().submitAndAwait(Job.of("before", p.request("hi")).withReplyTo(doomed),
          Duration.ofSeconds(60)).join().outcome(), "the topic is checked and remembered");
      try (Admin admin = Admin.create(Map.of("bootstrap.servers", p.bootstrapServers()))) {
        admin.deleteTopics(List.of(doomed)).all().get();
      }

      p.client().submit(Job.of("after", p.request("hi")).withReplyTo(doomed));
      p.client().flush();

      List<ConsumerRecord<byte[], byte[]>> results = p.readAll(p.topics.results(), 1);
      JobResult r = p.codec.decodeResult(results.get(0).value());
      assertEquals("after", r.id());
      assertEquals("reply_topic_unwritable", r.error().type());
      assertEquals(Set.of(Outcome.SUCCEEDED), Set.of(p.client().submitAndAwait(Job.of("later", p.request("hi")),
          Duration.ofSeconds(60)).join().outcome()), "the worker goes on");
    }
  }
}
