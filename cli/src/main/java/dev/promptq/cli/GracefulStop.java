package dev.promptq.cli;

import java.util.concurrent.CountDownLatch;
import sun.misc.Signal;

/**
 * Turns SIGTERM and SIGINT into a graceful stop on a thread of its own, so that the command's main
 * thread can finish normally and exit 0 (a JVM stopped through shutdown hooks exits 143).
 */
final class GracefulStop {
  private final Runnable action;
  private final CountDownLatch done = new CountDownLatch(1);
  private Thread stopper; // guarded by this

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
      stopper = new Thread(() -> {
        try {
          action.run();
        } finally {
          done.countDown();
        }
      }, "promptq-stop");
      stopper.start();
    }
  }

  private synchronized boolean triggered() {
    return stopper != null;
  }

  /** Waits for the stop action, if a signal started it; returns at once otherwise. */
  void awaitDone() throws InterruptedException {
    if (triggered()) {
      done.await();
    }
  }

  /** Waits for a signal and for the stop action it starts. */
  void awaitSignalAndDone() throws InterruptedException {
    done.await();
  }
}
