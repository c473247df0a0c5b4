package dev.promptq.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.promptq.testkit.junit.SharedKafka;
import dev.promptq.testkit.kafka.ConfigProbe;
import dev.promptq.testkit.kafka.EmbeddedKafka;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code --set kafka.X=Y} reaches every Kafka client a CLI command creates. */
@ExtendWith(SharedKafka.class)
class CliKafkaSettingsIT {

  @Test
  void kafkaSettingsGivenToTheBatchCommandReachItsClients(EmbeddedKafka kafka, @TempDir Path dir) throws Exception {
    String probe = "cli-" + UUID.randomUUID();
    Path in = dir.resolve("one.jsonl");
    Files.writeString(in, "{\"custom_id\":\"a\",\"params\":{\"model\":\"m\",\"max_tokens\":9,"
        + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}}\n");
    CommandLine cl = PromptQ.commandLine();
    cl.setOut(new PrintWriter(new StringWriter(), true));
    cl.setErr(new PrintWriter(new StringWriter(), true));

    // No worker runs: the batch gives up after a second, once its clients exist.
    cl.execute("batch", in.toString(), "--out", dir.resolve("out.jsonl").toString(), "--timeout", "PT1S",
        "--bootstrap-servers", kafka.bootstrapServers(), "--topic-prefix", "cli" + probe.substring(4, 12),
        "--set", "kafka.metric.reporters=" + ConfigProbe.class.getName(),
        "--set", "kafka." + ConfigProbe.NAME + "=" + probe,
        "--set", "kafka.security.protocol=PLAINTEXT");

    List<Map<String, Object>> clients = ConfigProbe.clients(probe);
    System.out.println("batch: kafka.* settings reached " + clients.size() + " clients");
    assertTrue(clients.size() >= 3, "producer, admin and reply consumer: " + clients.size());
    for (Map<String, Object> c : clients) {
      assertEquals("PLAINTEXT", c.get("security.protocol"));
    }
  }
}
