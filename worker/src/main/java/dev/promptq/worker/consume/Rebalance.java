package dev.promptq.worker.consume;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the loop does when its partitions change, and how a partition (new, or rewound) learns
 * where to start: its committed offset and metadata.
 *
 * <ul>
 *   <li>Revoked: waits up to the revocation grace for the partitions' running jobs, commits, and
 *       drops their state (jobs still waiting for a route are handed back and never call).
 *   <li>Lost: drops without committing.
 *   <li>Assigned, or rewound: reads the committed offsets. When they cannot be read now (the
 *       broker is away, or a previous owner's transaction is still open), the partitions stay
 *       paused and {@link #resolveAwaiting} tries again on later turns of the loop, never blocking
 *       the rebalance for long.
 * </ul>
 * Runs on the loop's thread (the callbacks inside {@code poll}).
 */
final class Rebalance implements ConsumerRebalanceListener {
  private static final Logger log = LoggerFactory.getLogger(Rebalance.class);
  /** How long one read of committed offsets may block the loop. */
  static final Duration OFFSETS_TIMEOUT = Duration.ofSeconds(2);
  /** Least time between two reads of committed offsets that failed. */
  static final Duration OFFSETS_RETRY = Duration.ofSeconds(1);

  /** Told, on the loop's thread, how many job partitions this worker owns after each change. */
  @FunctionalInterface
  interface Listener {
    void assigned(int owned, int total);
  }

  private final Consumer<byte[], byte[]> consumer;
  private final OwnedPartitions owned;
  private final Completions completions;
  private final CommitPipeline commits;
  private final Duration revocationGrace;
  private final List<String> jobsTopics;
  private final Clock clock;
  private final CompletableFuture<Void> firstAssignment = new CompletableFuture<>();
  private volatile Listener listener = (o, t) -> { };
  private volatile boolean stopping;
  private Instant nextOffsetsRead = Instant.MIN;
  private int failedReads;

  Rebalance(Consumer<byte[], byte[]> consumer, OwnedPartitions owned, Completions completions, CommitPipeline commits,
      Duration revocationGrace, List<String> jobsTopics, Clock clock) {
    this.consumer = consumer;
    this.owned = owned;
    this.completions = completions;
    this.commits = commits;
    this.revocationGrace = revocationGrace;
    this.jobsTopics = jobsTopics;
    this.clock = clock;
  }

  void listen(Listener l) {
    this.listener = l;
  }

  void stopping() {
    stopping = true;
  }

  CompletableFuture<Void> firstAssignment() {
    return firstAssignment;
  }

  @Override
  public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
    if (partitions.isEmpty()) {
      return;
    }
    completions.awaitJobsOf(partitions, clock.instant().plus(stopping ? Duration.ZERO : revocationGrace));
    commits.commitNow(consumer);
    int abandoned = owned.release(partitions);
    log.info("revoked {} job partitions ({} running jobs handed back), now {}", partitions.size(), abandoned,
        owned.assignment().size());
    if (stopping) {
      tellAssignment();
    }
    // Otherwise the listener hears at the end of this rebalance (onPartitionsAssigned, perhaps
    // with nothing new): cooperative rebalancing gives revoked partitions to their new owner
    // in a second round, and until then their share stays with this worker instead of no one.
  }

  @Override
  public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
    if (partitions.isEmpty()) {
      tellAssignment();  // the end of a rebalance that gave this worker nothing new
      return;
    }
    owned.await(partitions);
    consumer.pause(partitions);  // until their committed offsets are known
    nextOffsetsRead = Instant.MIN;
    resolveAwaiting();
    owned.setAssignment(consumer.assignment());
    log.info("assigned {} job partitions, now {}", partitions.size(), owned.assignment().size());
    tellAssignment();
    firstAssignment.complete(null);
  }

  @Override
  public void onPartitionsLost(Collection<TopicPartition> partitions) {
    owned.release(partitions);
    log.warn("lost {} job partitions; their running jobs are dropped uncommitted", partitions.size());
    tellAssignment();
  }

  /**
   * Reads the committed offsets of partitions awaiting them, at most once per
   * {@link #OFFSETS_RETRY} after a failure, and starts each one it learns from its commit.
   */
  void resolveAwaiting() {
    Set<TopicPartition> awaiting = owned.awaiting();
    if (awaiting.isEmpty() || clock.instant().isBefore(nextOffsetsRead)) {
      return;
    }
    Map<TopicPartition, OffsetAndMetadata> committed;
    try {
      committed = consumer.committed(awaiting, OFFSETS_TIMEOUT);
    } catch (KafkaException e) {
      if (failedReads++ == 0) {
        log.info("committed offsets of {} job partitions are not readable yet ({}: a previous owner's transaction "
            + "still open, or the broker away); they stay paused and are read again", awaiting.size(),
            e.getClass().getSimpleName());
      }
      nextOffsetsRead = clock.instant().plus(OFFSETS_RETRY);
      return;
    }
    if (failedReads > 0) {
      log.info("committed offsets readable again after {} attempts", failedReads);
      failedReads = 0;
    }
    List<TopicPartition> ready = new java.util.ArrayList<>();
    for (TopicPartition tp : awaiting) {
      OffsetAndMetadata c = committed.get(tp);
      owned.install(tp, c);
      try {
        if (c != null) {
          consumer.seek(tp, c.offset());
        } else {
          consumer.seekToBeginning(List.of(tp));
        }
        ready.add(tp);
      } catch (IllegalStateException notAssigned) {
        owned.drop(List.of(tp));  // revoked meanwhile
      }
    }
    // Fetch at once (inside a rebalance callback: in the same poll); the loop's back-pressure
    // pauses them again at the end of the turn if it must.
    consumer.resume(ready);
  }

  private void tellAssignment() {
    int total;
    try {
      total = 0;
      for (String t : jobsTopics) {
        total += consumer.partitionsFor(t).size();
      }
    } catch (RuntimeException e) {
      log.warn("cannot read the partition count of {}: {}", jobsTopics, e.toString());
      return;
    }
    listener.assigned(owned.assignment().size(), total);
  }
}
