package dev.promptq.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class DemoIT {

  @Test
  void theDemoAnswersEveryJobAndShowsTheFallback(@TempDir Path dir) throws Exception {
    StringWriter out = new StringWriter();
    CommandLine cl = PromptQ.commandLine();
    cl.setOut(new PrintWriter(out, true));
    Path results = dir.resolve("results.jsonl");

    int code = cl.execute("demo", "--jobs", "60", "--workers", "2", "--latency-ms", "20", "--refuse-every", "5",
        "--out", results.toString());

    String summary = out.toString();
    assertEquals(0, code, summary);
    assertTrue(summary.contains("jobs       60: 60 succeeded, 0 errored, 0 expired"), summary);
    assertTrue(summary.contains("routes     subscription 48, api 12 (12 fell back from the subscription)"), summary);
    assertTrue(summary.contains("latency    p50 "), summary);
    assertTrue(summary.contains("results    " + results.toAbsolutePath()), summary);
    assertEquals(60, Files.readAllLines(results).size());
    assertTrue(summary.contains("(latency of a cold JVM given every job at once; ./promptq bench measures a warm one)"),
        summary);
    assertTrue(summary.contains("Next: run the pieces as separate processes"), summary);
    // the gateway: one real call through it, then the lines to make one from a shell or Python
    assertTrue(summary.contains("POST /v1/messages with a promptq key answered 200"), summary);
    assertTrue(summary.matches("(?s).*curl:    curl -s http://127\\.0\\.0\\.1:\\d+/v1/messages -H \"x-api-key: pqk_.*"),
        summary);
    assertTrue(summary.contains("Python:  import anthropic"), summary);
  }

  @Test
  void theDemoRunsTheSubscriptionThroughClaudeCodeWhenGivenOne(@TempDir Path dir) throws Exception {
    java.util.Optional<Path> installed = InstalledClaudeCode.executable();
    org.junit.jupiter.api.Assumptions.assumeTrue(installed.isPresent(), "no Claude Code installed");
    Path claude = installed.get();
    StringWriter out = new StringWriter();
    CommandLine cl = PromptQ.commandLine();
    cl.setOut(new PrintWriter(out, true));
    Path results = dir.resolve("results.jsonl");

    int code = cl.execute("demo", "--jobs", "10", "--workers", "1", "--latency-ms", "20", "--refuse-every", "5",
        "--claude-cli", claude.toString(), "--out", results.toString());

    String summary = out.toString();
    assertEquals(0, code, summary);
    assertTrue(summary.contains("(subscription through " + claude + ")"), summary);
    assertTrue(summary.contains("jobs       10: 10 succeeded, 0 errored, 0 expired"), summary);
    assertTrue(summary.contains("routes     subscription 8, api 2 (2 fell back from the subscription)"), summary);
    assertTrue(Files.readAllLines(results).stream().filter(l -> l.contains("\"route\":\"subscription\""))
        .allMatch(l -> l.contains("\"transport\":\"claude_cli\"")), "the subscription's calls went through the CLI");
  }
}
