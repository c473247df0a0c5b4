package dev.promptq.producer;

import dev.promptq.kafka.Topics;
import java.util.Map;
import java.util.Objects;

/**
 * Settings of a {@link PromptQClient}.
 *
 * @param bootstrapServers Kafka brokers
 * @param topics the deployment's topics (default prefix {@code promptq})
 * @param jobPartitions partitions when the client has to create the jobs or results topic (default 12)
 * @param kafkaProperties extra Kafka client settings (security, tuning) for every client it makes
 */
public record ClientConfig(String bootstrapServers, Topics topics, int jobPartitions, Map<String, Object> kafkaProperties) {

  public static final int DEFAULT_JOB_PARTITIONS = 12;

  public ClientConfig {
    Objects.requireNonNull(bootstrapServers, "bootstrapServers");
    Objects.requireNonNull(topics, "topics");
    if (jobPartitions < 1) {
      throw new IllegalArgumentException("jobs.partitions < 1: " + jobPartitions);
    }
    kafkaProperties = Map.copyOf(kafkaProperties);
  }

  /** Default topics and partitions, no extra Kafka settings. */
  public static ClientConfig of(String bootstrapServers) {
    return new ClientConfig(bootstrapServers, Topics.defaults(), DEFAULT_JOB_PARTITIONS, Map.of());
  }

  public ClientConfig withTopics(Topics t) {
    return new ClientConfig(bootstrapServers, t, jobPartitions, kafkaProperties);
  }

  public ClientConfig withKafkaProperties(Map<String, Object> p) {
    return new ClientConfig(bootstrapServers, topics, jobPartitions, p);
  }
}
