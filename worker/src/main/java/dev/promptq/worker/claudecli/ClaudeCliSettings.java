package dev.promptq.worker.claudecli;

import java.util.Optional;
import java.util.List;
import dev.promptq.config.Settings;
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

  /** Values of {@code subscription.transport}. */
  public static final String HTTP_TRANSPORT = "http";
  public static final String CLAUDE_CLI_TRANSPORT = "claude-cli";

  /** The keys {@link #fromSettings} reads. */
  public static final List<String> KEYS = List.of("subscription.transport", "claude.cli.path", "claude.cli.home",
      "claude.cli.processes", "claude.cli.inexpressible");

  /**
   * Reads {@code subscription.transport} and the {@code claude.cli.*} keys: empty for http.
   *
   * @throws IllegalArgumentException for a bad value, or {@code claude.cli.*} set with http
   */
  public static Optional<ClaudeCliSettings> fromSettings(Settings s, String workerId) {
    String transport = s.get("subscription.transport", HTTP_TRANSPORT);
    if (transport.equals(HTTP_TRANSPORT)) {
      for (String key : KEYS.subList(1, KEYS.size())) {
        if (s.get(key).isPresent()) {
          throw new IllegalArgumentException(key + ": " + s.get(key).get() + " (set, but subscription.transport is "
              + "http; set subscription.transport=claude-cli to use it)");
        }
      }
      return Optional.empty();
    }
    if (!transport.equals(CLAUDE_CLI_TRANSPORT)) {
      throw new IllegalArgumentException("subscription.transport: " + transport + " (http or claude-cli)");
    }
    Transports.Inexpressible inexpressible;
    String i = s.get("claude.cli.inexpressible", Transports.Inexpressible.NEXT_ROUTE.wireName());
    try {
      inexpressible = Transports.Inexpressible.fromWireName(i);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("claude.cli.inexpressible: " + e.getMessage());
    }
    return Optional.of(new ClaudeCliSettings(s.get("claude.cli.path", DEFAULT_EXECUTABLE),
        s.get("claude.cli.home").map(Settings::expandHome).orElse(defaultHome(workerId)),
        s.getInt("claude.cli.processes", DEFAULT_PROCESSES, 1, 10_000), inexpressible));
  }
}
