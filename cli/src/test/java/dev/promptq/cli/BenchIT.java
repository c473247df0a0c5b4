package dev.promptq.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The benchmark runs every scenario and prints every figure; its numbers are reported, never asserted. */
class BenchIT {

  @Test
  void theQuickBenchmarkPrintsEverySection(@TempDir Path dir) {
    StringWriter out = new StringWriter();
    CommandLine cl = PromptQ.commandLine();
    cl.setOut(new PrintWriter(out, true));

    java.util.Optional<Path> claude = InstalledClaudeCode.executable();
    boolean withClaude = claude.isPresent();
    int code = withClaude
        ? cl.execute("bench", "--quick", "--work-dir", dir.toString(), "--claude-cli", claude.get().toString())
        : cl.execute("bench", "--quick", "--work-dir", dir.toString());

    String report = out.toString();
    assertEquals(0, code, report);
    for (String expected : new String[] {
        "plain consume-transform-produce loop", "promptq worker, exactly_once", "promptq worker, at_least_once",
        "Little's bound", "naive worker:", "p50", "of which before the worker starts a job",
        "after it finishes", "peak during the max-in-flight", "5. Quota governor", "2 workers: budget used per window",
        "quota 429s, most in any window", "7. The usage report", "plain consumer, bytes only:",
        "promptq report (read, decode, price, add up):", "the report it made"}) {
      assertTrue(report.contains(expected), "missing '" + expected + "' in:\n" + report);
    }
    String transports = withClaude ? "claude-cli p50" : "6. Subscription transports: skipped";
    assertTrue(report.contains(transports), "missing '" + transports + "' in:\n" + report);
    if (withClaude) {
      assertTrue(report.contains("per claude process: peak RSS") && report.contains("claude-cli")
          && report.contains("jobs/s (ratio"), report);
    }
  }
}
