package dev.promptq.worker.claudecli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** What the Claude Code transport checks and prepares before its first call: the CLI's version, the processes' homes. */
final class ClaudeCliInstall {
  /** Longest wait for {@code claude --version} at start. */
  private static final Duration VERSION_WAIT = Duration.ofSeconds(30);

  private ClaudeCliInstall() {}

  /** The first line {@code claude --version} prints. */
  static String versionOf(Path executable) {
    try {
      Process p = new ProcessBuilder(executable.toString(), "--version").redirectErrorStream(true)
          .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
      CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> {
        try {
          return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
      if (!p.waitFor(VERSION_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        throw new IllegalArgumentException("claude.cli.path: " + executable + " (--version did not answer within "
            + VERSION_WAIT.toSeconds() + " s)");
      }
      String text = out.get(5, TimeUnit.SECONDS).strip();
      if (p.exitValue() != 0) {
        throw new IllegalArgumentException("claude.cli.path: " + executable + " (--version exited " + p.exitValue()
            + ")");
      }
      return text.lines().findFirst().orElse("unknown");
    } catch (IOException | java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new IllegalArgumentException("claude.cli.path: " + executable + " (cannot run it: "
          + e.getClass().getSimpleName() + ")", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while checking claude --version", e);
    }
  }

  /** One HOME per process slot, 0700, each with a tmp directory. */
  static List<Path> makeHomes(Path base, int count) {
    List<Path> homes = new ArrayList<>();
    try {
      Files.createDirectories(base);
      Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwx------"));
      for (int i = 1; i <= count; i++) {
        Path home = base.resolve("slot-" + i);
        Files.createDirectories(home.resolve("tmp"));
        Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwx------"));
        homes.add(home);
      }
    } catch (IOException | UnsupportedOperationException e) {
      throw new IllegalArgumentException("claude.cli.home: " + base + " (cannot create it: "
          + e.getClass().getSimpleName() + ")", e);
    }
    return homes;
  }
}
