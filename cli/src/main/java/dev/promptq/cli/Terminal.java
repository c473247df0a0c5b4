package dev.promptq.cli;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.DelegatingProgressBarConsumer;
import me.tongfei.progressbar.ProgressBarConsumer;

/** Whether a person watches: progress bars only on a terminal, never into a log file or a pipe. */
final class Terminal {
  private Terminal() {}

  /** True when the process runs on a terminal (Java sees a console). */
  static boolean attached() {
    return System.console() != null;
  }

  /** Where a progress bar draws: stderr on a terminal, nowhere otherwise. */
  static ProgressBarConsumer progressConsumer() {
    return attached() ? new ConsoleProgressBarConsumer(System.err) : new DelegatingProgressBarConsumer(line -> { });
  }
}
