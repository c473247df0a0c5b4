package dev.promptq.testkit.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/** Reads a whole topic as a {@code read_committed} consumer would, for test assertions. */
public final class TopicReader {
  private TopicReader() {}

  /**
   * Reads {@code topic} from the beginning until it holds at least {@code expected} records and
   * then until {@code quiet} passes without a new one (so duplicates would show), or until
   * {@code timeout}.
   */
  public static List<ConsumerRecord<byte[], byte[]>> readAll(String bootstrapServers, String topic, int expected,
      Duration quiet, Duration timeout) {
    List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(
        Map.of("bootstrap.servers", bootstrapServers, "isolation.level", "read_committed"),
        new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> parts = c.partitionsFor(topic, Duration.ofSeconds(30)).stream()
          .map(p -> new TopicPartition(topic, p.partition())).toList();
      c.assign(parts);
      c.seekToBeginning(parts);
      long giveUp = System.nanoTime() + timeout.toNanos();
      long quietSince = System.nanoTime();
      while (System.nanoTime() < giveUp) {
        ConsumerRecords<byte[], byte[]> records = c.poll(Duration.ofMillis(200));
        records.forEach(out::add);
        if (!records.isEmpty()) {
          quietSince = System.nanoTime();
        } else if (out.size() >= expected && System.nanoTime() - quietSince > quiet.toNanos()) {
          break;
        }
      }
    }
    return out;
  }
}
