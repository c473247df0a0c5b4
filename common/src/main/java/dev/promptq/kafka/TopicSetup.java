package dev.promptq.kafka;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * Creates promptq's topics when missing and waits until every partition answers.
 *
 * <p>Waiting matters: producing right after topic creation can lose records while partition
 * leaders are elected (KAFKA-15591), so {@link #ensure} returns only once every partition's
 * leader answers a {@code ListOffsets} request.
 */
public final class TopicSetup {
  /** How long the usage topic keeps its records: a year and a month, for a report over a year. */
  public static final java.time.Duration USAGE_RETENTION = java.time.Duration.ofDays(400);

  /**
   * What to create.
   *
   * @param jobPartitions partitions of the jobs topic (the unit of scaling)
   * @param replicationFactor replication factor for new topics; -1 means the broker's default
   */
  public record Spec(int jobPartitions, short replicationFactor) {
    public Spec {
      if (jobPartitions < 1) {
        throw new IllegalArgumentException("jobPartitions < 1: " + jobPartitions);
      }
    }

    public static Spec defaults() {
      return new Spec(12, (short) -1);
    }
  }

  private TopicSetup() {}

  /** How long the batch lane keeps its records: beyond a batch's 24 hours and its results' 29 days. */
  public static final java.time.Duration LANE_RETENTION = java.time.Duration.ofDays(31);

  /**
   * Creates the jobs, results, dead-letter, control, usage and batch-lane topics if missing, then
   * waits for them.
   */
  public static void ensure(Admin admin, Topics topics, Spec spec, Duration timeout) {
    List<NewTopic> wanted = List.of(
        newTopic(topics.jobs(), spec.jobPartitions(), spec),
        newTopic(topics.interactive(), spec.jobPartitions(), spec),
        newTopic(topics.results(), spec.jobPartitions(), spec),
        newTopic(topics.deadLetters(), 1, spec),
        newTopic(topics.control(), 1, spec)
            .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)),
        newTopic(topics.usage(), Math.min(spec.jobPartitions(), 6), spec)
            .configs(Map.of(TopicConfig.RETENTION_MS_CONFIG, Long.toString(USAGE_RETENTION.toMillis()))),
        newTopic(topics.lane(), 1, spec)
            .configs(Map.of(TopicConfig.RETENTION_MS_CONFIG, Long.toString(LANE_RETENTION.toMillis()))),
        newTopic(topics.laneBatches(), 1, spec)
            .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)));
    ensure(admin, wanted, timeout);
  }

  /** Creates {@code topics} where missing (existing ones are left as they are), then waits for them. */
  public static void ensure(Admin admin, List<NewTopic> topics, Duration timeout) {
    try {
      Set<String> existing = admin.listTopics().names().get();
      List<NewTopic> missing = new ArrayList<>();
      for (NewTopic t : topics) {
        if (!existing.contains(t.name())) {
          missing.add(t);
        }
      }
      if (!missing.isEmpty()) {
        try {
          admin.createTopics(missing).all().get();
        } catch (ExecutionException e) {
          if (!(e.getCause() instanceof TopicExistsException)) {
            throw e;
          }
        }
      }
      awaitLeaders(admin, topics.stream().map(NewTopic::name).toList(), timeout);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while creating topics", e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("cannot create topics: " + e.getCause().getMessage(), e.getCause());
    }
  }

  private static void awaitLeaders(Admin admin, List<String> names, Duration timeout)
      throws InterruptedException {
    Instant giveUp = Instant.now().plus(timeout);
    Exception last = null;
    while (Instant.now().isBefore(giveUp)) {
      try {
        Map<String, TopicDescription> described = admin.describeTopics(names).allTopicNames().get();
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        described.values().forEach(d -> d.partitions().forEach(
            p -> request.put(new TopicPartition(d.name(), p.partition()), OffsetSpec.latest())));
        admin.listOffsets(request).all().get();
        return;
      } catch (ExecutionException e) {
        last = e;
        Thread.sleep(100); // polling the broker's metadata; there is no event to wait on
      }
    }
    throw new IllegalStateException("topics " + names + " not ready after " + timeout, last);
  }

  private static NewTopic newTopic(String name, int partitions, Spec spec) {
    return new NewTopic(name, java.util.Optional.of(partitions),
        spec.replicationFactor() < 0 ? java.util.Optional.empty() : java.util.Optional.of(spec.replicationFactor()));
  }
}
