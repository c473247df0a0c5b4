package dev.promptq.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.promptq.config.Secret;
import dev.promptq.job.JobCodec;
import dev.promptq.job.Route;
import dev.promptq.testkit.sim.AnthropicSimulator;
import dev.promptq.worker.anthropic.CallOutcome;
import dev.promptq.worker.anthropic.MessagesClient;
import dev.promptq.worker.anthropic.MessagesTransport;
import dev.promptq.worker.anthropic.Transports;
import dev.promptq.worker.claudecli.ClaudeCliSettings;
import dev.promptq.worker.claudecli.ClaudeCliTransport;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The subscription's two transports side by side: what one Claude Code process costs (start-up,
 * a call's overhead, resident memory) next to an HTTP call, and jobs/s through a worker with each
 * at the same concurrency and simulator latency.
 */
final class TransportScenario {
  /**
   * One call at a time, at the simulator's current latency.
   *
   * @param p50Ms median wall time of a call
   * @param p99Ms 99th percentile
   */
  record Calls(long p50Ms, long p99Ms) {}

  /**
   * What the CLI processes seen used: peak resident memory of the median process, the largest, all
   * at once; CPU time (user + system) of the median process.
   */
  record ProcessMemory(long medianMb, long maxMb, long allAtOnceMb, int processes, long medianCpuMs) {}

  private final AnthropicSimulator sim;
  private final Secret token;
  private final Path claude;
  private final Path homes;
  private final JobCodec codec = new JobCodec();

  TransportScenario(AnthropicSimulator sim, Secret token, Path claude, Path workDir) {
    this.sim = sim;
    this.token = token;
    this.claude = claude;
    this.homes = workDir.resolve("claude-cli-homes");
  }

  /** Median wall time of {@code claude --version}: the executable's start-up alone. */
  long versionStartupMs(int runs) throws IOException, InterruptedException {
    long[] times = new long[runs];
    for (int i = 0; i < runs; i++) {
      long start = System.nanoTime();
      Process p = new ProcessBuilder(claude.toString(), "--version").redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      p.waitFor();
      times[i] = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    }
    java.util.Arrays.sort(times);
    return times[runs / 2];
  }

  /** {@code n} calls one after another through the http transport. */
  Calls http(int n) {
    try (MessagesClient http = new MessagesClient(sim.baseUrl(), 4, Duration.ofMinutes(1))) {
      return calls(http, n);
    }
  }

  /** {@code n} calls one after another through Claude Code, with the processes' peak memory. */
  Calls cli(int n, ProcessSampler memory) {
    try (ClaudeCliTransport cli = new ClaudeCliTransport(settings(1), sim.baseUrl(), Duration.ofMinutes(2))) {
      memory.start();
      try {
        return calls(cli, n);
      } finally {
        memory.stop();
      }
    }
  }

  ClaudeCliSettings settings(int processes) {
    return new ClaudeCliSettings(claude.toString(), homes, processes, Transports.Inexpressible.NEXT_ROUTE);
  }

  /** The CLI's version line. */
  String version() {
    try (ClaudeCliTransport cli = new ClaudeCliTransport(settings(1), sim.baseUrl(), Duration.ofMinutes(1))) {
      return cli.version();
    }
  }

  private Calls calls(MessagesTransport transport, int n) {
    transport.send(Route.SUBSCRIPTION, token, request("warm-up")).join();
    long[] times = new long[n];
    for (int i = 0; i < n; i++) {
      CallOutcome o = transport.send(Route.SUBSCRIPTION, token, request("call " + i)).join();
      if (!(o instanceof CallOutcome.Answered a) || !a.ok()) {
        throw new IllegalStateException(transport.name() + " call failed: " + o);
      }
      times[i] = o.latencyMs();
    }
    java.util.Arrays.sort(times);
    return new Calls(times[n / 2], times[Math.min(n - 1, (int) Math.ceil(n * 0.99) - 1)]);
  }

  private ObjectNode request(String prompt) {
    ObjectNode r = codec.mapper().createObjectNode().put("model", "claude-bench").put("max_tokens", 64);
    r.putArray("messages").addObject().put("role", "user").put("content", prompt);
    return r;
  }

  /**
   * Samples the peak resident memory ({@code VmHWM}) of this JVM's {@code claude} child processes
   * every 20 ms while started.
   */
  static final class ProcessSampler {
    private final Map<Long, Long> peakKb = new ConcurrentHashMap<>();
    private final Map<Long, Long> cpuMs = new ConcurrentHashMap<>();
    private volatile long allAtOnceKb;
    private volatile Thread thread;

    void start() {
      Thread t = new Thread(() -> {
        while (!Thread.currentThread().isInterrupted()) {
          long total = 0;
          for (ProcessHandle h : ProcessHandle.current().descendants().toList()) {
            if (h.info().command().map(c -> c.contains("claude")).orElse(false)) {
              h.info().totalCpuDuration().ifPresent(d -> cpuMs.merge(h.pid(), d.toMillis(), Math::max));
              long hwm = statusKb(h.pid(), "VmHWM:");
              if (hwm > 0) {
                peakKb.merge(h.pid(), hwm, Math::max);
              }
              total += Math.max(0, statusKb(h.pid(), "VmRSS:"));
            }
          }
          allAtOnceKb = Math.max(allAtOnceKb, total);
          try {
            Thread.sleep(20);
          } catch (InterruptedException e) {
            return;
          }
        }
      }, "bench-cli-memory");
      t.setDaemon(true);
      thread = t;
      t.start();
    }

    void stop() {
      Thread t = thread;
      if (t != null) {
        t.interrupt();
        try {
          t.join(1000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }

    ProcessMemory memory() {
      List<Long> peaks = new ArrayList<>(peakKb.values());
      peaks.sort(Long::compare);
      if (peaks.isEmpty()) {
        return new ProcessMemory(0, 0, 0, 0, 0);
      }
      List<Long> cpu = new ArrayList<>(cpuMs.values());
      cpu.sort(Long::compare);
      return new ProcessMemory(peaks.get(peaks.size() / 2) >> 10, peaks.get(peaks.size() - 1) >> 10,
          allAtOnceKb >> 10, peaks.size(), cpu.isEmpty() ? 0 : cpu.get(cpu.size() / 2));
    }

    private static long statusKb(long pid, String field) {
      try {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"), StandardCharsets.UTF_8)) {
          if (line.startsWith(field)) {
            return Long.parseLong(line.replaceAll("[^0-9]", ""));
          }
        }
      } catch (IOException | NumberFormatException | java.io.UncheckedIOException gone) {
        return -1;
      }
      return -1;
    }
  }
}
