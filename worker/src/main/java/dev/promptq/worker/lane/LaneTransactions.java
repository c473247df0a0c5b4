package dev.promptq.worker.lane;

import com.fasterxml.jackson.databind.JsonNode;
import dev.promptq.job.JobResult;
import dev.promptq.kafka.Topics;
import dev.promptq.worker.spend.ApiSpend;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The lane owner's Kafka transactions, under the group's one lane {@code transactional.id}: the
 * first use fences the former owner. Each method is one transaction; a failure leaves nothing
 * written (the producer is dropped, and the next use aborts what it left open). Used on the
 * owner's thread only.
 */
final class LaneTransactions implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LaneTransactions.class);

  private final Supplier<Producer<byte[], byte[]>> producers;
  private final LaneResults results;
  private final ApiSpend spend;
  private final Topics topics;
  private final TopicPartition lane;
  private Producer<byte[], byte[]> producer;

  LaneTransactions(Supplier<Producer<byte[], byte[]>> producers, LaneResults results, ApiSpend spend, Topics topics) {
    this.producers = producers;
    this.results = results;
    this.spend = spend;
    this.topics = topics;
    this.lane = new TopicPartition(topics.lane(), 0);
  }

  /** Takes the lane's transactional id now: the former owner's open transaction is aborted and it is fenced. */
  void fence() {
    producer();
  }

  /** Records a submitted batch, with the lane offsets past its last record. */
  void submitted(BatchRecord record, ConsumerGroupMetadata group) {
    Producer<byte[], byte[]> p = producer();
    p.beginTransaction();
    p.send(new ProducerRecord<>(topics.laneBatches(), key(record.id()), record.encode(results.mapper())));
    p.sendOffsetsToTransaction(Map.of(lane, new OffsetAndMetadata(record.to() + 1)), group);
    p.commitTransaction();
  }

  /** Ends the jobs of a batch the API refused as errored, with the lane offsets past them. */
  void refused(List<LaneEntry> entries, long to, int status, String message, Instant now, ConsumerGroupMetadata group) {
    Producer<byte[], byte[]> p = producer();
    p.beginTransaction();
    for (LaneEntry e : entries) {
      JobResult result = results.refused(e, status, message, now);
      p.send(results.replyRecord(e, result));
      p.send(results.usageRecord(e, result));
    }
    p.sendOffsetsToTransaction(Map.of(lane, new OffsetAndMetadata(to + 1)), group);
    p.commitTransaction();
  }

  /**
   * Publishes the result and usage record of every entry of ended batch {@code b} and the
   * tombstone of its record; then counts the spend.
   *
   * @param answers each lane offset's batch result (missing ones end errored)
   */
  void published(BatchRecord b, Map<Long, LaneEntry> entries, Map<Long, JsonNode> answers, Instant now) {
    Producer<byte[], byte[]> p = producer();
    p.beginTransaction();
    Map<LaneEntry, JobResult> done = new java.util.LinkedHashMap<>();
    for (Map.Entry<Long, LaneEntry> e : entries.entrySet()) {
      JobResult result = results.result(e.getValue(), answers.get(e.getKey()), b.submittedAt(), now);
      if (results.goesBack(e.getValue(), result, now)) {
        p.send(results.backToJobs(e.getValue()));  // its policy's next route, the synchronous API
        continue;
      }
      p.send(results.replyRecord(e.getValue(), result));
      p.send(results.usageRecord(e.getValue(), result));
      done.put(e.getValue(), result);
    }
    p.send(new ProducerRecord<>(topics.laneBatches(), key(b.id()), null));
    p.commitTransaction();
    done.forEach((entry, result) -> {
      if (result.apiCostUsd() > 0) {
        spend.record(result.apiCostUsd(), entry.job().batch());
      }
    });
  }

  private Producer<byte[], byte[]> producer() {
    if (producer == null) {
      producer = producers.get();
      producer.initTransactions();
    }
    return producer;
  }

  private static byte[] key(String batchId) {
    return batchId.getBytes(StandardCharsets.UTF_8);
  }

  /** Drops the producer (after a failure, or when the lane goes to another worker). */
  @Override
  public void close() {
    if (producer != null) {
      try {
        producer.close(Duration.ofSeconds(5));
      } catch (RuntimeException e) {
        log.debug("batch lane: closing the producer: {}", e.toString());
      }
      producer = null;
    }
  }
}
