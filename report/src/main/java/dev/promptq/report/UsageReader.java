package dev.promptq.report;

import dev.promptq.usage.UsageCodec;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;

/**
 * Reads the usage topic for a period into a {@link Ledger}: from the offsets the broker's time
 * index gives for the period's start to those of its end (each with a margin, as a record's
 * timestamp is when its job finished, a little before it was written), or to the end offsets taken
 * when reading starts, whichever comes first. Needs a {@code read_committed} consumer that belongs
 * to no group; the caller owns it.
 */
public final class UsageReader {
  /** Records are written within this of their timestamp (a job finishes, then its transaction commits). */
  static final Duration MARGIN = Duration.ofMinutes(10);

  /** How far reading has come. */
  public interface Progress {
    /** Nobody watches. */
    Progress NONE = new Progress() {
      @Override
      public void total(long records) {
      }

      @Override
      public void read(long records) {
      }
    };

    void total(long records);

    void read(long records);
  }

  private final Consumer<byte[], byte[]> consumer;
  private final UsageCodec codec;

  /**
   * The consumer settings the reader needs on top of the connection's ({@code base}): no group,
   * {@code read_committed}, large fetches, and no topic created by asking for it.
   */
  public static Map<String, Object> consumerProperties(Map<String, Object> base, String clientId) {
    Map<String, Object> props = new HashMap<>(base);
    props.put("client.id", clientId);
    props.put("isolation.level", "read_committed");
    props.put("allow.auto.create.topics", false);
    props.put("max.poll.records", 20_000);
    props.put("fetch.max.bytes", 64 * 1024 * 1024);
    props.put("max.partition.fetch.bytes", 16 * 1024 * 1024);
    return props;
  }

  public UsageReader(Consumer<byte[], byte[]> consumer, UsageCodec codec) {
    this.consumer = consumer;
    this.codec = codec;
  }

  /**
   * Reads the records of {@code topic} that may fall in {@code [from, to)} into {@code ledger}.
   *
   * @return the records read (in the period or not)
   * @throws IllegalStateException when the topic does not exist
   */
  public long read(String topic, Instant from, Instant to, Ledger ledger, Progress progress) {
    List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(30));
    if (infos == null || infos.isEmpty()) {
      throw new IllegalStateException("topic " + topic + " does not exist: workers create it when they start "
          + "(promptq 0.1 workers from December 2026 on); jobs finished before have no usage records");
    }
    List<TopicPartition> partitions = infos.stream().map(p -> new TopicPartition(topic, p.partition())).toList();
    consumer.assign(partitions);
    Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
    // no record at or after the start: nothing to read there
    Map<TopicPartition, Long> start = offsetsAt(partitions, from.minus(MARGIN), ends);
    Map<TopicPartition, Long> stop = offsetsAt(partitions, to.plus(MARGIN), ends);
    long total = 0;
    for (TopicPartition tp : partitions) {
      stop.put(tp, Math.min(stop.get(tp), ends.get(tp)));
      total += Math.max(0, stop.get(tp) - start.get(tp));
      consumer.seek(tp, start.get(tp));
    }
    progress.total(total);
    Map<TopicPartition, Long> open = new HashMap<>();
    stop.forEach((tp, end) -> {
      if (start.get(tp) < end) {
        open.put(tp, end);
      }
    });
    consumer.pause(partitions.stream().filter(tp -> !open.containsKey(tp)).toList());
    long read = 0;
    while (!open.isEmpty()) {
      ConsumerRecords<byte[], byte[]> batch = consumer.poll(Duration.ofMillis(500));
      for (ConsumerRecord<byte[], byte[]> r : batch) {
        Long end = open.get(new TopicPartition(r.topic(), r.partition()));
        if (end == null || r.offset() >= end) {
          continue;
        }
        read++;
        try {
          ledger.add(codec.decode(r.value()));
        } catch (IllegalArgumentException e) {
          ledger.skipped();
        }
      }
      progress.read(read);
      for (TopicPartition tp : List.copyOf(open.keySet())) {
        if (consumer.position(tp) >= open.get(tp)) {
          open.remove(tp);
          consumer.pause(List.of(tp));
        }
      }
    }
    return read;
  }

  private Map<TopicPartition, Long> offsetsAt(List<TopicPartition> partitions, Instant at,
      Map<TopicPartition, Long> otherwise) {
    Map<TopicPartition, Long> query = new HashMap<>();
    partitions.forEach(tp -> query.put(tp, Math.max(0, at.toEpochMilli())));
    Map<TopicPartition, OffsetAndTimestamp> found = consumer.offsetsForTimes(query);
    Map<TopicPartition, Long> offsets = new HashMap<>();
    for (TopicPartition tp : partitions) {
      OffsetAndTimestamp o = found.get(tp);
      offsets.put(tp, o == null ? otherwise.get(tp) : o.offset());
    }
    return offsets;
  }
}
