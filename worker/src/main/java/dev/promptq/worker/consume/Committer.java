package dev.promptq.worker.consume;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Publishes the outputs of finished jobs together with the offsets that acknowledge them.
 *
 * <p>{@link #publish} runs on the loop's commit thread, one call at a time, so the consumer's
 * thread keeps polling meanwhile; {@link #afterPublish} runs on the consumer's thread. Neither
 * throws for anything Kafka does: every failure is a {@link Result}.
 */
interface Committer extends AutoCloseable {

  /** What became of a commit. */
  sealed interface Result permits Committed, Retry, Rewind {}

  /** Outputs published and offsets committed. */
  record Committed() implements Result {}

  /**
   * Neither took effect and the worker's state is intact: keep it and try again after the next
   * poll, publishing each {@code rejected} output's fallback instead of it (Kafka refused that
   * record for a reason of its own: {@link Rejections}) and not publishing the {@code published}
   * ones again (at-least-once: they are out already).
   */
  record Retry(Map<Output, String> rejected, Map<Output, String> details, Set<Output> published) implements Result {
    static Retry plain() {
      return new Retry(Map.of(), Map.of(), Set.of());
    }
  }

  /** The outcome is unknown or the worker may no longer own its partitions: rewind to the last commit. */
  record Rewind(String why) implements Result {}

  /**
   * Publishes {@code outputs} and, where the producer can, commits {@code offsets} with them.
   *
   * @param group the consumer's group metadata when the batch was taken (fences zombies)
   */
  Result publish(List<Output> outputs, Map<TopicPartition, OffsetAndMetadata> offsets, ConsumerGroupMetadata group);

  /** After {@link #publish} returned {@link Committed}, on the consumer's thread: commits offsets the producer could not. */
  Result afterPublish(Map<TopicPartition, OffsetAndMetadata> offsets);

  @Override
  void close();
}
