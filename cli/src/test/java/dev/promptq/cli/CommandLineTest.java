package dev.promptq.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

class CommandLineTest {
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    CommandLine cl = PromptQ.commandLine();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    return cl.execute(args);
  }

  @ParameterizedTest
  @ValueSource(strings = {"demo", "kafka", "sim", "status", "worker", "batch"})
  void everyCommandExplainsItself(String command) {
    assertEquals(0, run(command, "--help"));
    assertTrue(out.toString().startsWith("Usage: promptq " + command), out.toString());
  }

  @Test
  void aBadBatchLineIsNamedAndNothingIsSent(@TempDir Path dir) throws Exception {
    Path in = dir.resolve("requests.jsonl");
    Files.writeString(in, "{\"custom_id\":\"a\",\"params\":{\"model\":\"m\",\"max_tokens\":9,"
        + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}}\n{\"custom_id\":\"b\"}\n");

    // No broker runs on port 1: the file is rejected before any connection is tried.
    int code = run("batch", in.toString(), "--out", dir.resolve("out.jsonl").toString(),
        "--bootstrap-servers", "127.0.0.1:1");

    assertEquals(2, code);
    assertEquals("promptq batch: " + in + ":2: missing params (a Messages API request object)", err.toString().strip());
    assertTrue(Files.notExists(dir.resolve("out.jsonl")));
  }

  @Test
  void anUnknownRoutePolicyIsAUsageError(@TempDir Path dir) {
    int code = run("batch", dir.resolve("x.jsonl").toString(), "--out", "o.jsonl", "--route", "cheapest");
    assertEquals(2, code);
    assertTrue(err.toString().contains("--route: unknown route policy: cheapest"), err.toString());
  }

  @Test
  void aWorkerWithNoBrokerToReachFailsFastNamingTheSetting() {
    int code = run("worker", "--bootstrap-servers", "127.0.0.1:1", "--set", "anthropic.api.key=sk-ant-api03-x");
    assertEquals(1, code);
    assertTrue(err.toString().contains("bootstrap.servers: 127.0.0.1:1 (no broker answered within 10 s)"),
        err.toString());
  }

  @Test
  void badWorkerSettingsSayWhichKeyAndValue() {
    int code = run("worker", "--max-in-flight", "0");
    assertEquals(2, code);
    assertEquals("promptq worker: max.in.flight: 0 (must be between 1 and 100000)", err.toString().strip());
  }

  @Test
  void unknownSettingsAreRejectedWithASuggestion() {
    int code = run("worker", "--set", "group.idd=x");
    assertEquals(2, code);
    assertEquals("promptq worker: unknown setting: group.idd (did you mean group.id?)", err.toString().strip());
  }

  @Test
  void anUnknownSimulatorFaultIsAUsageErrorNamingTheRows() {
    int code = run("sim", "--port", "0", "--api-key", "k", "--fault", "gremlins=0.1");
    assertEquals(2, code);
    assertTrue(err.toString().contains("--fault: unknown fault: gremlins (expected one of [invalid_request"),
        err.toString());
  }

  @Test
  void badSimulatorApiLimitsOrCreditAreUsageErrors() {
    assertEquals(2, run("sim", "--port", "0", "--api-limits", "50:lots:0"));
    assertTrue(err.toString().contains("--api-limits: 50:lots:0 (expected RPM:ITPM:OTPM[:PERIOD]"), err.toString());
    assertEquals(2, run("sim", "--port", "0", "--subscription-credit", "-1"));
    assertTrue(err.toString().contains("--subscription-credit: -1.0 (a positive USD amount)"), err.toString());
    assertEquals(new dev.promptq.testkit.sim.ApiRateLimits.Limits(0, 60_000, 0, java.time.Duration.ofSeconds(10)),
        SimCommand.apiLimits("0:60000:0:PT10S"));
  }

  @Test
  void aBadBatchIdIsAUsageError(@TempDir Path dir) throws Exception {
    Path in = dir.resolve("x.jsonl");
    Files.writeString(in, "{\"custom_id\":\"a\",\"params\":{}}\n");
    int code = run("batch", in.toString(), "--out", "o.jsonl", "--batch-id", "no spaces");
    assertEquals(2, code);
    assertTrue(err.toString().contains("--batch-id: no spaces (must be 1-64 of [A-Za-z0-9_-])"), err.toString());
  }

  @Test
  void aSetWithoutAnEqualsSignSaysSoOnceWithTheCommand() {
    int code = run("status", "--set", "group.id");
    assertEquals(2, code);
    String first = err.toString().lines().findFirst().orElse("");
    assertTrue(first.startsWith("promptq status: Value for option '--set' (KEY=VALUE) should be in KEY=VALUE format"),
        err.toString());
    assertTrue(err.toString().contains("Try 'promptq status --help' for the options."), err.toString());
  }

  @Test
  void countsAreNamedInTheRightNumber() {
    assertEquals("1 request", Plural.of(1, "request"));
    assertEquals("0 members", Plural.of(0, "member"));
    assertEquals("2 API keys", Plural.of(2, "API key"));
  }

  @Test
  void anEmptyBatchFileIsAWarningAndNothingIsSent(@TempDir Path dir) throws Exception {
    Path in = Files.writeString(dir.resolve("empty.jsonl"), "\n");
    // No broker runs on port 1: nothing is tried.
    int code = run("batch", in.toString(), "--out", dir.resolve("out.jsonl").toString(), "--bootstrap-servers",
        "127.0.0.1:1");
    assertEquals(0, code);
    assertEquals("promptq batch: warning: " + in + " has no requests; nothing to do", err.toString().strip());
    assertTrue(out.toString().startsWith("0 requests."), out.toString());
  }
}
