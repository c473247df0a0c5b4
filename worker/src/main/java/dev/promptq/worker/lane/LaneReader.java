package dev.promptq.worker.lane;

import dev.promptq.job.JobCodec;
import dev.promptq.kafka.Topics;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;

/**
 * Reads what the lane owner needs back from Kafka, with a group-less {@code read_committed}
 * consumer: the open batches (the batches topic, end to end) and the lane records of a batch.
 * Used on the owner's thread only.
 */
final class LaneReader implements AutoCloseable {
  private static final Duration POLL = Duration.ofMillis(200);
  private static final Duration GIVE_UP = Duration.ofSeconds(60);

  private final Consumer<byte[], byte[]> consumer;
  private final JobCodec codec;
  private final TopicPartition lane;
  private final TopicPartition batches;

  LaneReader(Consumer<byte[], byte[]> consumer, Topics topics, JobCodec codec) {
    this.consumer = consumer;
    this.codec = codec;
    this.lane = new TopicPartition(topics.lane(), 0);
    this.batches = new TopicPartition(topics.laneBatches(), 0);
  }

  /** The batches recorded and not yet published, by id, oldest first. */
  Map<String, BatchRecord> openBatches() {
    Map<String, BatchRecord> open = new LinkedHashMap<>();
    consumer.assign(List.of(batches));
    consumer.seekToBeginning(List.of(batches));
    long end = consumer.endOffsets(List.of(batches)).get(batches);
    Instant giveUp = Instant.now().plus(GIVE_UP);
    while (consumer.position(batches) < end) {
      for (ConsumerRecord<byte[], byte[]> r : consumer.poll(POLL)) {
        String id = new String(r.key(), java.nio.charset.StandardCharsets.UTF_8);
        if (r.value() == null) {
          open.remove(id);
        } else {
          BatchRecord.decode(codec.mapper(), r.value()).ifPresent(b -> open.put(id, b));
        }
      }
      requireBefore(giveUp, "the lane's batches topic");
    }
    return open;
  }

  /** The lane entries at offsets {@code from}..{@code to} (inclusive), by offset. */
  Map<Long, LaneEntry> range(long from, long to) {
    Map<Long, LaneEntry> out = new LinkedHashMap<>();
    consumer.assign(List.of(lane));
    consumer.seek(lane, from);
    long end = Math.min(to + 1, consumer.endOffsets(List.of(lane)).get(lane));
    Instant giveUp = Instant.now().plus(GIVE_UP);
    while (consumer.position(lane) < end) {
      for (ConsumerRecord<byte[], byte[]> r : consumer.poll(POLL)) {
        if (r.offset() <= to) {
          LaneEntry.decode(codec, r.value()).ifPresent(e -> out.put(r.offset(), e));
        }
      }
      requireBefore(giveUp, "the lane topic");
    }
    return out;
  }

  private static void requireBefore(Instant giveUp, String what) {
    if (Instant.now().isAfter(giveUp)) {
      throw new KafkaException("could not read " + what + " within " + GIVE_UP);
    }
  }

  @Override
  public void close() {
    consumer.close(Duration.ofSeconds(5));
  }
}
