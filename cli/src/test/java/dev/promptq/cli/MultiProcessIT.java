package dev.promptq.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The deployment of one machine, each part its own process from the shaded jar: a broker, the
 * simulator, two workers and a batch client, completing a 200-line Message Batches file.
 */
class MultiProcessIT {
  private static final Duration START = Duration.ofSeconds(90);
  private final ObjectMapper mapper = new ObjectMapper();

  @Test
  void kafkaSimTwoWorkersAndBatchCompleteATwoHundredLineFile() throws Exception {
    Path target = Path.of(System.getProperty("promptq.test.tmp", "target"));
    Path jar = target.resolve("promptq.jar");
    assertTrue(Files.exists(jar), "the shaded jar is built before integration tests: " + jar);
    Path work = Files.createDirectories(target.resolve("multi-process-" + UUID.randomUUID().toString().substring(0, 8)));
    String token = "sk-ant-oat01-mp-" + UUID.randomUUID();
    String key = "sk-ant-api03-mp-" + UUID.randomUUID();
    Map<String, String> base = Map.of("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"),
        "PROMPTQ_LOG_LEVEL", "INFO");

    List<ChildProcess> processes = new ArrayList<>();
    try {
      ChildProcess kafka = ChildProcess.start(jar, work, "kafka", base,
          "kafka", "--port", "0", "--data-dir", work.resolve("kafka-data").toString());
      processes.add(kafka);
      String bootstrap = kafka.awaitLine(Pattern.compile("Kafka ready at (\\S+)"), START).group(1);

      ChildProcess sim = ChildProcess.start(jar, work, "sim", base,
          "sim", "--port", "0", "--latency-ms", "20", "--oauth-token", token, "--api-key", key);
      processes.add(sim);
      String simUrl = sim.awaitLine(Pattern.compile("Simulator ready at (\\S+)"), START).group(1);

      Map<String, String> workerEnv = new java.util.HashMap<>(base);
      workerEnv.putAll(Map.of("PROMPTQ_BOOTSTRAP_SERVERS", bootstrap, "ANTHROPIC_BASE_URL", simUrl,
          "CLAUDE_CODE_OAUTH_TOKEN", token, "ANTHROPIC_API_KEY", key));
      for (int i = 1; i <= 2; i++) {
        ChildProcess w = ChildProcess.start(jar, work, "worker-" + i, workerEnv, "worker", "--worker-id", "mp-" + i);
        processes.add(w);
        w.awaitLine(Pattern.compile("Worker mp-" + i + " running"), START);
      }

      Path in = work.resolve("requests.jsonl");
      List<String> requestLines = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        requestLines.add("{\"custom_id\":\"req-" + i + "\",\"params\":{\"model\":\"claude-test\",\"max_tokens\":50,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"Question number " + i + "\"}]}}");
      }
      Files.write(in, requestLines);
      Path out = work.resolve("results.jsonl");
      Map<String, String> clientEnv = new java.util.HashMap<>(base);
      clientEnv.put("PROMPTQ_BOOTSTRAP_SERVERS", bootstrap);

      Path full = work.resolve("full-results.jsonl");
      ChildProcess batch = ChildProcess.start(jar, work, "batch", clientEnv, "batch", in.toString(), "--out", out.toString(),
          "--results", full.toString());
      assertEquals(0, batch.awaitExit(Duration.ofMinutes(3)), batch.stdout());

      List<String> lines = Files.readAllLines(out);
      assertEquals(200, lines.size());
      Set<String> ids = new HashSet<>();
      for (String line : lines) {
        JsonNode n = mapper.readTree(line);
        ids.add(n.path("custom_id").asText());
        assertEquals("succeeded", n.path("result").path("type").asText(), line);
        assertEquals("message", n.path("result").path("message").path("type").asText());
      }
      assertEquals(200, ids.size());
      assertTrue(batch.stdout().contains("200 requests: 0 already answered, 200 submitted: 200 succeeded"), batch.stdout());
      assertTrue(batch.stdout().contains("By route: subscription 200. API cost $0.0000. Full results in "), batch.stdout());
      assertFalse(Pattern.compile("batch +\\d+%").matcher(Files.readString(batch.stderrFile())).find(),
          "no progress bar when stderr is not a terminal");
      List<String> fullLines = Files.readAllLines(full);
      assertEquals(200, fullLines.size(), "one full result per job");
      for (String line : fullLines) {
        JsonNode n = mapper.readTree(line);
        assertEquals("subscription", n.path("route").asText(), line);
        assertEquals("subscription", n.path("attempts").path(0).path("route").asText(), line);
      }

      ChildProcess again = ChildProcess.start(jar, work, "batch-again", clientEnv, "batch", in.toString(), "--out", out.toString());
      assertEquals(0, again.awaitExit(Duration.ofMinutes(2)), again.stdout());
      assertTrue(again.stdout().contains("200 requests: 200 already answered, 0 submitted"), again.stdout());
      assertEquals(200, Files.readAllLines(out).size());

      // A batch no worker consumes (a mistyped topic prefix): it says why it waits, and Ctrl-C says what is left.
      Map<String, String> nobodyEnv = new java.util.HashMap<>(clientEnv);
      nobodyEnv.put("PROMPTQ_TOPIC_PREFIX", "nobody-consumes");
      Path three = Files.write(work.resolve("three.jsonl"), requestLines.subList(0, 3));
      ChildProcess waiting = ChildProcess.start(jar, work, "batch-nobody", nobodyEnv, "batch", three.toString(),
          "--out", work.resolve("three-out.jsonl").toString(), "--stall-report", "PT2S");
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).until(() ->
          Files.readString(waiting.stderrFile()).contains("promptq batch: "));
      waiting.signal("INT");
      assertEquals(130, waiting.awaitExit(Duration.ofSeconds(30)));
      String err = Files.readString(waiting.stderrFile());
      assertTrue(err.contains("promptq batch: stopped with 3 requests still without a result. Their jobs stay queued "
          + "in nobody-consumes.jobs"), err);
      assertTrue(err.contains("run the same command again to collect the results"), err);
      assertTrue(err.contains("no worker of group promptq-workers consumes nobody-consumes.jobs: its 2 members read "
          + "other topics (check --topic-prefix"), err);
    } finally {
      for (int i = processes.size() - 1; i >= 0; i--) {
        processes.get(i).close();
      }
    }
  }

  @Test
  void aWorkerWithoutCredentialsRefusesToStartInOneLine() throws Exception {
    Path target = Path.of(System.getProperty("promptq.test.tmp", "target"));
    ChildProcess w = ChildProcess.start(target.resolve("promptq.jar"), target, "worker-no-credentials",
        Map.of("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin")), "worker", "--bootstrap-servers", "127.0.0.1:1");
    assertEquals(2, w.awaitExit(Duration.ofSeconds(60)));
    List<String> stderr = Files.readAllLines(w.stderrFile());
    assertEquals(List.of("promptq worker: no credentials: set CLAUDE_CODE_OAUTH_TOKEN (subscription; "
        + "`claude setup-token` prints one) and/or ANTHROPIC_API_KEY (pay-per-token API), or "
        + "PROMPTQ_CREDENTIALS_KEY to use the subscription credentials the group shares"), stderr);
  }
}
