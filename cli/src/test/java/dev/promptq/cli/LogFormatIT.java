package dev.promptq.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.promptq.testkit.junit.SharedKafka;
import dev.promptq.testkit.kafka.EmbeddedKafka;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** PROMPTQ_LOG_FORMAT=json: every log line on stderr is one JSON object, secrets redacted. */
@ExtendWith(SharedKafka.class)
class LogFormatIT {

  @Test
  void aWorkerLogsOneJsonObjectPerLine(EmbeddedKafka kafka) throws Exception {
    Path target = Path.of(System.getProperty("promptq.test.tmp", "target"));
    String token = "sk-ant-oat01-jsonlog-" + UUID.randomUUID();
    String prefix = "jsonlog" + UUID.randomUUID().toString().substring(0, 6);
    try (ChildProcess worker = ChildProcess.start(target.resolve("promptq.jar"), target, "json-log-worker", Map.of(
        "PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"),
        "PROMPTQ_BOOTSTRAP_SERVERS", kafka.bootstrapServers(),
        "PROMPTQ_TOPIC_PREFIX", prefix,
        "PROMPTQ_LOG_FORMAT", "json",
        "CLAUDE_CODE_OAUTH_TOKEN", token), "worker", "--worker-id", "jsonlog")) {
      worker.awaitLine(Pattern.compile("joined group"), Duration.ofSeconds(60));
      worker.terminate();
      assertEquals(0, worker.awaitExit(Duration.ofSeconds(60)));

      List<String> lines = Files.readAllLines(worker.stderrFile());
      ObjectMapper mapper = new ObjectMapper();
      boolean started = false;
      for (String line : lines) {
        JsonNode n = mapper.readTree(line);  // throws if a line is not JSON
        assertTrue(n.has("@timestamp") && n.has("log.level") && n.has("message"), line);
        started |= n.path("message").asText().startsWith("worker jsonlog started");
        assertFalse(line.contains(token), "the token never reaches a log line");
      }
      assertTrue(started, "the start line is logged: " + lines);
    }
  }
}
