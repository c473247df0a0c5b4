package dev.promptq.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A wrong {@code bootstrap.servers} gives every command the same experience: within about 10 s,
 * exit code 1 and one line on stderr naming the setting, the address and what was tried; no stack
 * trace, no Kafka client warnings. The commands run as the user runs them, from the shaded jar,
 * all at once.
 */
class WrongBrokerIT {
  private static final String KEY = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

  @Test
  void everyCommandNamesTheSettingTheAddressAndWhatWasTriedInOneLine() throws Exception {
    Path target = Path.of(System.getProperty("promptq.test.tmp", "target"));
    Path jar = target.resolve("promptq.jar");
    assertTrue(Files.exists(jar), "the shaded jar is built before integration tests: " + jar);
    Path work = Files.createDirectories(target.resolve("wrong-broker-" + UUID.randomUUID().toString().substring(0, 8)));
    Path requests = Files.writeString(work.resolve("in.jsonl"), "{\"custom_id\":\"a\",\"params\":{\"model\":"
        + "\"claude-sonnet-4-6\",\"max_tokens\":9,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}}\n");
    Path login = Files.writeString(work.resolve("login.json"), "{\"claudeAiOauth\":{\"accessToken\":\"sk-ant-oat01-x\","
        + "\"refreshToken\":\"sk-ant-ort01-x\",\"expiresAt\":4102444800000,\"scopes\":[\"user:inference\"]}}");
    Map<String, String> env = Map.of("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"),
        "PROMPTQ_CREDENTIALS_KEY", KEY, "ANTHROPIC_API_KEY", "sk-ant-api03-x");
    String refused = "127.0.0.1:1";
    String unknown = "no-such-broker.invalid:9092";
    Map<String, List<String>> runs = new LinkedHashMap<>();
    runs.put("worker", List.of("worker", "--bootstrap-servers", refused));
    runs.put("status", List.of("status", "--bootstrap-servers", refused));
    runs.put("batch", List.of("batch", requests.toString(), "--out", work.resolve("out.jsonl").toString(),
        "--bootstrap-servers", refused));
    runs.put("credentials", List.of("credentials", "import", login.toString(), "--bootstrap-servers", refused));
    runs.put("status-unknown-host", List.of("status", "--bootstrap-servers", unknown));

    Map<String, ChildProcess> children = new LinkedHashMap<>();
    long started = System.nanoTime();
    try {
      for (Map.Entry<String, List<String>> r : runs.entrySet()) {
        children.put(r.getKey(), ChildProcess.start(jar, work, r.getKey(), env, r.getValue().toArray(String[]::new)));
      }
      for (Map.Entry<String, ChildProcess> c : children.entrySet()) {
        String name = c.getKey();
        assertEquals(1, c.getValue().awaitExit(Duration.ofSeconds(60)), name);
        List<String> err = Files.readAllLines(c.getValue().stderrFile()).stream().filter(l -> !l.isBlank()).toList();
        String address = name.endsWith("unknown-host") ? unknown : refused;
        String why = name.endsWith("unknown-host") ? "unknown host" : "connection refused";
        String command = name.equals("credentials") ? "credentials" : runs.get(name).get(0);
        assertEquals(1, err.size(), name + ": one line on stderr, got " + err);
        assertTrue(err.get(0).startsWith("promptq " + (command.equals("credentials") ? "credentials import" : command)
            + ": bootstrap.servers: " + address + " (no broker answered within 10 s): tried " + address + ": " + why),
            name + ": " + err.get(0));
        assertTrue(!c.getValue().stdout().contains("WARN") && !c.getValue().stdout().contains("Exception"),
            name + ": no client warnings or stack traces on stdout: " + c.getValue().stdout());
      }
      long seconds = Duration.ofNanos(System.nanoTime() - started).toSeconds();
      System.out.printf("wrong broker: five commands ended in %d s (run at once)%n", seconds);
    } finally {
      for (ChildProcess c : children.values()) {
        c.kill();
      }
    }
  }
}
