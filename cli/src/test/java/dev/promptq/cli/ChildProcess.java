package dev.promptq.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@code java -jar promptq.jar ...} child process with a clean environment, its stdout lines
 * collected for {@link #awaitLine} and its stderr kept in a file for diagnosis.
 */
final class ChildProcess implements AutoCloseable {
  private final Process process;
  private final List<String> lines = new ArrayList<>();
  private final Path stderr;

  private ChildProcess(Process process, Path stderr) {
    this.process = process;
    this.stderr = stderr;
    Thread reader = new Thread(this::readStdout, "child-stdout-" + process.pid());
    reader.setDaemon(true);
    reader.start();
  }

  /**
   * The environment of a child worker on {@code bootstrap}, topics {@code prefix}, group
   * {@code prefix-workers}, API at {@code baseUrl}: a mutable map, for credentials and more.
   */
  static Map<String, String> workerEnv(String bootstrap, String prefix, String baseUrl) {
    return new java.util.HashMap<>(Map.of(
        "PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"),
        "PROMPTQ_BOOTSTRAP_SERVERS", bootstrap,
        "PROMPTQ_TOPIC_PREFIX", prefix,
        "PROMPTQ_GROUP_ID", prefix + "-workers",
        "ANTHROPIC_BASE_URL", baseUrl));
  }

  /** Starts {@code promptq ARGS} from the shaded jar with exactly {@code env} as environment. */
  static ChildProcess start(Path jar, Path logDir, String name, Map<String, String> env, String... args)
      throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx512m");
    command.add("-jar");
    command.add(jar.toString());
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().clear();
    pb.environment().putAll(env);
    Path err = logDir.resolve(name + ".stderr.log");
    pb.redirectError(err.toFile());
    return new ChildProcess(pb.start(), err);
  }

  private void readStdout() {
    try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        synchronized (lines) {
          lines.add(line);
          lines.notifyAll();
        }
      }
    } catch (IOException e) {
      // the process ended
    }
  }

  /** Waits for a stdout line matching {@code pattern}; returns the match. */
  Matcher awaitLine(Pattern pattern, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    int seen = 0;
    synchronized (lines) {
      while (true) {
        for (; seen < lines.size(); seen++) {
          Matcher m = pattern.matcher(lines.get(seen));
          if (m.find()) {
            return m;
          }
        }
        long left = deadline - System.nanoTime();
        if (left <= 0 || (!process.isAlive() && seen == lines.size())) {
          throw new AssertionError("no line matching " + pattern + " from pid " + process.pid() + "; stdout: "
              + lines + "; stderr in " + stderr);
        }
        lines.wait(Math.max(1, Math.min(200, TimeUnit.NANOSECONDS.toMillis(left))));
      }
    }
  }

  /** Waits for the process to exit; returns its exit code. */
  int awaitExit(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError("pid " + process.pid() + " still running after " + timeout + "; stderr in " + stderr);
    }
    return process.exitValue();
  }

  String stdout() {
    synchronized (lines) {
      return String.join("\n", lines);
    }
  }

  Path stderrFile() {
    return stderr;
  }

  /** SIGKILL: the process dies at once, with no chance to clean up. */
  void kill() throws InterruptedException {
    process.destroyForcibly().waitFor();
  }

  /** Sends {@code signal} (e.g. {@code STOP}, {@code CONT}) with the system's {@code kill}. */
  void signal(String signal) throws IOException, InterruptedException {
    Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).inheritIO().start();
    if (kill.waitFor() != 0) {
      throw new IOException("kill -" + signal + " " + process.pid() + " failed");
    }
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** SIGTERM: asks the process to stop; see {@link #awaitExit}. */
  void terminate() {
    process.destroy();
  }

  /** Stops the process (SIGTERM, then SIGKILL after 20 s). */
  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      process.destroy();
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
      }
    }
  }
}
