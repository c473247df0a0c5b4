package dev.promptq.worker.consume;

import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * Publishes the outputs of finished jobs together with the offsets that acknowledge them.
 * Called only from the loop's thread, which owns the consumer.
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

  /** Publishes {@code outputs} and commits {@code offsets}. */
  Result commit(List<ProducerRecord<byte[], byte[]>> outputs, Map<TopicPartition, OffsetAndMetadata> offsets);

  @Override
  void close();
}
