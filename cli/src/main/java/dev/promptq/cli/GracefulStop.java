package dev.promptq.cli;

import sun.misc.Signal;

/**
 * Turns SIGTERM and SIGINT into a graceful stop on a thread of its own, so that the command's main
 * thread can finish normally and exit 0 (a JVM stopped through shutdown hooks exits 143).
 */
final class GracefulStop {
  private final Runnable action;
  private volatile Thread stopper;

  private GracefulStop(Runnable action) {
    this.action = action;
  }

  /** Runs {@code action} once, on thread {@code promptq-stop}, at the first SIGTERM or SIGINT. */
  static GracefulStop onSignals(Runnable action) {
    GracefulStop s = new GracefulStop(action);
    Signal.handle(new Signal("TERM"), sig -> s.trigger());
    Signal.handle(new Signal("INT"), sig -> s.trigger());
    return s;
  }

  private synchronized void trigger() {
    if (stopper == null) {
      stopper = new Thread(action, "promptq-stop");
      stopper.start();
    }
  }

  /** Waits for the stop action, if a signal started it. */
  void awaitDone() throws java.util.concurrent.CompletionException {
    Thread t = stopper;
    if (t == null) {
      return;
    }
    try {
      t.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
