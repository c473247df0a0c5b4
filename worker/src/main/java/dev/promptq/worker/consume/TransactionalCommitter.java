package dev.promptq.worker.consume;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Exactly-once: results, dead letters and offsets go out in one Kafka transaction, fenced by the
 * consumer group's generation (KIP-447), so a result is visible to {@code read_committed} readers
 * if and only if its job's offset is committed.
 *
 * <p>On an abortable error (a rebalance in progress, a broker lost) the transaction is aborted,
 * nothing is visible, and the caller retries with the same outputs after its next poll. On a
 * fatal one (fenced, out of sequence) the producer is replaced and the caller rewinds.
 */
final class TransactionalCommitter implements Committer {
  private static final Logger log = LoggerFactory.getLogger(TransactionalCommitter.class);

  private final Supplier<Producer<byte[], byte[]>> producers;
  private Producer<byte[], byte[]> producer;
  private int failuresInARow;

  /**
   * @param producers makes a transactional producer (same {@code transactional.id} each time);
   *     this committer owns and closes what it makes
   */
  TransactionalCommitter(Supplier<Producer<byte[], byte[]>> producers) {
    this.producers = producers;
    this.producer = newProducer();
  }

  private Producer<byte[], byte[]> newProducer() {
    Producer<byte[], byte[]> p = producers.get();
    p.initTransactions();
    return p;
  }

  @Override
  public Result publish(List<ProducerRecord<byte[], byte[]>> outputs, Map<TopicPartition, OffsetAndMetadata> offsets,
      ConsumerGroupMetadata group) {
    try {
      producer.beginTransaction();
      for (ProducerRecord<byte[], byte[]> r : outputs) {
        producer.send(r);
      }
      if (!offsets.isEmpty()) {
        producer.sendOffsetsToTransaction(offsets, group);
      }
      producer.commitTransaction();
      if (failuresInARow > 0) {
        log.info("transactions succeed again after {} failed attempts", failuresInARow);
        failuresInARow = 0;
      }
      return Result.COMMITTED;
    } catch (ProducerFencedException | InvalidProducerEpochException | OutOfOrderSequenceException
        | UnsupportedVersionException | AuthorizationException fatal) {
      log.warn("transaction failed ({}); replacing the producer, unfinished work runs again", fatal.toString());
      replaceProducer();
      return Result.REWIND;
    } catch (KafkaException abortable) {
      if (failuresInARow++ == 0) {
        log.warn("transaction failed ({}); aborted, retrying after the next poll", abortable.toString());
      }
      try {
        producer.abortTransaction();
        return Result.RETRY;
      } catch (KafkaException e) {
        replaceProducer();
        return Result.REWIND;
      }
    }
  }

  @Override
  public Result afterPublish(Map<TopicPartition, OffsetAndMetadata> offsets) {
    return Result.COMMITTED; // the offsets were in the transaction
  }

  private void replaceProducer() {
    producer.close(Duration.ZERO);
    producer = newProducer();
  }

  @Override
  public void close() {
    producer.close(Duration.ofSeconds(10));
  }
}
