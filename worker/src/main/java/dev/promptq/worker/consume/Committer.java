package dev.promptq.worker.consume;

import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * Publishes the outputs of finished jobs together with the offsets that acknowledge them.
 *
 * <p>{@link #publish} runs on the loop's commit thread, one call at a time, so the consumer's
 * thread keeps polling meanwhile; {@link #afterPublish} runs on the consumer's thread.
 */
interface Committer extends AutoCloseable {

  /** What became of a commit. */
  enum Result {
    /** Outputs published and offsets committed. */
    COMMITTED,
    /** Neither took effect and the worker's state is intact: keep it and try again after the next poll. */
    RETRY,
    /** The outcome is unknown or the worker may no longer own its partitions: rewind to the last commit. */
    REWIND
  }

  /**
   * Publishes {@code outputs} and, where the producer can, commits {@code offsets} with them.
   *
   * @param group the consumer's group metadata when the batch was taken (fences zombies)
   */
  Result publish(List<ProducerRecord<byte[], byte[]>> outputs, Map<TopicPartition, OffsetAndMetadata> offsets,
      ConsumerGroupMetadata group);

  /** After {@link #publish} returned COMMITTED, on the consumer's thread: commits offsets the producer could not. */
  Result afterPublish(Map<TopicPartition, OffsetAndMetadata> offsets);

  @Override
  void close();
}
