package dev.promptq.worker.consume;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * Checks that a job's reply destination exists before the job runs, so that a job naming a
 * missing topic or partition becomes a dead letter instead of a paid call whose result cannot be
 * delivered (and a producer blocked on metadata for a topic that never appears).
 *
 * <p>Existing topics are cached for the worker's life; missing ones for {@link #MISSING_TTL}, so
 * a topic created later is seen. Not thread-safe: used by the loop's thread only.
 */
final class ReplyDestinations {
  static final Duration MISSING_TTL = Duration.ofSeconds(10);

  private final Admin admin;
  private final Clock clock;
  private final Map<String, Integer> partitions = new HashMap<>();
  private final Map<String, Instant> missingUntil = new HashMap<>();

  ReplyDestinations(Admin admin, Clock clock) {
    this.admin = admin;
    this.clock = clock;
  }

  /** Why {@code topic} (and {@code partition}, if not null) cannot take a result, or empty if it can. */
  Optional<String> problem(String topic, Integer partition) {
    Integer count = partitions.get(topic);
    if (count == null) {
      Instant until = missingUntil.get(topic);
      if (until != null && clock.instant().isBefore(until)) {
        return Optional.of("reply topic " + topic + " does not exist");
      }
      count = describe(topic);
      if (count == null) {
        missingUntil.put(topic, clock.instant().plus(MISSING_TTL));
        return Optional.of("reply topic " + topic + " does not exist");
      }
      missingUntil.remove(topic);
      partitions.put(topic, count);
    }
    if (partition != null && (partition < 0 || partition >= count)) {
      return Optional.of("reply partition " + partition + " is not in " + topic + " (partitions 0-" + (count - 1) + ")");
    }
    return Optional.empty();
  }

  /** The partition count of {@code topic}, or null if it does not exist. */
  private Integer describe(String topic) {
    try {
      Map<String, TopicDescription> d = admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS);
      return d.get(topic).partitions().size();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof UnknownTopicOrPartitionException) {
        return null;
      }
      throw new IllegalStateException("cannot describe reply topic " + topic + ": " + e.getCause().getMessage(), e.getCause());
    } catch (TimeoutException e) {
      throw new IllegalStateException("cannot describe reply topic " + topic + ": timed out", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while describing reply topic " + topic, e);
    }
  }
}
