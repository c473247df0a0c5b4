package dev.promptq.gateway.batches;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.promptq.job.JobCodec;
import dev.promptq.job.Outcome;
import dev.promptq.job.Route;
import dev.promptq.kafka.ConsumerThread;
import dev.promptq.kafka.ReplyHeaders;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
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
 * Reads the batches topic and the batch results topic from their beginnings into a
 * {@link BatchLedger}, and goes on reading. Owns the thread {@code promptq-gateway-batches-<instance>}
 * and its group-less {@code read_committed} consumer.
 */
final class BatchFeed implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(BatchFeed.class);
  private static final ObjectMapper MAPPER = JobCodec.newMapper();

  private final KafkaConsumer<byte[], byte[]> consumer;
  private final String batchesTopic;
  private final String resultsTopic;
  private final BatchLedger ledger;
  private final ConsumerThread thread;
  private final CountDownLatch caughtUp = new CountDownLatch(1);

  BatchFeed(Map<String, Object> properties, String batchesTopic, String resultsTopic, String instance,
      BatchLedger ledger) {
    this.consumer = new KafkaConsumer<>(properties, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    this.batchesTopic = batchesTopic;
    this.resultsTopic = resultsTopic;
    this.ledger = ledger;
    this.thread = new ConsumerThread("promptq-gateway-batches-" + instance, consumer, this::run);
  }

  BatchFeed start(Duration timeout) {
    thread.start();
    try {
      if (!caughtUp.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new IllegalStateException("the batch topics were not read within " + timeout);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while reading the batch topics", e);
    }
    return this;
  }

  private void run() {
    try {
      List<TopicPartition> partitions = new ArrayList<>();
      for (String t : List.of(batchesTopic, resultsTopic)) {
        consumer.partitionsFor(t, Duration.ofSeconds(30)).forEach(p -> partitions.add(new TopicPartition(t, p.partition())));
      }
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions, Duration.ofSeconds(30));
      while (thread.running()) {
        try {
          for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
            apply(r);
          }
          if (caughtUp.getCount() > 0 && end.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue())) {
            caughtUp.countDown();
          }
        } catch (WakeupException e) {
          return;
        } catch (RuntimeException e) {
          log.warn("reading the batch topics: {}; reading on in 1 s", e.toString());
          thread.stoppedWithin(1000);
        }
      }
    } catch (WakeupException e) {
      // closed while starting
    } catch (RuntimeException e) {
      log.error("cannot read the batch topics {} and {}: {}", batchesTopic, resultsTopic, e.toString());
    }
  }

  private void apply(ConsumerRecord<byte[], byte[]> r) {
    String key = r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8);
    if (key == null) {
      return;
    }
    if (r.topic().equals(batchesTopic)) {
      if (BatchCodec.isIdsKey(key)) {
        return;
      }
      if (r.value() == null) {
        ledger.remove(key);
      } else {
        BatchCodec.decode(r.value()).filter(b -> b.id().equals(key)).ifPresent(ledger::put);
      }
      return;
    }
    String outcome = ReplyHeaders.text(r.headers(), ReplyHeaders.OUTCOME);
    try {
      ledger.result(key, outcome == null ? null : Outcome.fromWireName(outcome), r.offset(),
          Instant.ofEpochMilli(r.timestamp()), Route.API.wireName().equals(ReplyHeaders.text(r.headers(), ReplyHeaders.ROUTE))
              ? apiCost(r.value()) : 0);  // only the api route costs: the others are not parsed
    } catch (IllegalArgumentException e) {
      // not a result of ours
    }
  }

  /** A result's {@code api_cost_usd}, or 0 for a value that is not a result. */
  private static double apiCost(byte[] value) {
    if (value == null) {
      return 0;
    }
    try {
      double usd = MAPPER.readTree(value).path("api_cost_usd").asDouble(0);
      return Double.isFinite(usd) && usd > 0 ? usd : 0;
    } catch (IOException e) {
      return 0;
    }
  }

  @Override
  public void close() {
    thread.close();
  }
}
