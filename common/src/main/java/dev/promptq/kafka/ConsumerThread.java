package dev.promptq.kafka;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Kafka consumer owned by one named daemon thread. {@link #start} runs the owner's loop on it;
 * the loop runs while {@link #running()} and may back off with {@link #stoppedWithin}; when the
 * loop ends, for any reason, the thread closes the consumer. {@link #close} stops the loop: it
 * wakes the consumer (a poll in progress throws {@code WakeupException}, which the loop should end
 * on or ignore) and waits for the thread.
 */
public final class ConsumerThread implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ConsumerThread.class);
  private static final Duration JOIN_WAIT = Duration.ofSeconds(10);

  private final Consumer<?, ?> consumer;
  private final Thread thread;
  private final CountDownLatch stopped = new CountDownLatch(1);
  private volatile boolean running = true;

  /**
   * @param loop the owner's loop; runs on the thread, which owns {@code consumer} from then on
   */
  public ConsumerThread(String name, Consumer<?, ?> consumer, Runnable loop) {
    this.consumer = consumer;
    this.thread = new Thread(() -> {
      try {
        loop.run();
      } finally {
        try {
          consumer.close(Duration.ofSeconds(5));
        } catch (RuntimeException e) {
          log.debug("closing the consumer of {}: {}", name, e.toString());
        }
      }
    }, name);
    this.thread.setDaemon(true);
  }

  public void start() {
    thread.start();
  }

  /** False once {@link #close} was called. */
  public boolean running() {
    return running;
  }

  /** Waits {@code ms} unless closed first; true if closed (or interrupted). */
  public boolean stoppedWithin(long ms) {
    try {
      return stopped.await(ms, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return true;
    }
  }

  /** Stops the loop and waits up to 10 s for the thread to end. Idempotent. */
  @Override
  public void close() {
    running = false;
    stopped.countDown();
    consumer.wakeup();
    try {
      thread.join(JOIN_WAIT.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
