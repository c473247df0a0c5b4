package dev.promptq.gateway.keys;

import dev.promptq.kafka.ConsumerThread;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the control topic from its beginning into a {@link KeyBook}, and goes on reading. Owns one
 * thread, {@code promptq-gateway-keys-<instance>}, which owns a group-less consumer.
 */
public final class ControlFeed implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ControlFeed.class);

  private final KafkaConsumer<byte[], byte[]> consumer;
  private final TopicPartition partition;
  private final KeyBook book;
  private final ConsumerThread thread;
  private final CountDownLatch caughtUp = new CountDownLatch(1);

  /** @param properties a committed reader's properties ({@code KafkaClientProperties}) */
  public ControlFeed(Map<String, Object> properties, String controlTopic, String instance, KeyBook book) {
    this.consumer = new KafkaConsumer<>(properties, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    this.partition = new TopicPartition(controlTopic, 0);
    this.book = book;
    this.thread = new ConsumerThread("promptq-gateway-keys-" + instance, consumer, this::run);
  }

  /**
   * Starts reading and waits until what the topic held at the start is applied.
   *
   * @throws IllegalStateException if that takes longer than {@code timeout}
   */
  public ControlFeed start(Duration timeout) {
    thread.start();
    try {
      if (!caughtUp.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new IllegalStateException("the control topic " + partition.topic() + " was not read within " + timeout);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while reading the control topic", e);
    }
    return this;
  }

  private void run() {
    try {
      consumer.assign(List.of(partition));
      consumer.seekToBeginning(List.of(partition));
      long end = consumer.endOffsets(List.of(partition), Duration.ofSeconds(30)).get(partition);
      while (thread.running()) {
        try {
          for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
            book.apply(r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8), r.value());
          }
          if (caughtUp.getCount() > 0 && consumer.position(partition) >= end) {
            caughtUp.countDown();
          }
        } catch (WakeupException e) {
          return;
        } catch (RuntimeException e) {
          log.warn("reading the control topic: {}; reading on in 1 s", e.toString());
          thread.stoppedWithin(1000);
        }
      }
    } catch (WakeupException e) {
      // closed while starting
    } catch (RuntimeException e) {
      log.error("cannot read the control topic {}: {}", partition.topic(), e.toString());
    }
  }

  @Override
  public void close() {
    thread.close();
  }
}
