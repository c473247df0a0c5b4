package dev.promptq.producer;

import dev.promptq.job.JobCodec;
import dev.promptq.job.JobResult;
import dev.promptq.kafka.ConsumerThread;
import dev.promptq.kafka.ReplyHeaders;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads one reply topic from its end and completes the futures of submitted jobs by correlation id.
 *
 * <p>Uses no consumer group: it assigns every partition and starts at the end offsets read before
 * {@link #start} returns, so a result of any job submitted after that is seen. Owns one thread,
 * {@code promptq-replies-<topic>}, which owns the consumer. Thread-safe.
 */
final class ReplyListener implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ReplyListener.class);

  private final String topic;
  private final KafkaConsumer<byte[], byte[]> consumer;
  private final JobCodec codec;
  private final Map<String, CompletableFuture<JobResult>> pending = new ConcurrentHashMap<>();
  private final CountDownLatch positioned = new CountDownLatch(1);
  private final ConsumerThread thread;
  private volatile RuntimeException startFailure;

  ReplyListener(String topic, KafkaConsumer<byte[], byte[]> consumer, JobCodec codec) {
    this.topic = topic;
    this.consumer = consumer;
    this.codec = codec;
    this.thread = new ConsumerThread("promptq-replies-" + topic, consumer, this::run);
  }

  /** Starts reading; returns once the listener is positioned at the topic's end. */
  ReplyListener start(Duration timeout) {
    thread.start();
    try {
      if (!positioned.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new IllegalStateException("reply listener on " + topic + " not ready after " + timeout);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while starting the reply listener", e);
    }
    if (startFailure != null) {
      throw startFailure;
    }
    return this;
  }

  /** A future completed by the result carrying {@code correlationId}. */
  CompletableFuture<JobResult> expect(byte[] correlationId) {
    String key = HexFormat.of().formatHex(correlationId);
    CompletableFuture<JobResult> f = new CompletableFuture<>();
    pending.put(key, f);
    f.whenComplete((r, e) -> pending.remove(key, f));
    return f;
  }

  private void run() {
    try {
      List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
          .map(p -> new TopicPartition(topic, p.partition())).toList();
      if (partitions.isEmpty()) {
        throw new IllegalStateException("reply topic " + topic + " does not exist");
      }
      consumer.assign(partitions);
      consumer.seekToEnd(partitions);
      partitions.forEach(consumer::position); // resolve the end offsets now, before any submit
    } catch (RuntimeException e) {
      startFailure = e;
      positioned.countDown();
      return;
    }
    positioned.countDown();
    try {
      while (thread.running()) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          deliver(r);
        }
      }
    } catch (WakeupException e) {
      // close() woke us
    } catch (RuntimeException e) {
      log.error("reply listener on {} failed", topic, e);
      pending.values().forEach(f -> f.completeExceptionally(e));
    }
  }

  private void deliver(ConsumerRecord<byte[], byte[]> r) {
    byte[] correlation = ReplyHeaders.bytes(r.headers(), ReplyHeaders.CORRELATION_ID);
    if (correlation == null) {
      return;
    }
    CompletableFuture<JobResult> f = pending.get(HexFormat.of().formatHex(correlation));
    if (f == null) {
      return; // someone else's job, or one we stopped waiting for
    }
    try {
      f.complete(codec.decodeResult(r.value()));
    } catch (IllegalArgumentException e) {
      f.completeExceptionally(e);
    }
  }

  @Override
  public void close() {
    thread.close();
  }
}
