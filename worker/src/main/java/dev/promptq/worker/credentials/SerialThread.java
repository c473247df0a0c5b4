package dev.promptq.worker.credentials;

import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One named daemon thread that runs tasks one at a time, now or later; a task that throws is
 * logged and the thread goes on; tasks given after {@link #close} are dropped.
 */
final class SerialThread implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SerialThread.class);

  private final ScheduledExecutorService thread;
  private final String name;

  SerialThread(String name) {
    this.name = name;
    this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    });
  }

  void submit(Runnable task) {
    try {
      thread.execute(guarded(task));
    } catch (RejectedExecutionException closed) {
      // stopping
    }
  }

  /** Runs {@code task} after {@code delayMs}; null when closing. */
  ScheduledFuture<?> later(Runnable task, long delayMs) {
    try {
      return thread.schedule(guarded(task), delayMs, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException closing) {
      return null;
    }
  }

  private Runnable guarded(Runnable task) {
    return () -> {
      try {
        task.run();
      } catch (RuntimeException e) {
        log.warn("{}: {}", name, e.toString(), e);
      }
    };
  }

  /** Runs the tasks already given (up to 10 s), then stops the thread. */
  @Override
  public void close() {
    thread.shutdown();
    try {
      thread.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    thread.shutdownNow();
  }
}
