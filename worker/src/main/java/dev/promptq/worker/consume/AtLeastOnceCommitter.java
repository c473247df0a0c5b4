package dev.promptq.worker.consume;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * At-least-once, for brokers without transactions: publish with an idempotent producer, wait for
 * every acknowledgement, then commit the offsets. A crash between the two answers those jobs
 * again.
 */
final class AtLeastOnceCommitter implements Committer {
  private static final Logger log = LoggerFactory.getLogger(AtLeastOnceCommitter.class);

  private final Producer<byte[], byte[]> producer;
  private final Consumer<byte[], byte[]> consumer;

  /** @param producer owned and closed by this committer */
  AtLeastOnceCommitter(Producer<byte[], byte[]> producer, Consumer<byte[], byte[]> consumer) {
    this.producer = producer;
    this.consumer = consumer;
  }

  @Override
  public Result publish(List<ProducerRecord<byte[], byte[]>> outputs, Map<TopicPartition, OffsetAndMetadata> offsets,
      ConsumerGroupMetadata group) {
    List<Future<RecordMetadata>> sends = new ArrayList<>(outputs.size());
    for (ProducerRecord<byte[], byte[]> r : outputs) {
      sends.add(producer.send(r));
    }
    producer.flush();
    try {
      for (Future<RecordMetadata> s : sends) {
        s.get();
      }
    } catch (ExecutionException e) {
      log.warn("cannot publish results ({}); the jobs will run again", e.getCause().toString());
      return Result.REWIND;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Result.REWIND;
    }
    return Result.COMMITTED;
  }

  @Override
  public Result afterPublish(Map<TopicPartition, OffsetAndMetadata> offsets) {
    if (offsets.isEmpty()) {
      return Result.COMMITTED;
    }
    try {
      consumer.commitSync(offsets);
      return Result.COMMITTED;
    } catch (KafkaException e) {
      log.warn("cannot commit offsets ({}); those jobs will be answered again", e.toString());
      return Result.REWIND;
    }
  }

  @Override
  public void close() {
    producer.close(Duration.ofSeconds(10));
  }
}
