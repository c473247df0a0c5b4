package dev.promptq.producer;

import dev.promptq.kafka.GatewaySeal;
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
 * @param interactive whether its jobs go to the interactive lane ({@code Topics.interactive()}), which
 *     workers serve first, for callers who wait; else to the jobs topic
 * @param seal the gateway's seal on every job, or null: a gateway's own client sets it, so that
 *     workers answer into the gateway's reply topics
 */
public record ClientConfig(String bootstrapServers, Topics topics, int jobPartitions, Map<String, Object> kafkaProperties,
    boolean interactive, GatewaySeal seal) {

  public static final int DEFAULT_JOB_PARTITIONS = 12;

  public ClientConfig {
    Objects.requireNonNull(bootstrapServers, "bootstrapServers");
    Objects.requireNonNull(topics, "topics");
    if (jobPartitions < 1) {
      throw new IllegalArgumentException("jobs.partitions < 1: " + jobPartitions);
    }
    kafkaProperties = Map.copyOf(kafkaProperties);
  }

  /** Jobs to the jobs topic. */
  public ClientConfig(String bootstrapServers, Topics topics, int jobPartitions, Map<String, Object> kafkaProperties) {
    this(bootstrapServers, topics, jobPartitions, kafkaProperties, false, null);
  }

  /** Default topics and partitions, no extra Kafka settings. */
  public static ClientConfig of(String bootstrapServers) {
    return new ClientConfig(bootstrapServers, Topics.defaults(), DEFAULT_JOB_PARTITIONS, Map.of());
  }

  public ClientConfig withTopics(Topics t) {
    return new ClientConfig(bootstrapServers, t, jobPartitions, kafkaProperties, interactive, seal);
  }

  public ClientConfig withKafkaProperties(Map<String, Object> p) {
    return new ClientConfig(bootstrapServers, topics, jobPartitions, p, interactive, seal);
  }

  /** Jobs go to the interactive lane: for callers who wait for each answer. */
  public ClientConfig interactiveLane() {
    return new ClientConfig(bootstrapServers, topics, jobPartitions, kafkaProperties, true, seal);
  }

  /** Every job carries the gateway's seal (see {@link GatewaySeal}); for the gateway's own client. */
  public ClientConfig sealedWith(GatewaySeal s) {
    return new ClientConfig(bootstrapServers, topics, jobPartitions, kafkaProperties, interactive, s);
  }
}
