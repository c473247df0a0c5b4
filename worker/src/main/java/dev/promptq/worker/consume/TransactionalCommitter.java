package dev.promptq.worker.consume;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.Consumer;
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
 * <p>On an abortable error the transaction is aborted; on a fatal one (fenced, out of sequence)
 * the producer is replaced. Either way the caller rewinds and the jobs run again.
 */
final class TransactionalCommitter implements Committer {
  private static final Logger log = LoggerFactory.getLogger(TransactionalCommitter.class);

  private final Supplier<Producer<byte[], byte[]>> producers;
  private final Consumer<byte[], byte[]> consumer;
  private Producer<byte[], byte[]> producer;

  /**
   * @param producers makes a transactional producer (same {@code transactional.id} each time);
   *     this committer owns and closes what it makes
   */
  TransactionalCommitter(Supplier<Producer<byte[], byte[]>> producers, Consumer<byte[], byte[]> consumer) {
    this.producers = producers;
    this.consumer = consumer;
    this.producer = newProducer();
  }

  private Producer<byte[], byte[]> newProducer() {
    Producer<byte[], byte[]> p = producers.get();
    p.initTransactions();
    return p;
  }

  @Override
  public boolean commit(List<ProducerRecord<byte[], byte[]>> outputs, Map<TopicPartition, OffsetAndMetadata> offsets) {
    try {
      producer.beginTransaction();
      for (ProducerRecord<byte[], byte[]> r : outputs) {
        producer.send(r);
      }
      if (!offsets.isEmpty()) {
        producer.sendOffsetsToTransaction(offsets, consumer.groupMetadata());
      }
      producer.commitTransaction();
      return true;
    } catch (ProducerFencedException | InvalidProducerEpochException | OutOfOrderSequenceException
        | UnsupportedVersionException | AuthorizationException fatal) {
      log.warn("transaction failed ({}); replacing the producer, the jobs will run again", fatal.toString());
      producer.close(Duration.ZERO);
      producer = newProducer();
      return false;
    } catch (KafkaException abortable) {
      log.warn("transaction failed ({}); aborting, the jobs will run again", abortable.toString());
      try {
        producer.abortTransaction();
      } catch (KafkaException e) {
        producer.close(Duration.ZERO);
        producer = newProducer();
      }
      return false;
    }
  }

  @Override
  public void close() {
    producer.close(Duration.ofSeconds(10));
  }
}
