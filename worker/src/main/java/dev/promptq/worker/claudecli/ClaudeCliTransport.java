package dev.promptq.worker.claudecli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.promptq.config.Secret;
import dev.promptq.job.Attempt;
import dev.promptq.job.Route;
import dev.promptq.worker.anthropic.CallOutcome;
import dev.promptq.worker.anthropic.MessagesTransport;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The subscription route through Claude Code's headless mode: one {@code claude -p} process per
 * call, a pure single-turn completion (no tools, no session kept, nonessential traffic off), the
 * job's prompt on stdin, its system prompt in a file, the access token in the environment only
 * ({@code CLAUDE_CODE_OAUTH_TOKEN}: never an argument, never logged). Every process starts from an
 * empty environment with a HOME of its own under {@link ClaudeCliSettings#home()}.
 *
 * <p>At most {@link ClaudeCliSettings#processes()} processes run at once; further calls wait in
 * order. A process still running after the call timeout is killed with its whole process tree
 * (TERM, then KILL two seconds later) and the call ends as a {@code timeout}. The CLI is told not
 * to retry ({@code CLAUDE_CODE_MAX_RETRIES=0}): retries are the router's.
 *
 * <p>Thread-safe. Owns threads {@code promptq-claude-cli-N} (one per process slot) and
 * {@code promptq-claude-cli-timer}; {@link #close()} kills the processes and stops the threads.
 */
public final class ClaudeCliTransport implements MessagesTransport {
  private static final Logger log = LoggerFactory.getLogger(ClaudeCliTransport.class);
  /** Time between TERM and KILL of a timed-out process tree. */
  static final Duration KILL_GRACE = Duration.ofSeconds(2);

  private final ClaudeCliSettings settings;
  private final Path executable;
  private final String version;
  private final String baseUrl;
  private final Duration callTimeout;
  private final BlockingQueue<Path> slots;
  private final ThreadPoolExecutor pool;
  private final ScheduledExecutorService timer;
  private final Set<Process> live = ConcurrentHashMap.newKeySet();
  private final AtomicBoolean closed = new AtomicBoolean();

  /**
   * Finds the executable, checks that it answers {@code --version}, and makes the process homes.
   *
   * @param baseUrl the Messages API's base URL, passed as {@code ANTHROPIC_BASE_URL}
   * @param callTimeout limit on one process, start to exit
   * @throws IllegalArgumentException naming {@code claude.cli.path} when the CLI is missing or broken
   */
  public ClaudeCliTransport(ClaudeCliSettings settings, String baseUrl, Duration callTimeout) {
    this.settings = settings;
    this.baseUrl = baseUrl;
    this.callTimeout = callTimeout;
    this.executable = locate(settings.executable());
    this.version = ClaudeCliInstall.versionOf(executable);
    this.slots = new LinkedBlockingQueue<>(ClaudeCliInstall.makeHomes(settings.home(), settings.processes()));
    AtomicInteger n = new AtomicInteger();
    this.pool = new ThreadPoolExecutor(settings.processes(), settings.processes(), 0, TimeUnit.MILLISECONDS,
        new LinkedBlockingQueue<>(), r -> {
          Thread t = new Thread(r, "promptq-claude-cli-" + n.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
    this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "promptq-claude-cli-timer");
      t.setDaemon(true);
      return t;
    });
    log.info("subscription transport: Claude Code {} at {}, {} processes at most, homes under {}", version, executable,
        settings.processes(), settings.home());
  }

  @Override
  public String name() {
    return Attempt.CLAUDE_CLI;
  }

  /** What {@code claude --version} printed at start. */
  public String version() {
    return version;
  }

  /** Calls running now (a process starting, running or being read): the slots in use. */
  public int running() {
    return settings.processes() - slots.size();
  }

  /** Calls waiting for a process slot now. */
  public int queued() {
    return pool.getQueue().size();
  }

  @Override
  public Optional<String> cannotCarry(ObjectNode request, List<String> betas) {
    if (!betas.isEmpty()) {
      return Optional.of("the job asks for anthropic-beta " + String.join(",", betas)
          + ", which Claude Code's headless mode does not pass on");
    }
    return CliRequest.from(request) instanceof CliRequest.Inexpressible no ? Optional.of(no.reason()) : Optional.empty();
  }

  @Override
  public CompletableFuture<CallOutcome> send(Route route, Secret secret, ObjectNode body, List<String> betas) {
    if (route != Route.SUBSCRIPTION) {
      throw new IllegalArgumentException("the claude-cli transport carries the subscription route only");
    }
    CliRequest.Mapping mapping = CliRequest.from(body);
    if (mapping instanceof CliRequest.Inexpressible no) {
      // Transports.plan keeps such requests away; reaching here is a bug
      throw new IllegalArgumentException("request not expressible through Claude Code: " + no.reason());
    }
    CliRequest request = ((CliRequest.Expressible) mapping).request();
    CompletableFuture<CallOutcome> result = new CompletableFuture<>();
    long queuedAt = System.nanoTime();
    try {
      pool.execute(() -> result.complete(runOne(route, secret, request, queuedAt)));
    } catch (java.util.concurrent.RejectedExecutionException e) {
      result.complete(new CallOutcome.NoAnswer(route, "cli_error", "the claude-cli transport is closed", 0,
          Attempt.CLAUDE_CLI));
    }
    return result;
  }

  /** Runs one process on this pool thread, start to exit. */
  private CallOutcome runOne(Route route, Secret secret, CliRequest request, long queuedAt) {
    Path home = slots.poll();
    if (home == null) {
      throw new IllegalStateException("no free process slot: more pool threads than slots");
    }
    Process process = null;
    ScheduledFuture<?> deadline = null;
    AtomicBoolean timedOut = new AtomicBoolean();
    long start = System.nanoTime();
    try {
      List<String> command = command(request, home);
      ProcessBuilder pb = new ProcessBuilder(command).directory(home.toFile())
          .redirectError(home.resolve("stderr.txt").toFile());
      environment(pb.environment(), home, secret, request);
      if (closed.get()) {
        return new CallOutcome.NoAnswer(route, "cli_error", "the claude-cli transport is closed", 0, Attempt.CLAUDE_CLI);
      }
      process = pb.start();
      live.add(process);
      Process p = process;
      deadline = timer.schedule(() -> {
        timedOut.set(true);
        kill(p);
      }, callTimeout.toMillis(), TimeUnit.MILLISECONDS);
      writePrompt(process, request.prompt());
      CliOutput output = new CliOutput();
      try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
          StandardCharsets.UTF_8))) {
        for (String line = out.readLine(); line != null; line = out.readLine()) {
          output.line(line);
        }
      }
      process.waitFor();
      long latencyMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      if (timedOut.get()) {
        return killed(route, latencyMs);
      }
      CallOutcome outcome = output.outcome(route, process.exitValue(), request.model(), latencyMs);
      if (outcome instanceof CallOutcome.NoAnswer) {
        log.debug("claude exited {}; its stderr ends: {}", process.exitValue(), stderrTail(home, secret));
      }
      return outcome;
    } catch (IOException e) {
      long latencyMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      if (timedOut.get()) {
        return killed(route, latencyMs);
      }
      // Only the exception's class: its message may name files of the process's home
      return new CallOutcome.NoAnswer(route, "cli_error", "running claude failed: " + e.getClass().getSimpleName(),
          latencyMs, Attempt.CLAUDE_CLI);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new CallOutcome.NoAnswer(route, "cli_error", "the claude-cli transport is closing", 0, Attempt.CLAUDE_CLI);
    } finally {
      if (deadline != null) {
        deadline.cancel(false);
      }
      if (process != null) {
        kill(process);  // still running when reading it failed; a no-op for one that exited
        live.remove(process);
      }
      deleteQuietly(home.resolve("system-prompt.txt"));
      slots.add(home);
    }
  }

  private static CallOutcome killed(Route route, long latencyMs) {
    return new CallOutcome.NoAnswer(route, "timeout", "claude ran longer than call.timeout.ms and was killed",
        latencyMs, Attempt.CLAUDE_CLI);
  }

  /**
   * The command line: nothing secret and no request content but the model's name (the prompt goes
   * on stdin, the system prompt in a file).
   */
  private List<String> command(CliRequest request, Path home) throws IOException {
    List<String> c = new ArrayList<>(List.of(executable.toString(), "-p", "--output-format", "stream-json", "--verbose",
        "--model", request.model(), "--tools", "", "--max-turns", "1", "--no-session-persistence",
        "--setting-sources", "", "--strict-mcp-config"));
    if (request.system().isPresent()) {
      Path file = home.resolve("system-prompt.txt");
      Files.writeString(file, request.system().get(), StandardCharsets.UTF_8);
      c.addAll(List.of("--system-prompt-file", file.toString()));
    } else {
      c.addAll(List.of("--system-prompt", ""));  // none: not Claude Code's own
    }
    return c;
  }

  private void environment(Map<String, String> env, Path home, Secret secret, CliRequest request) {
    String path = System.getenv("PATH");
    env.clear();
    env.put("PATH", path == null ? "/usr/local/bin:/usr/bin:/bin" : path);
    env.put("HOME", home.toString());
    env.put("TMPDIR", home.resolve("tmp").toString());
    env.put("CLAUDE_CODE_OAUTH_TOKEN", secret.reveal());
    env.put("ANTHROPIC_BASE_URL", baseUrl);
    env.put("DISABLE_TELEMETRY", "1");
    env.put("DISABLE_ERROR_REPORTING", "1");
    env.put("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1");
    env.put("CLAUDE_CODE_MAX_RETRIES", "0");
    env.put("API_TIMEOUT_MS", Long.toString(callTimeout.toMillis()));
    env.put("CLAUDE_CODE_MAX_OUTPUT_TOKENS", Long.toString(request.maxTokens()));
    env.put("MAX_THINKING_TOKENS", Long.toString(request.thinkingBudget()));
  }

  private static void writePrompt(Process process, String prompt) {
    try (OutputStream in = process.getOutputStream()) {
      in.write(prompt.getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      // The CLI exited before reading its input; its output says why
    }
  }

  /** TERM to the process and its descendants, KILL to whatever is left after {@link #KILL_GRACE}. */
  private void kill(Process process) {
    List<ProcessHandle> tree = new ArrayList<>(process.descendants().toList());
    tree.add(process.toHandle());
    tree.forEach(ProcessHandle::destroy);
    if (tree.stream().anyMatch(ProcessHandle::isAlive)) {
      Runnable force = () -> tree.forEach(h -> {
        if (h.isAlive()) {
          h.destroyForcibly();
        }
      });
      if (timer.isShutdown()) {
        force.run();
      } else {
        timer.schedule(force, KILL_GRACE.toMillis(), TimeUnit.MILLISECONDS);
      }
    }
  }

  /** The last 2 KB of a process's stderr, with the token taken out, for a debug line. */
  private static String stderrTail(Path home, Secret secret) {
    try {
      byte[] all = Files.readAllBytes(home.resolve("stderr.txt"));
      String s = new String(all, Math.max(0, all.length - 2048), Math.min(all.length, 2048), StandardCharsets.UTF_8);
      return s.replace(secret.reveal(), "[token]").strip();
    } catch (IOException e) {
      return "(unreadable)";
    }
  }

  /** Kills every running process and stops the threads; calls in flight end as no answer. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    pool.shutdown();
    for (Process p : live) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
    }
    try {
      if (!pool.awaitTermination(10, TimeUnit.SECONDS)) {
        pool.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      pool.shutdownNow();
    }
    timer.shutdownNow();
  }

  /** A path as given, or the first executable of that name on {@code PATH}. */
  public static Path locate(String executable) {
    if (executable.contains("/")) {
      Path p = Path.of(executable);
      if (!Files.isExecutable(p)) {
        throw new IllegalArgumentException("claude.cli.path: " + executable + " (not an executable file)");
      }
      return p.toAbsolutePath();
    }
    String path = System.getenv("PATH");
    for (String dir : path == null ? new String[0] : path.split(java.io.File.pathSeparator)) {
      Path p = Path.of(dir.isEmpty() ? "." : dir, executable);
      if (Files.isRegularFile(p) && Files.isExecutable(p)) {
        return p.toAbsolutePath();
      }
    }
    throw new IllegalArgumentException("claude.cli.path: " + executable + " (not found on PATH; install Claude Code, "
        + "e.g. npm install -g @anthropic-ai/claude-code, or set claude.cli.path)");
  }

  private static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      // left for the next call to overwrite
    }
  }
}
