package dev.promptq.worker.consume;

import dev.promptq.job.JobCodec;
import dev.promptq.kafka.Topics;
import dev.promptq.worker.ops.WorkerMetrics;
import dev.promptq.worker.routing.Router;
import java.time.Clock;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.producer.Producer;

/** Assembles a {@link JobLoop} for each delivery mode; the one entry point from outside this package. */
public final class Loops {
  private Loops() {}

  /**
   * A loop that publishes results and commits offsets in one transaction.
   *
   * @param producers makes the transactional producer (again after it is fenced); the loop closes it
   * @param admin checks reply destinations; owned by the caller
   */
  public static JobLoop exactlyOnce(Consumer<byte[], byte[]> consumer, Supplier<Producer<byte[], byte[]>> producers,
      Admin admin, Router router, JobCodec codec, Topics topics, ReplyPolicy replies, WorkerMetrics metrics,
      JobLoop.Settings settings, Clock clock) {
    return new JobLoop(consumer, new TransactionalCommitter(producers),
        new JobHandler(router, codec, topics, new ReplyDestinations(admin, clock), replies, metrics), settings, topics.jobs(),
        clock);
  }

  /** A loop that publishes results, then commits offsets; the loop closes {@code producer}. */
  public static JobLoop atLeastOnce(Consumer<byte[], byte[]> consumer, Producer<byte[], byte[]> producer, Admin admin,
      Router router, JobCodec codec, Topics topics, ReplyPolicy replies, WorkerMetrics metrics, JobLoop.Settings settings,
      Clock clock) {
    return new JobLoop(consumer, new AtLeastOnceCommitter(producer, consumer),
        new JobHandler(router, codec, topics, new ReplyDestinations(admin, clock), replies, metrics), settings, topics.jobs(),
        clock);
  }
}
