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

  /**
   * Publishes {@code outputs} and commits {@code offsets}.
   *
   * @return true if both took effect; false if neither did (or, for at-least-once, if the
   *     outputs may be out but the offsets are not committed) and the caller must rewind to the
   *     last committed offsets
   */
  boolean commit(List<ProducerRecord<byte[], byte[]>> outputs, Map<TopicPartition, OffsetAndMetadata> offsets);

  @Override
  void close();
}
