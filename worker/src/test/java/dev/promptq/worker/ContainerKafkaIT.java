package dev.promptq.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.promptq.config.Secret;
import dev.promptq.job.Job;
import dev.promptq.job.JobResult;
import dev.promptq.job.Outcome;
import dev.promptq.job.Route;
import dev.promptq.kafka.Topics;
import dev.promptq.producer.ClientConfig;
import dev.promptq.producer.PromptQClient;
import dev.promptq.testkit.sim.AnthropicSimulator;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.promptq.job.JobCodec;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.kafka.KafkaContainer;

/**
 * The pipeline against Apache Kafka's official image, for machines with a Docker engine. Skipped
 * where there is none (the suite never depends on Docker; the embedded broker covers the rest).
 */
@Testcontainers(disabledWithoutDocker = true)
class ContainerKafkaIT {

  @Container
  static final KafkaContainer KAFKA = new KafkaContainer("apache/kafka:4.1.0");

  @Test
  void aJobIsAnsweredThroughAContainerBroker() {
    Secret token = Secret.of("sk-ant-oat01-container-test");
    try (AnthropicSimulator sim = AnthropicSimulator.builder().oauthToken(token).build().start()) {
      Topics topics = Topics.withPrefix("container");
      try (Worker worker = Worker.start(WorkerConfig.builder(KAFKA.getBootstrapServers()).topics(topics)
              .anthropicBaseUrl(sim.baseUrl())
              .credentials(new dev.promptq.worker.credentials.Credentials(java.util.Optional.of(token), java.util.Optional.empty()))
              .build());
          PromptQClient client = PromptQClient.create(ClientConfig.of(KAFKA.getBootstrapServers()).withTopics(topics))) {
        ObjectNode request = new JobCodec().mapper().createObjectNode().put("model", "m").put("max_tokens", 10);
        request.putArray("messages").addObject().put("role", "user").put("content", "hi");
        JobResult r = client.submitAndAwait(Job.of("c1", request), Duration.ofMinutes(1)).join();
        assertEquals(Outcome.SUCCEEDED, r.outcome());
        assertEquals(Route.SUBSCRIPTION, r.route());
      }
    }
  }
}
