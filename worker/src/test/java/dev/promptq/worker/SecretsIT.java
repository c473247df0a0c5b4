package dev.promptq.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.promptq.config.Secret;
import dev.promptq.job.Job;
import dev.promptq.job.JobResult;
import dev.promptq.kafka.Topics;
import dev.promptq.testkit.junit.SharedKafka;
import dev.promptq.testkit.kafka.EmbeddedKafka;
import dev.promptq.testkit.sim.AnthropicSimulator;
import dev.promptq.testkit.sim.AnthropicSimulatorBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Planted credentials never reach results, dead letters, any record of the deployment's topics,
 * config or credential strings, or the log, whatever the job's fate.
 */
@ExtendWith(SharedKafka.class)
class SecretsIT {

  @Test
  void plantedCredentialsAppearInNoOutput(EmbeddedKafka kafka) throws IOException {
    List<String> planted = List.of(TestPipeline.OAUTH_TOKEN.reveal(), TestPipeline.API_KEY.reveal());
    // The subscription refuses the planted token (401), so the failure path is exercised too.
    AnthropicSimulatorBuilder sim = AnthropicSimulator.builder().apiKey(TestPipeline.API_KEY)
        .oauthToken(Secret.of("not-the-planted-one"));
    try (TestPipeline p = new TestPipeline(kafka, sim)) {
      WorkerConfig config = p.workerConfig("secret-keeper").lane(new dev.promptq.worker.lane.LaneSettings(100,
          1024 * 1024, Duration.ofMillis(200), Duration.ofMillis(200), Duration.ofHours(24))).build();
      p.startWorker(config);
      List<JobResult> results = new ArrayList<>();
      results.add(p.client().submitAndAwait(Job.of("ok-after-401", p.request("hi")), Duration.ofSeconds(60)).join());
      ObjectNode bad = p.request("hi");
      bad.put("unknown_field", true);
      results.add(p.client().submitAndAwait(Job.of("bad", bad), Duration.ofSeconds(60)).join());
      // the batch lane: the API key goes to the Message Batches API; a batch refused at creation too
      results.add(p.client().submitAndAwait(Job.of("half-price", p.request("hi"))
          .withRoute(dev.promptq.job.RoutePolicy.API_BATCH), Duration.ofSeconds(60)).join());
      p.produceRaw("dead".getBytes(StandardCharsets.UTF_8), "{broken".getBytes(StandardCharsets.UTF_8), Map.of());

      List<String> outputs = new ArrayList<>();
      results.forEach(r -> outputs.add(r.toString()));
      outputs.add(config.toString());
      outputs.add(config.credentials().toString());
      Topics t = p.topics;
      for (String topic : List.of(t.jobs(), t.results(), t.deadLetters(), t.lane(), t.laneBatches(), t.usage())) {
        for (ConsumerRecord<byte[], byte[]> r : p.readAll(topic, topic.equals(t.results()) || topic.equals(t.jobs())
            ? 3 : 1)) {
          outputs.add(text(r.key()) + " " + text(r.value()));
          for (Header h : r.headers()) {
            outputs.add(h.key() + "=" + text(h.value()));
          }
        }
      }
      Path log = Path.of(System.getProperty("promptq.test.tmp", "target"), "test.log");
      assertTrue(Files.exists(log), "the test log exists: " + log);
      outputs.add(Files.readString(log, StandardCharsets.ISO_8859_1));

      assertEquals("authentication_error", results.get(0).attempts().get(0).errorType(), "the 401 path ran");
      assertEquals(dev.promptq.job.Attempt.BATCH, results.get(2).attempts().get(0).lane(), "the lane ran");
      assertTrue(outputs.size() > 8);
      for (String output : outputs) {
        for (String secret : planted) {
          assertFalse(output.contains(secret), "a planted credential leaked into: "
              + output.substring(0, Math.min(200, output.length())));
        }
      }
    }
  }

  private static String text(byte[] b) {
    return b == null ? "" : new String(b, StandardCharsets.ISO_8859_1);
  }
}
