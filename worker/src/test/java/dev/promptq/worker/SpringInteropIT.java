package dev.promptq.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.promptq.job.Job;
import dev.promptq.job.JobResult;
import dev.promptq.job.Outcome;
import dev.promptq.job.Route;
import dev.promptq.kafka.ReplyHeaders;
import dev.promptq.testkit.junit.SharedKafka;
import dev.promptq.testkit.kafka.EmbeddedKafka;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.kafka.core.DefaultKafkaConsumerFactory;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.listener.ContainerProperties;
import org.springframework.kafka.listener.KafkaMessageListenerContainer;
import org.springframework.kafka.requestreply.ReplyingKafkaTemplate;
import org.springframework.kafka.requestreply.RequestReplyFuture;
import org.springframework.kafka.support.KafkaHeaders;

/**
 * A Spring for Apache Kafka {@code ReplyingKafkaTemplate} is a promptq client with no promptq code:
 * it sends a job with its correlation id and reply topic, and receives the worker's result.
 */
@ExtendWith(SharedKafka.class)
class SpringInteropIT {

  @Test
  void aReplyingKafkaTemplateSendsAJobAndReceivesItsResult(EmbeddedKafka kafka) throws Exception {
    try (TestPipeline p = new TestPipeline(kafka)) {
      p.startWorker("w");
      p.awaitGroupFormed();
      String replies = p.topics.results();
      DefaultKafkaProducerFactory<String, byte[]> producers = new DefaultKafkaProducerFactory<>(Map.of(
          ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()),
          new StringSerializer(), new ByteArraySerializer());
      DefaultKafkaConsumerFactory<String, byte[]> consumers = new DefaultKafkaConsumerFactory<>(Map.of(
          ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
          ConsumerConfig.GROUP_ID_CONFIG, "spring-client-" + UUID.randomUUID(),
          ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest",
          ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
          new StringDeserializer(), new ByteArrayDeserializer());
      KafkaMessageListenerContainer<String, byte[]> container =
          new KafkaMessageListenerContainer<>(consumers, new ContainerProperties(replies));
      ReplyingKafkaTemplate<String, byte[], byte[]> template = new ReplyingKafkaTemplate<>(producers, container);
      template.setDefaultReplyTimeout(Duration.ofSeconds(60));
      template.start();
      try {
        template.waitForAssignment(Duration.ofSeconds(30));
        Job job = Job.of("from-spring", p.request("hello from Spring"));
        ProducerRecord<String, byte[]> request = new ProducerRecord<>(p.topics.jobs(), job.id(), p.codec.encodeJob(job));
        request.headers().add(KafkaHeaders.REPLY_TOPIC, replies.getBytes(StandardCharsets.UTF_8));

        RequestReplyFuture<String, byte[], byte[]> future = template.sendAndReceive(request);
        ConsumerRecord<String, byte[]> reply = future.get(60, TimeUnit.SECONDS);

        JobResult result = p.codec.decodeResult(reply.value());
        assertEquals("from-spring", result.id());
        assertEquals(Outcome.SUCCEEDED, result.outcome());
        assertEquals(Route.SUBSCRIPTION, result.route());
        assertEquals("succeeded", ReplyHeaders.text(reply.headers(), ReplyHeaders.OUTCOME));
      } finally {
        template.stop();
        producers.destroy();
      }
    }
  }
}
