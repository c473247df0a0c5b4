package dev.promptq.worker.claudecli;

import dev.promptq.worker.anthropic.Transports;
import java.nio.file.Path;
import java.util.Objects;

/**
 * How a worker runs Claude Code's headless mode for the subscription route
 * ({@code subscription.transport=claude-cli}). Immutable.
 *
 * @param executable {@code claude.cli.path}: the {@code claude} executable, a path or a name looked
 *     up on {@code PATH} (default {@code claude}); installed by the user, never bundled
 * @param home {@code claude.cli.home}: the directory whose subdirectories are the processes' HOME
 *     (one per process slot, mode 0700); default {@code <java.io.tmpdir>/promptq-claude-cli/<worker.id>}
 * @param processes {@code claude.cli.processes}: CLI processes at once (default 8); jobs beyond
 *     wait for one, and count in {@code max.in.flight} meanwhile
 * @param inexpressible {@code claude.cli.inexpressible}: what a request the CLI cannot carry does
 *     (default {@code next_route})
 */
public record ClaudeCliSettings(String executable, Path home, int processes, Transports.Inexpressible inexpressible) {
  public static final String DEFAULT_EXECUTABLE = "claude";
  public static final int DEFAULT_PROCESSES = 8;

  public ClaudeCliSettings {
    Objects.requireNonNull(executable, "executable");
    Objects.requireNonNull(home, "home");
    Objects.requireNonNull(inexpressible, "inexpressible");
    if (executable.isBlank()) {
      throw new IllegalArgumentException("claude.cli.path: empty");
    }
    if (processes < 1) {
      throw new IllegalArgumentException("claude.cli.processes: " + processes + " (at least 1)");
    }
  }

  /** The default HOME directory of a worker's CLI processes. */
  public static Path defaultHome(String workerId) {
    return Path.of(System.getProperty("java.io.tmpdir"), "promptq-claude-cli", workerId.replaceAll("[^A-Za-z0-9._-]", "_"));
  }
}
