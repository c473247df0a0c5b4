package dev.promptq.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.promptq.config.Secret;
import dev.promptq.job.JobCodec;
import dev.promptq.kafka.Topics;
import dev.promptq.testkit.junit.SharedKafka;
import dev.promptq.testkit.kafka.EmbeddedKafka;
import dev.promptq.testkit.sim.AnthropicSimulator;
import dev.promptq.worker.Worker;
import dev.promptq.worker.WorkerConfig;
import dev.promptq.worker.credentials.Credentials;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Kafka's own console tools are promptq clients: a line written by {@code kafka-console-producer}
 * is a valid job, and {@code kafka-console-consumer} reads its result. The tools run as child
 * JVMs, exactly as their shell scripts start them ({@code java -cp ... org.apache.kafka.tools...}).
 */
@ExtendWith(SharedKafka.class)
class ConsoleToolsIT {
  private static final String JOB = "{\"id\":\"from-console\",\"request\":{\"model\":\"claude-test\",\"max_tokens\":20,"
      + "\"messages\":[{\"role\":\"user\",\"content\":\"hello from the console\"}]}}";

  private static Process tool(String mainClass, Path log, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-cp", System.getProperty("java.class.path"), mainClass));
    command.addAll(List.of(args));
    return new ProcessBuilder(command).redirectError(log.toFile()).start();
  }

  @Test
  void aConsoleProducerLineIsAJobAndTheConsoleConsumerReadsItsResult(EmbeddedKafka kafka) throws Exception {
    Path target = Path.of(System.getProperty("promptq.test.tmp", "target"));
    Secret token = Secret.of("sk-ant-oat01-console-" + UUID.randomUUID());
    Topics topics = SharedKafka.uniqueTopics();
    try (AnthropicSimulator sim = AnthropicSimulator.builder().oauthToken(token).build().start();
        Worker worker = Worker.start(WorkerConfig.builder(kafka.bootstrapServers()).topics(topics)
            .groupId("console-" + UUID.randomUUID()).workerId("console").anthropicBaseUrl(sim.baseUrl())
            .credentials(new Credentials(Optional.of(token), Optional.empty())).build())) {
      worker.firstAssignment().get(60, TimeUnit.SECONDS);

      Process producer = tool("org.apache.kafka.tools.ConsoleProducer", target.resolve("console-producer.log"),
          "--bootstrap-server", kafka.bootstrapServers(), "--topic", topics.jobs(),
          "--reader-property", "parse.key=true", "--reader-property", "key.separator=|");
      try (OutputStream in = producer.getOutputStream()) {
        in.write(("from-console|" + JOB + "\n").getBytes(StandardCharsets.UTF_8));
      }
      assertTrue(producer.waitFor(60, TimeUnit.SECONDS), "the console producer ends at end of input");
      assertEquals(0, producer.exitValue());

      Process consumer = tool("org.apache.kafka.tools.consumer.ConsoleConsumer",
          target.resolve("console-consumer.log"), "--bootstrap-server", kafka.bootstrapServers(),
          "--topic", topics.results(), "--from-beginning", "--max-messages", "1", "--timeout-ms", "60000",
          "--isolation-level", "read_committed", "--formatter-property", "print.key=true",
          "--formatter-property", "key.separator=|");
      String out = new String(consumer.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines()
          .filter(l -> l.startsWith("from-console|")).findFirst().orElse("");
      assertTrue(consumer.waitFor(90, TimeUnit.SECONDS));

      assertTrue(out.startsWith("from-console|"), "the consumer printed the result keyed by the job id");
      JsonNode result = new ObjectMapper().readTree(out.substring("from-console|".length()));
      assertEquals("from-console", result.path("id").asText());
      assertEquals("succeeded", result.path("outcome").asText());
      assertEquals("subscription", result.path("route").asText());
      assertTrue(new JobCodec().decodeResult(out.substring("from-console|".length()).getBytes(StandardCharsets.UTF_8))
          .succeeded());
    }
  }
}
