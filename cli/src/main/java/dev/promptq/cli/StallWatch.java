package dev.promptq.cli;

import dev.promptq.kafka.Topics;
import dev.promptq.worker.status.GroupStatus;
import dev.promptq.worker.status.GroupStatusReader;
import dev.promptq.worker.status.StallExplanation;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Watches a running batch: when no result has come for {@code after}, reads the worker group's
 * state and prints on stderr why the jobs wait ({@link StallExplanation}), again every
 * {@code after} while nothing moves. Owns the thread {@code promptq-batch-watch}; {@link #close()}
 * stops it.
 */
final class StallWatch implements AutoCloseable {
  private final Map<String, Object> kafka;
  private final Topics topics;
  private final String group;
  private final Duration after;
  private final PrintWriter err;
  private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "promptq-batch-watch");
    t.setDaemon(true);
    return t;
  });
  private volatile Instant lastProgress = Instant.now();
  private Instant lastReport = Instant.MIN;

  StallWatch(Map<String, Object> kafka, Topics topics, String group, Duration after, PrintWriter err) {
    this.kafka = kafka;
    this.topics = topics;
    this.group = group;
    this.after = after;
    this.err = err;
    long period = Math.max(1, Math.min(after.toMillis(), 10_000));
    thread.scheduleWithFixedDelay(this::check, period, period, TimeUnit.MILLISECONDS);
  }

  /** A result arrived. */
  void progress() {
    lastProgress = Instant.now();
  }

  private void check() {
    Instant now = Instant.now();
    Duration quiet = Duration.between(lastProgress, now);
    if (quiet.compareTo(after) < 0 || Duration.between(lastReport.isBefore(lastProgress) ? lastProgress : lastReport,
        now).compareTo(after) < 0) {
      return;
    }
    lastReport = now;
    err.println();
    err.println("promptq batch: " + explain(quiet, now));
    err.flush();
  }

  private String explain(Duration quiet, Instant now) {
    Map<String, Object> consumerProps = new HashMap<>(kafka);
    consumerProps.put("client.id", "promptq-batch-watch");
    consumerProps.put("isolation.level", "read_committed");
    try (Admin admin = Admin.create(kafka);
        KafkaConsumer<byte[], byte[]> control = new KafkaConsumer<>(consumerProps, new ByteArrayDeserializer(),
            new ByteArrayDeserializer())) {
      GroupStatus status = new GroupStatusReader(admin, control, topics, Clock.systemUTC()).read(group);
      return StallExplanation.of(status, quiet, topics.jobs(), now);
    } catch (RuntimeException e) {
      return "no result for " + quiet.toSeconds() + " s, and the group's state could not be read ("
          + e.getClass().getSimpleName() + ")";
    }
  }

  @Override
  public void close() {
    thread.shutdownNow();
  }
}
