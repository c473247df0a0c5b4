package dev.promptq.worker.consume;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * Checks that a job's reply destination exists before the job runs, so that a job naming a
 * missing topic or partition becomes a dead letter instead of a paid call whose result cannot be
 * delivered.
 *
 * <p>The check never blocks the polling thread: a topic not seen before is described
 * asynchronously (one request per name however many jobs ask), and any failure of the check (a
 * time-out, an authorisation error) ends that job as a dead letter naming it. Existing topics are
 * remembered (at most {@link #MAX_KNOWN}, least recently used first out), missing ones for
 * {@link #MISSING_TTL} (at most {@link #MAX_MISSING}), so names invented by jobs cannot grow
 * memory. A topic whose results Kafka refuses later is forgotten ({@link #forget}). Thread-safe.
 */
final class ReplyDestinations {
  static final Duration MISSING_TTL = Duration.ofSeconds(10);
  static final int MAX_KNOWN = 10_000;
  static final int MAX_MISSING = 1_000;
  static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(15);

  /** Describes a topic: its partition count, or completes exceptionally (unknown topic, time-out, ...). */
  @FunctionalInterface
  interface Describer {
    CompletableFuture<Integer> partitions(String topic);
  }

  private final Describer describer;
  private final Clock clock;
  private final Duration timeout;
  private final Map<String, Integer> known = lru(MAX_KNOWN);
  private final Map<String, Instant> missingUntil = lru(MAX_MISSING);
  private final Map<String, CompletableFuture<Integer>> describing = new HashMap<>();

  ReplyDestinations(Describer describer, Clock clock, Duration timeout) {
    this.describer = describer;
    this.clock = clock;
    this.timeout = timeout;
  }

  /** Checks with {@code admin}; its futures complete on the admin client's thread. */
  static ReplyDestinations of(Admin admin, Clock clock) {
    Duration timeout = DEFAULT_TIMEOUT;
    return new ReplyDestinations(topic -> admin.describeTopics(List.of(topic),
            new DescribeTopicsOptions().timeoutMs((int) timeout.toMillis()))
        .topicNameValues().get(topic).toCompletionStage().toCompletableFuture()
        .thenApply(d -> d.partitions().size()), clock, timeout);
  }

  private static <V> Map<String, V> lru(int max) {
    return new LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, V> eldest) {
        return size() > max;
      }
    };
  }

  /**
   * Why {@code topic} (and {@code partition}, if not null) cannot take a result, or empty if it
   * can. Completes at once for a topic seen before.
   */
  CompletableFuture<Optional<String>> problem(String topic, Integer partition) {
    CompletableFuture<Integer> count;
    synchronized (this) {
      Integer known = this.known.get(topic);
      if (known != null) {
        return CompletableFuture.completedFuture(partitionProblem(topic, partition, known));
      }
      Instant until = missingUntil.get(topic);
      if (until != null && clock.instant().isBefore(until)) {
        return CompletableFuture.completedFuture(Optional.of("reply topic " + topic + " does not exist"));
      }
      count = describing.get(topic);
      if (count == null) {
        count = describe(topic);
        describing.put(topic, count);
      }
    }
    return count.handle((n, error) -> {
      synchronized (this) {
        describing.remove(topic);
        if (error == null) {
          known.put(topic, n);
          missingUntil.remove(topic);
          return partitionProblem(topic, partition, n);
        }
        Throwable cause = unwrap(error);
        if (cause instanceof UnknownTopicOrPartitionException) {
          missingUntil.put(topic, clock.instant().plus(MISSING_TTL));
          return Optional.of("reply topic " + topic + " does not exist");
        }
        if (cause instanceof AuthorizationException) {
          missingUntil.put(topic, clock.instant().plus(MISSING_TTL));
          return Optional.of("reply topic " + topic + " could not be checked: the worker may not describe it ("
              + cause.getClass().getSimpleName() + ")");
        }
        return Optional.of("reply topic " + topic + " could not be checked (" + cause.getClass().getSimpleName()
            + "); the job was not run");
      }
    });
  }

  private CompletableFuture<Integer> describe(String topic) {
    try {
      return describer.partitions(topic).orTimeout(timeout.toMillis() + 1_000, TimeUnit.MILLISECONDS);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** Forgets what is known of {@code topic}: Kafka refused a result for it. */
  synchronized void forget(String topic) {
    known.remove(topic);
  }

  /** Names remembered now, existing and missing (for tests). */
  synchronized int remembered() {
    return known.size() + missingUntil.size();
  }

  private static Optional<String> partitionProblem(String topic, Integer partition, int count) {
    if (partition != null && (partition < 0 || partition >= count)) {
      return Optional.of("reply partition " + partition + " is not in " + topic + " (partitions 0-" + (count - 1) + ")");
    }
    return Optional.empty();
  }

  private static Throwable unwrap(Throwable t) {
    while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }
}
