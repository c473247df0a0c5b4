package dev.promptq.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.promptq.job.Job;
import dev.promptq.producer.ClientConfig;
import dev.promptq.producer.PromptQClient;
import dev.promptq.testkit.junit.SharedKafka;
import dev.promptq.testkit.kafka.ConfigProbe;
import dev.promptq.testkit.kafka.EmbeddedKafka;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Kafka security settings (TLS, SASL: any {@code kafka.*} setting) reach every Kafka client the
 * worker and the producer library create. A {@link ConfigProbe} records each client's settings.
 */
@ExtendWith(SharedKafka.class)
class KafkaSettingsIT {

  @Test
  void kafkaSettingsReachEveryClientOfTheWorkerAndTheProducer(EmbeddedKafka kafka) {
    String probe = "probe-" + UUID.randomUUID();
    Map<String, Object> settings = Map.of(
        "security.protocol", "PLAINTEXT",  // what SASL_SSL would be set through; the test broker is plain
        "ssl.endpoint.identification.algorithm", "https",
        "metric.reporters", ConfigProbe.class.getName(),
        ConfigProbe.NAME, probe);
    try (TestPipeline p = new TestPipeline(kafka);
        PromptQClient client = PromptQClient.create(new ClientConfig(kafka.bootstrapServers(), p.topics, 6, settings))) {
      p.startWorker(p.workerConfig("w").kafkaProperties(settings).build());
      assertTrue(client.submitAndAwait(Job.of("probed", p.request("hi")), Duration.ofSeconds(60)).join().succeeded());

      List<Map<String, Object>> clients = ConfigProbe.clients(probe);
      Set<String> ids = new TreeSet<>();
      for (Map<String, Object> c : clients) {
        assertEquals("PLAINTEXT", c.get("security.protocol"), c.get("client.id") + " got the security settings");
        assertEquals("https", c.get("ssl.endpoint.identification.algorithm"));
        ids.add(String.valueOf(c.get("client.id")));
      }
      System.out.println("kafka.* settings reached " + clients.size() + " clients: " + ids);
      // Worker: jobs consumer, transactional producer, admin, control consumer and producer.
      // Client: producer and the reply listener's consumer.
      assertTrue(clients.size() >= 7, "clients: " + ids);
      assertTrue(ids.contains("promptq-worker-w"), ids.toString());
      assertTrue(ids.contains("promptq-control-w"), ids.toString());
    }
  }
}
