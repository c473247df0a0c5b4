package dev.promptq.testkit.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import dev.promptq.kafka.TopicSetup;

class EmbeddedKafkaTest {

  @Test
  void keepsRecordsAcrossARestartOnTheSameDataDirectory(@TempDir Path dir) throws Exception {
    Path data = dir.resolve("kafka");
    try (EmbeddedKafka kafka = EmbeddedKafka.builder().dataDir(data).build().start()) {
      try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
        TopicSetup.ensure(admin, List.of(new NewTopic("kept", Optional.of(1), Optional.empty())), Duration.ofSeconds(30));
      }
      try (KafkaProducer<String, String> p = new KafkaProducer<>(Map.of("bootstrap.servers", kafka.bootstrapServers()),
          new StringSerializer(), new StringSerializer())) {
        for (int i = 0; i < 10; i++) {
          p.send(new ProducerRecord<>("kept", "k" + i, "v" + i)).get();
        }
      }
    }

    try (EmbeddedKafka kafka = EmbeddedKafka.builder().dataDir(data).build().start();
        KafkaConsumer<String, String> c = new KafkaConsumer<>(Map.of("bootstrap.servers", kafka.bootstrapServers()),
            new StringDeserializer(), new StringDeserializer())) {
      TopicPartition tp = new TopicPartition("kept", 0);
      c.assign(List.of(tp));
      c.seekToBeginning(List.of(tp));
      List<String> values = new ArrayList<>();
      long giveUp = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (values.size() < 10 && System.nanoTime() < giveUp) {
        for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) {
          values.add(r.value());
        }
      }
      assertEquals(List.of("v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8", "v9"), values);
    }
    assertEquals(true, data.resolve("log").resolve("meta.properties").toFile().exists());
  }
}
