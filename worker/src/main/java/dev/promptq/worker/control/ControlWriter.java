package dev.promptq.worker.control;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one writer of the control topic: every record goes to its single partition through here, in
 * one of three ways: fire-and-forget ({@link #send}), waited for ({@link #sendAndWait}), or in a
 * transaction of its own on a transactional producer ({@link #commitOne}). Owns its producer;
 * {@link #close()} closes it.
 */
final class ControlWriter implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ControlWriter.class);

  private final Producer<byte[], byte[]> producer;
  private final String topic;

  ControlWriter(Producer<byte[], byte[]> producer, String topic) {
    this.producer = producer;
    this.topic = topic;
  }

  String topic() {
    return topic;
  }

  /** Sends {@code record}; a failure is logged, never thrown. */
  void send(ControlRecords.Encoded record) {
    String key = new String(record.key(), StandardCharsets.UTF_8);
    try {
      producer.send(new ProducerRecord<>(topic, 0, record.key(), record.value()), (meta, e) -> {
        if (e != null) {
          log.warn("could not publish {} to the control topic: {}", key, e.toString());
        }
      });
    } catch (RuntimeException e) {
      log.warn("could not publish {} to the control topic: {}", key, e.toString());
    }
  }

  /**
   * Sends {@code record} and returns its offset once written.
   *
   * @throws IllegalStateException if it is not written within {@code timeout}
   */
  long sendAndWait(ControlRecords.Encoded record, Duration timeout) {
    try {
      return producer.send(new ProducerRecord<>(topic, 0, record.key(), record.value()))
          .get(timeout.toMillis(), TimeUnit.MILLISECONDS).offset();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while writing to the control topic " + topic, e);
    } catch (ExecutionException | TimeoutException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      throw new IllegalStateException("could not write to the control topic " + topic + ": "
          + cause.getClass().getSimpleName() + (cause.getMessage() == null ? "" : " " + cause.getMessage()), e);
    }
  }

  /** Fences every earlier producer with this transactional id. */
  void initTransactions() {
    producer.initTransactions();
  }

  /**
   * Writes {@code record} in a transaction of its own and returns its offset.
   *
   * @throws ProducerFencedException if a newer producer with the same transactional id exists
   * @throws KafkaException if the transaction failed (it was aborted)
   */
  long commitOne(ControlRecords.Encoded record) {
    producer.beginTransaction();
    try {
      RecordMetadata md = producer.send(new ProducerRecord<>(topic, 0, record.key(), record.value())).get();
      producer.commitTransaction();
      return md.offset();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      abort();
      throw new KafkaException("interrupted");
    } catch (ExecutionException e) {
      abort();
      throw e.getCause() instanceof KafkaException k ? k : new KafkaException(e.getCause());
    } catch (ProducerFencedException | InvalidProducerEpochException e) {
      throw e;
    } catch (KafkaException e) {
      abort();
      throw e;
    }
  }

  private void abort() {
    try {
      producer.abortTransaction();
    } catch (KafkaException ignored) {
      // fenced or broken: closing follows
    }
  }

  /** Closes the producer, waiting up to {@code timeout} for records in flight. */
  void close(Duration timeout) {
    try {
      producer.close(timeout);
    } catch (KafkaException ignored) {
      // closing anyway
    }
  }

  @Override
  public void close() {
    close(Duration.ofSeconds(5));
  }
}
