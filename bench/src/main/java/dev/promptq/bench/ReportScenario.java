package dev.promptq.bench;

import dev.promptq.kafka.TopicSetup;
import dev.promptq.kafka.Topics;
import dev.promptq.report.Grouping;
import dev.promptq.report.Ledger;
import dev.promptq.report.Plan;
import dev.promptq.report.SyntheticUsage;
import dev.promptq.report.UsageReader;
import dev.promptq.report.UsageReport;
import dev.promptq.usage.PriceTable;
import dev.promptq.usage.UsageCodec;
import dev.promptq.job.JobCodec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * How fast {@code promptq report} reads the usage topic: a synthetic month of usage records
 * ({@link SyntheticUsage}) on the embedded broker, read once by a plain consumer that only counts
 * the bytes (the baseline: what Kafka delivers) and once by the report's reader and ledger.
 */
final class ReportScenario {
  private final String bootstrapServers;

  /** The figures of one run and the report it made. */
  record Result(long records, long bytes, double writeSeconds, double plainSeconds, double reportSeconds,
      UsageReport report, String topic) {}

  ReportScenario(String bootstrapServers) {
    this.bootstrapServers = bootstrapServers;
  }

  Result run(int records, Instant now) throws Exception {
    Topics topics = Topics.withPrefix("bench-report-" + UUID.randomUUID().toString().substring(0, 8));
    try (Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", bootstrapServers))) {
      TopicSetup.ensure(admin, topics, new TopicSetup.Spec(6, (short) 1), Duration.ofSeconds(30));
    }
    Instant start = now.truncatedTo(ChronoUnit.DAYS).minus(Duration.ofDays(30));
    UsageCodec codec = new UsageCodec(JobCodec.newMapper());
    long[] bytes = {0};
    long t0 = System.nanoTime();
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrapServers,
        "linger.ms", 20, "batch.size", 512 * 1024), new ByteArraySerializer(), new ByteArraySerializer())) {
      SyntheticUsage.generate(start, 30, Math.max(1, records / 30), 1, SyntheticUsage.MODELS, r -> {
        byte[] value = codec.encode(r);
        bytes[0] += value.length;
        producer.send(new ProducerRecord<>(topics.usage(), null, r.finishedAt().toEpochMilli(),
            r.id().getBytes(StandardCharsets.UTF_8), value));
      });
      producer.flush();
    }
    double write = (System.nanoTime() - t0) / 1e9;
    Map<String, Object> props = UsageReader.consumerProperties(Map.of("bootstrap.servers", bootstrapServers),
        "bench-report");

    long t1 = System.nanoTime();
    long plain = plainRead(props, topics.usage());
    double plainSeconds = (System.nanoTime() - t1) / 1e9;

    long t2 = System.nanoTime();
    Ledger ledger = new Ledger(PriceTable.defaults(), Grouping.WEEK, start, now);
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
        new ByteArrayDeserializer())) {
      new UsageReader(consumer, codec).read(topics.usage(), start, now, ledger, UsageReader.Progress.NONE);
    }
    UsageReport report = ledger.report(new Plan(200.0, Plan.DEFAULT_ENTERPRISE_FACTOR), now);
    double reportSeconds = (System.nanoTime() - t2) / 1e9;
    if (plain != report.records()) {
      throw new IllegalStateException("the plain read saw " + plain + " records, the report " + report.records());
    }
    return new Result(plain, bytes[0], write, plainSeconds, reportSeconds, report, topics.usage());
  }

  /** Reads every record of {@code topic} from the start to the end offsets; returns how many, decoding nothing. */
  private static long plainRead(Map<String, Object> props, String topic) {
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
        new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = c.partitionsFor(topic).stream()
          .map(p -> new TopicPartition(topic, p.partition())).toList();
      c.assign(partitions);
      c.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = c.endOffsets(partitions);
      long n = 0;
      while (partitions.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
        ConsumerRecords<byte[], byte[]> batch = c.poll(Duration.ofMillis(500));
        n += batch.count();
      }
      return n;
    }
  }
}
