package dev.promptq.worker.claudecli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.promptq.config.Secret;
import dev.promptq.job.Route;
import dev.promptq.worker.anthropic.CallOutcome;
import dev.promptq.worker.anthropic.MessagesClient;
import dev.promptq.worker.anthropic.Transports;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How the transport runs processes: environment, arguments, input, the process limit and the
 * timeout. A shell script stands in for {@code claude} here, because these are properties of the
 * process handling (the real CLI's behaviour is {@code ClaudeCliIT}'s).
 */
class ClaudeCliTransportTest {
  private static final Secret TOKEN = Secret.of("sk-ant-oat01-PLANTED-transport-test-token");
  private static final String RESULT = "{\"type\":\"result\",\"subtype\":\"success\",\"is_error\":false,"
      + "\"result\":\"fake answer\",\"stop_reason\":\"end_turn\",\"usage\":{\"input_tokens\":3,\"output_tokens\":2},"
      + "\"total_cost_usd\":0.0001}";

  @TempDir
  Path dir;

  private final ObjectMapper mapper = new ObjectMapper();

  /** An executable that answers --version and otherwise runs {@code body}. */
  private Path fakeClaude(String body) throws IOException {
    Path script = dir.resolve("claude");
    Files.writeString(script, "#!/bin/sh\nif [ \"$1\" = \"--version\" ]; then echo '9.9.9 (Fake Code)'; exit 0; fi\n"
        + body + "\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
    return script;
  }

  private ClaudeCliTransport transport(Path exe, int processes, Duration timeout) {
    return new ClaudeCliTransport(new ClaudeCliSettings(exe.toString(), dir.resolve("homes"), processes,
        Transports.Inexpressible.NEXT_ROUTE), "http://127.0.0.1:9", timeout);
  }

  private ObjectNode request(String prompt) throws IOException {
    return (ObjectNode) mapper.readTree("{\"model\":\"claude-test\",\"max_tokens\":77,\"system\":\"Answer in French\","
        + "\"messages\":[{\"role\":\"user\",\"content\":" + mapper.writeValueAsString(prompt) + "}]}");
  }

  @Test
  void theTokenReachesTheProcessThroughItsEnvironmentOnlyAndTheRequestThroughStdinAndAFile() throws Exception {
    Path exe = fakeClaude("""
        printf '%s\\n' "$@" > "$HOME/argv.txt"
        env > "$HOME/env.txt"
        cat > "$HOME/stdin.txt"
        while [ $# -gt 0 ]; do [ "$1" = "--system-prompt-file" ] && cp "$2" "$HOME/system.txt"; shift; done
        echo '""" + RESULT + "'");
    try (ClaudeCliTransport t = transport(exe, 1, Duration.ofSeconds(30))) {
      assertEquals("9.9.9 (Fake Code)", t.version());
      CallOutcome.Answered a = assertInstanceOf(CallOutcome.Answered.class,
          t.send(Route.SUBSCRIPTION, TOKEN, request("Bonjour?\n")).join());
      assertEquals(200, a.status());
      assertEquals("fake answer", a.body().path("content").get(0).path("text").asText());
    }
    Path home = dir.resolve("homes/slot-1");
    String argv = Files.readString(home.resolve("argv.txt"));
    assertFalse(argv.contains(TOKEN.reveal()), "no token in the arguments");
    assertFalse(argv.contains("Bonjour") || argv.contains("French"), "no request content in the arguments");
    assertTrue(argv.contains("--model\nclaude-test\n") && argv.contains("--tools\n\n")
        && argv.contains("--no-session-persistence"), argv);
    assertEquals("Bonjour?\n", Files.readString(home.resolve("stdin.txt")), "the prompt on stdin, as it was");
    assertEquals("Answer in French", Files.readString(home.resolve("system.txt")));
    assertFalse(Files.exists(home.resolve("system-prompt.txt")), "the system prompt's file is gone after the call");

    Map<String, String> env = Files.readAllLines(home.resolve("env.txt")).stream().filter(l -> l.contains("="))
        .collect(Collectors.toMap(l -> l.substring(0, l.indexOf('=')), l -> l.substring(l.indexOf('=') + 1),
            (a, b) -> a));
    assertEquals(TOKEN.reveal(), env.get("CLAUDE_CODE_OAUTH_TOKEN"));
    assertEquals(home.toString(), env.get("HOME"));
    assertEquals("http://127.0.0.1:9", env.get("ANTHROPIC_BASE_URL"));
    assertEquals("77", env.get("CLAUDE_CODE_MAX_OUTPUT_TOKENS"));
    assertEquals("0", env.get("MAX_THINKING_TOKENS"));
    assertEquals("0", env.get("CLAUDE_CODE_MAX_RETRIES"));
    assertEquals("1", env.get("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC"));
    Set<String> shellOwn = Set.of("PWD", "SHLVL", "_", "OLDPWD");
    Set<String> expected = Set.of("PATH", "HOME", "TMPDIR", "CLAUDE_CODE_OAUTH_TOKEN", "ANTHROPIC_BASE_URL",
        "DISABLE_TELEMETRY", "DISABLE_ERROR_REPORTING", "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC",
        "CLAUDE_CODE_MAX_RETRIES", "API_TIMEOUT_MS", "CLAUDE_CODE_MAX_OUTPUT_TOKENS", "MAX_THINKING_TOKENS");
    Set<String> extra = env.keySet().stream().filter(k -> !expected.contains(k) && !shellOwn.contains(k))
        .collect(Collectors.toSet());
    assertEquals(Set.of(), extra, "the worker's own environment does not reach the CLI");
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(home)));
  }

  @Test
  void aProcessPastTheCallTimeoutIsKilledWithItsWholeTree() throws Exception {
    Path exe = fakeClaude("""
        sleep 300 &
        echo $! > "$HOME/child.pid"
        echo $$ > "$HOME/parent.pid"
        wait""");
    try (ClaudeCliTransport t = transport(exe, 1, Duration.ofSeconds(1))) {
      CallOutcome.NoAnswer n = assertInstanceOf(CallOutcome.NoAnswer.class,
          t.send(Route.SUBSCRIPTION, TOKEN, request("hang")).join());
      assertEquals("timeout", n.kind());
    }
    Path home = dir.resolve("homes/slot-1");
    long parent = Long.parseLong(Files.readString(home.resolve("parent.pid")).strip());
    long child = Long.parseLong(Files.readString(home.resolve("child.pid")).strip());
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      assertFalse(ProcessHandle.of(parent).map(ProcessHandle::isAlive).orElse(false), "the CLI process is gone");
      assertFalse(ProcessHandle.of(child).map(ProcessHandle::isAlive).orElse(false), "and its child too");
    });
  }

  @Test
  void callsBeyondTheProcessLimitWaitForASlotInOrder() throws Exception {
    Path go = dir.resolve("go");
    Path exe = fakeClaude("while [ ! -e '" + go + "' ]; do sleep 0.05; done\ncat > /dev/null\necho '" + RESULT + "'");
    try (ClaudeCliTransport t = transport(exe, 2, Duration.ofSeconds(60))) {
      List<CompletableFuture<CallOutcome>> calls = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        calls.add(t.send(Route.SUBSCRIPTION, TOKEN, request("job " + i)));
      }
      await().atMost(Duration.ofSeconds(10)).until(() -> t.running() == 2 && t.queued() == 3);
      Files.createFile(go);
      for (CompletableFuture<CallOutcome> c : calls) {
        assertEquals(200, assertInstanceOf(CallOutcome.Answered.class, c.join()).status());
      }
      assertEquals(0, t.running());
    }
  }

  @Test
  void aJobWithBetasIsNotCarriedByClaudeCodeAndTakesTheNextRouteOfItsPolicy() throws Exception {
    Path exe = fakeClaude("exit 1");
    try (ClaudeCliTransport cli = transport(exe, 1, Duration.ofSeconds(30));
        MessagesClient http = new MessagesClient("http://127.0.0.1:9", 1, Duration.ofSeconds(5))) {
      Transports t = Transports.withSubscription(http, cli, Transports.Inexpressible.NEXT_ROUTE);
      assertInstanceOf(Transports.Plan.Carry.class, t.plan(Route.SUBSCRIPTION, request("hi"), List.of()));
      Transports.Plan.Skip skip = assertInstanceOf(Transports.Plan.Skip.class,
          t.plan(Route.SUBSCRIPTION, request("hi"), List.of("context-1m-2025-08-07")));
      assertTrue(skip.why().detail().contains("anthropic-beta context-1m-2025-08-07"), skip.why().detail());
      assertInstanceOf(Transports.Plan.Carry.class, t.plan(Route.API, request("hi"), List.of("context-1m-2025-08-07")));
    }
  }

  @Test
  void aMissingOrBrokenExecutableIsNamedAtStart() throws Exception {
    IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
        () -> transport(Path.of("/nonexistent/claude"), 1, Duration.ofSeconds(5)));
    assertEquals("claude.cli.path: /nonexistent/claude (not an executable file)", missing.getMessage());
    IllegalArgumentException notOnPath = assertThrows(IllegalArgumentException.class,
        () -> ClaudeCliTransport.locate("no-such-claude-for-promptq"));
    assertTrue(notOnPath.getMessage().startsWith("claude.cli.path: no-such-claude-for-promptq (not found on PATH; "
        + "install Claude Code"), notOnPath.getMessage());
    Path broken = dir.resolve("broken");
    Files.writeString(broken, "#!/bin/sh\nexit 3\n");
    Files.setPosixFilePermissions(broken, PosixFilePermissions.fromString("rwx------"));
    IllegalArgumentException fails = assertThrows(IllegalArgumentException.class,
        () -> transport(broken, 1, Duration.ofSeconds(5)));
    assertEquals("claude.cli.path: " + broken + " (--version exited 3)", fails.getMessage());
  }
}
