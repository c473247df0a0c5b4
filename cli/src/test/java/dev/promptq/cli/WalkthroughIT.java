package dev.promptq.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * docs/DEPLOYMENT.md, section 1, step by step from the jar: Kafka, the simulator with expiring
 * tokens and a login file, {@code credentials import}, a worker that refreshes the group's
 * credentials, and a batch through the subscription. Free ports instead of 9092 and 8080.
 */
class WalkthroughIT {
  private static final Duration START = Duration.ofSeconds(90);

  @Test
  void theSharedCredentialsWalkthroughRunsAsWritten() throws Exception {
    Path target = Path.of(System.getProperty("promptq.test.tmp", "target"));
    Path jar = target.resolve("promptq.jar");
    assertTrue(Files.exists(jar), "the shaded jar is built before integration tests: " + jar);
    Path work = Files.createDirectories(target.resolve("walkthrough-" + UUID.randomUUID().toString().substring(0, 8)));
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    Map<String, String> base = new HashMap<>(Map.of("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"),
        "PROMPTQ_LOG_LEVEL", "INFO", "PROMPTQ_CREDENTIALS_KEY", Base64.getEncoder().encodeToString(key)));
    Path login = work.resolve("promptq-login.json");
    List<ChildProcess> processes = new ArrayList<>();
    try {
      ChildProcess kafka = ChildProcess.start(jar, work, "kafka", base, "kafka", "--port", "0", "--data-dir",
          work.resolve("kafka-data").toString());
      processes.add(kafka);
      String bootstrap = kafka.awaitLine(Pattern.compile("Kafka ready at (\\S+)"), START).group(1);
      ChildProcess sim = ChildProcess.start(jar, work, "sim", base, "sim", "--port", "0", "--api-key", "key-demo",
          "--token-ttl", "PT20S", "--oauth-client-id", "demo-client", "--login-file", login.toString());
      processes.add(sim);
      String simUrl = sim.awaitLine(Pattern.compile("Simulator ready at (\\S+)"), START).group(1);
      base.put("PROMPTQ_BOOTSTRAP_SERVERS", bootstrap);

      ChildProcess imported = ChildProcess.start(jar, work, "import", base, "credentials", "import", login.toString());
      assertEquals(0, imported.awaitExit(START), imported.stdout());

      Map<String, String> workerEnv = new HashMap<>(base);
      workerEnv.put("ANTHROPIC_BASE_URL", simUrl);
      workerEnv.put("ANTHROPIC_API_KEY", "key-demo");
      workerEnv.put("PROMPTQ_OAUTH_CLIENT_ID", "demo-client");
      ChildProcess worker = ChildProcess.start(jar, work, "worker", workerEnv, "worker",
          "--set", "credentials.token.url=" + simUrl + "/v1/oauth/token", "--set", "credentials.refresh.margin.ms=5000");
      processes.add(worker);
      org.awaitility.Awaitility.await().atMost(START).until(() ->
          Files.readString(worker.stderrFile()).contains("refreshed the group's subscription credentials (ahead of expiry)"));

      Path requests = work.resolve("requests.jsonl");
      Files.write(requests, List.of(
          "{\"custom_id\":\"w-1\",\"params\":{\"model\":\"claude-sonnet-4-6\",\"max_tokens\":50,\"messages\":[{\"role\":\"user\",\"content\":\"one\"}]}}",
          "{\"custom_id\":\"w-2\",\"params\":{\"model\":\"claude-sonnet-4-6\",\"max_tokens\":50,\"messages\":[{\"role\":\"user\",\"content\":\"two\"}]}}",
          "{\"custom_id\":\"w-3\",\"params\":{\"model\":\"claude-sonnet-4-6\",\"max_tokens\":50,\"messages\":[{\"role\":\"user\",\"content\":\"three\"}]}}"));
      ChildProcess batch = ChildProcess.start(jar, work, "batch", base, "batch", requests.toString(), "--out",
          work.resolve("results.jsonl").toString(), "--results", work.resolve("full.jsonl").toString());
      assertEquals(0, batch.awaitExit(START), batch.stdout());
      assertTrue(batch.stdout().contains("By route: subscription 3."), batch.stdout());
    } finally {
      for (int i = processes.size() - 1; i >= 0; i--) {
        processes.get(i).close();
      }
    }
  }
}
