package dev.promptq.cli;

import dev.promptq.bench.Benchmark;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "bench", mixinStandardHelpOptions = true,
    description = {
      "Measures the worker against baselines in the same run and prints the figures.",
      "",
      "Runs on an embedded broker and the simulator in this process (a few minutes): promptq next to a "
          + "plain Kafka loop at zero latency, at 1 s latency for several max-in-flight values next to "
          + "Little's bound, a naive worker, the added latency per job, and the quota governor's use of a "
          + "budget with 1, 3 and 6 workers, and the subscription over http next to Claude Code's headless "
          + "mode, and the usage report's reading of a month of records. docs/BENCHMARKS.md explains the figures."
    })
final class BenchCommand implements Callable<Integer> {

  /** Bytes written to a PrintWriter (so tests capture the report through picocli's out). */
  private static final class WriterOutputStream extends java.io.OutputStream {
    private final java.io.PrintWriter writer;
    private final java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream();

    WriterOutputStream(java.io.PrintWriter writer) {
      this.writer = writer;
    }

    @Override
    public void write(int b) {
      line.write(b);
      if (b == '\n') {
        flush();
      }
    }

    @Override
    public void flush() {
      writer.print(line.toString(java.nio.charset.StandardCharsets.UTF_8));
      writer.flush();
      line.reset();
    }
  }

  @picocli.CommandLine.Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Option(names = "--quick", description = "A run of a few seconds that exercises every scenario; figures mean little.")
  boolean quick;

  @Option(names = "--quota", description = "Only the quota governor's section: 1, 3 and 6 workers against a budget (about 4 minutes).")
  boolean quotaOnly;

  @Option(names = "--report", description = "Only the report's section: a month of 1,000,000 usage records read by "
      + "promptq report next to a plain consumer (about a minute).")
  boolean reportOnly;

  @Option(names = "--transport", description = "Only the transports' section: http next to Claude Code (claude -p).")
  boolean transportOnly;

  @Option(names = "--gateway", description = "Only the gateway's section: SDK-style clients through one gateway to "
      + "three workers at 1 s simulated latency, alone and beside a Message Batch (about 3 minutes).")
  boolean gatewayOnly;

  @Option(names = "--gateway-clients", defaultValue = "200", description = "Clients of the gateway's section (default: ${DEFAULT-VALUE}).")
  int gatewayClients;

  @Option(names = "--gateway-seconds", defaultValue = "60", description = "How long they call (default: ${DEFAULT-VALUE}).")
  int gatewaySeconds;

  @Option(names = "--gateway-batch", defaultValue = "20000", description = "Requests of the batch that runs beside them (default: ${DEFAULT-VALUE}).")
  int gatewayBatch;

  @Option(names = "--claude-cli", paramLabel = "PATH", description = "The Claude Code executable for the transports' "
      + "section (default: claude on PATH; the section is skipped without one).")
  String claudeCli;

  @Option(names = "--work-dir", defaultValue = ".promptq/bench", description = "Where the broker's temporary data goes (default: ${DEFAULT-VALUE}).")
  Path workDir;

  /** {@code --claude-cli}, else {@code claude} on PATH, else null. */
  private Path claudeExecutable() {
    try {
      return dev.promptq.worker.claudecli.ClaudeCliTransport.locate(claudeCli != null ? claudeCli : "claude");
    } catch (IllegalArgumentException e) {
      if (claudeCli != null) {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--claude-cli: " + claudeCli
            + " (not an executable file)");
      }
      return null;
    }
  }

  @Override
  public Integer call() throws Exception {
    Files.createDirectories(workDir);
    PrintStream out = new PrintStream(new WriterOutputStream(spec.commandLine().getOut()), true,
        java.nio.charset.StandardCharsets.UTF_8);
    Path claude = claudeExecutable();
    Benchmark b = new Benchmark(quick ? Benchmark.Options.quick() : Benchmark.Options.full(), out, claude);
    if (quotaOnly) {
      b.runQuota(workDir);
    } else if (reportOnly) {
      b.runReport(workDir);
    } else if (transportOnly) {
      b.runTransports(workDir);
    } else if (gatewayOnly) {
      b.runGateway(workDir, gatewayClients, java.time.Duration.ofSeconds(gatewaySeconds), gatewayBatch,
          java.util.List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
              System.getProperty("java.class.path"), PromptQ.class.getName(), "gateway"));
    } else {
      b.run(workDir);
    }
    out.flush();
    return 0;
  }
}
