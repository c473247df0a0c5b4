package dev.promptq.worker.consume;

import dev.promptq.job.JobCodec;
import dev.promptq.kafka.Topics;
import dev.promptq.worker.ops.WorkerMetrics;
import dev.promptq.worker.routing.Router;
import dev.promptq.worker.routing.TokenCounts;
import dev.promptq.usage.UsageCodec;
import java.time.Clock;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.producer.Producer;

/** Assembles a {@link JobLoop} for each delivery mode; the one entry point from outside this package. */
public final class Loops {
  private Loops() {}

  /**
   * What every loop is made of besides its consumer and producer.
   *
   * @param admin checks reply destinations; owned by the caller
   * @param resultMaxBytes the largest record a job may make the worker write
   * @param windows the subscription's utilisation per window as the worker last saw it, for the
   *     usage records
   * @param laneOpen whether {@code api_batch} jobs go to the batch lane (the group has an API key)
   * @param counts runs {@code count_tokens} jobs
   */
  public record Parts(Admin admin, Router router, TokenCounts counts, JobCodec codec, Topics topics, ReplyPolicy replies,
      WorkerMetrics metrics, JobLoop.Settings settings, int resultMaxBytes, Clock clock,
      Supplier<Map<String, Double>> windows, boolean laneOpen) {}

  /**
   * A loop that publishes results and commits offsets in one transaction.
   *
   * @param producers makes the transactional producer (again after it is fenced); the loop closes it
   */
  public static JobLoop exactlyOnce(Consumer<byte[], byte[]> consumer, Supplier<Producer<byte[], byte[]>> producers,
      Parts parts) {
    return loop(consumer, new TransactionalCommitter(producers, topicGone(parts.admin())), parts);
  }

  /** A loop that publishes results, then commits offsets; the loop closes {@code producer}. */
  public static JobLoop atLeastOnce(Consumer<byte[], byte[]> consumer, Producer<byte[], byte[]> producer, Parts parts) {
    return loop(consumer, new AtLeastOnceCommitter(producer, consumer, topicGone(parts.admin())), parts);
  }

  /** True if the broker says {@code topic} does not exist; false when it exists or cannot tell within 5 s. */
  static java.util.function.Predicate<String> topicGone(Admin admin) {
    return topic -> {
      try {
        admin.describeTopics(java.util.List.of(topic), new org.apache.kafka.clients.admin.DescribeTopicsOptions()
            .timeoutMs(5_000)).allTopicNames().get(6, java.util.concurrent.TimeUnit.SECONDS);
        return false;
      } catch (java.util.concurrent.ExecutionException e) {
        return e.getCause() instanceof org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      } catch (java.util.concurrent.TimeoutException e) {
        return false;
      }
    };
  }

  private static JobLoop loop(Consumer<byte[], byte[]> consumer, Committer committer, Parts p) {
    JobLoop loop = new JobLoop(consumer, committer, new JobHandler(p.router(), p.counts(), p.codec(), p.topics(),
        ReplyDestinations.of(p.admin(), p.clock()), p.replies(), p.metrics(), p.resultMaxBytes(),
        new UsageRecords(new UsageCodec(p.codec().mapper()), p.topics().usage(), p.windows()), p.laneOpen()), p.settings(),
        p.topics().jobs(), p.topics().interactive(), p.clock());
    loop.onFault(p.metrics()::onLoopFault);
    return loop;
  }
}
