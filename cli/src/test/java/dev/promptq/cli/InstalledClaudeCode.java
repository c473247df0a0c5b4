package dev.promptq.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** The Claude Code the worker module's integration tests installed (the reactor runs those first). */
final class InstalledClaudeCode {
  private static final Path PATH = Path.of("../worker/target/claude-code/node_modules/.bin/claude");

  private InstalledClaudeCode() {}

  /** Its executable, if the worker module's tests installed it. */
  static Optional<Path> executable() {
    return Files.isExecutable(PATH) ? Optional.of(PATH) : Optional.empty();
  }
}
