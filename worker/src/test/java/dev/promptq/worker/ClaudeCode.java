package dev.promptq.worker;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import dev.promptq.worker.claudecli.ClaudeCliTransport;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * The official Claude Code CLI for the claude-cli transport's integration tests: the version pinned
 * in {@code src/test/claude-code/package-lock.json}, installed with {@code npm ci} from the npm
 * registry into {@code target/claude-code} (once; later runs reuse it). {@code PROMPTQ_CLAUDE_CLI}
 * names an installed one instead. Without npm the tests are skipped, except under {@code CI=true},
 * where they fail: CI must run them.
 */
final class ClaudeCode {
  static final String PINNED = "2.1.197";

  private ClaudeCode() {}

  /** The {@code claude} executable to run; installs it first when needed. */
  static Path executable() {
    String given = System.getenv("PROMPTQ_CLAUDE_CLI");
    if (given != null && !given.isBlank()) {
      return Path.of(given);
    }
    Path dir = Path.of(System.getProperty("promptq.test.tmp", "target")).resolve("claude-code");
    Path wrapper = dir.resolve("node_modules/.bin/claude");
    // npm may skip the wrapper's postinstall (which puts the native binary in place): then the
    // platform package's binary is the CLI itself
    Path nativeBinary = dir.resolve("node_modules/@anthropic-ai/claude-code-linux-x64/claude");
    if (!answersVersion(wrapper) && !answersVersion(nativeBinary)) {
      install(dir);
    }
    if (answersVersion(wrapper)) {
      return wrapper.toAbsolutePath();
    }
    Assertions.assertTrue(answersVersion(nativeBinary), "npm ci installed Claude Code, but neither " + wrapper
        + " nor " + nativeBinary + " answers --version");
    return nativeBinary.toAbsolutePath();
  }

  private static void install(Path dir) {
    Path npm;
    try {
      npm = ClaudeCliTransport.locate("npm");
    } catch (IllegalArgumentException notFound) {
      npm = null;
    }
    if (npm == null) {
      if ("true".equals(System.getenv("CI"))) {
        Assertions.fail("CI=true but npm is not on PATH: the claude-cli integration tests need it to install Claude Code");
      }
      Assumptions.abort("npm is not on PATH: Claude Code cannot be installed for the claude-cli tests");
    }
    try {
      Files.createDirectories(dir);
      for (String f : List.of("package.json", "package-lock.json")) {
        Files.copy(Path.of("src/test/claude-code", f), dir.resolve(f), StandardCopyOption.REPLACE_EXISTING);
      }
      Path log = dir.resolve("npm-ci.log");
      Process p = new ProcessBuilder(npm.toString(), "ci", "--no-audit", "--no-fund", "--loglevel=warn")
          .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
      if (!p.waitFor(5, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        Assertions.fail("npm ci of Claude Code " + PINNED + " took over 5 minutes");
      }
      Assertions.assertEquals(0, p.exitValue(), () -> "npm ci of Claude Code " + PINNED + " failed:\n" + read(log));
    } catch (IOException e) {
      throw new IllegalStateException("cannot install Claude Code into " + dir, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static boolean answersVersion(Path exe) {
    if (!Files.isExecutable(exe)) {
      return false;
    }
    try {
      Process p = new ProcessBuilder(exe.toString(), "--version").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0 && out.startsWith(PINNED);
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private static String read(Path f) {
    try {
      return Files.readString(f);
    } catch (IOException e) {
      return "(no log)";
    }
  }
}
