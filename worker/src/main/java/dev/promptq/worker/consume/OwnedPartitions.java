package dev.promptq.worker.consume;

import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * The job partitions this worker owns: the state of each, the partitions whose committed offsets
 * are not known yet, and the jobs in flight. Confined to the loop's thread, except the volatile
 * views {@link #assignment()} and {@link #inFlight()}.
 */
final class OwnedPartitions {
  private final Map<TopicPartition, PartitionState> states = new HashMap<>();
  /** Owned partitions whose committed offsets could not be read yet: paused until they are. */
  private final Set<TopicPartition> awaiting = new HashSet<>();
  private volatile Set<TopicPartition> assignment = Set.of();
  private volatile int inFlight;

  PartitionState get(TopicPartition tp) {
    return states.get(tp);
  }

  Collection<PartitionState> states() {
    return states.values();
  }

  /** True if {@code s} is still the state of its partition (not revoked, lost or rewound since). */
  boolean isCurrent(PartitionState s) {
    return states.get(s.partition) == s;
  }

  /** Partitions with a state or awaiting one. */
  Set<TopicPartition> owned() {
    Set<TopicPartition> all = new HashSet<>(states.keySet());
    all.addAll(awaiting);
    return all;
  }

  Set<TopicPartition> awaiting() {
    return Set.copyOf(awaiting);
  }

  /** Starts {@code tp} afresh from its last commit. */
  void install(TopicPartition tp, OffsetAndMetadata committed) {
    awaiting.remove(tp);
    states.put(tp, new PartitionState(tp, committed));
  }

  /** {@code partitions} are owned but their committed offsets are not known yet. */
  void await(Collection<TopicPartition> partitions) {
    awaiting.addAll(partitions);
  }

  /**
   * Forgets {@code partitions}' progress: their waiting jobs never call (the next owner, or this
   * worker after a rewind, runs them again) and their running jobs no longer count in flight.
   *
   * @return the jobs that were running
   */
  int drop(Collection<TopicPartition> partitions) {
    int abandoned = 0;
    for (TopicPartition tp : partitions) {
      awaiting.remove(tp);
      PartitionState old = states.remove(tp);
      if (old != null) {
        old.handBack();
        abandoned += old.unfinished();
        inFlight -= old.unfinished();
      }
    }
    return abandoned;
  }

  /**
   * {@code partitions} are no longer this worker's (revoked or lost): drops their progress and
   * takes them out of the assignment.
   *
   * @return the jobs that were running
   */
  int release(Collection<TopicPartition> partitions) {
    int abandoned = drop(partitions);
    Set<TopicPartition> now = new HashSet<>(assignment);
    now.removeAll(partitions);
    assignment = Set.copyOf(now);
    return abandoned;
  }

  /** Drops {@code partitions}' progress and marks them awaiting their committed offsets again. */
  int rewind(Collection<TopicPartition> partitions) {
    List<TopicPartition> copy = List.copyOf(partitions);
    int abandoned = drop(copy);
    awaiting.addAll(copy);
    return abandoned;
  }

  void setAssignment(Set<TopicPartition> now) {
    assignment = Set.copyOf(now);
  }

  Set<TopicPartition> assignment() {
    return assignment;
  }

  void started() {
    inFlight++;
  }

  void finished() {
    inFlight--;
  }

  int inFlight() {
    return inFlight;
  }

  boolean uncommitted() {
    for (PartitionState s : states.values()) {
      if (s.uncommitted()) {
        return true;
      }
    }
    return false;
  }

  /** Jobs started and not yet covered by a commit, over all partitions. */
  int occupancy() {
    int n = 0;
    for (PartitionState s : states.values()) {
      n += s.occupancy();
    }
    return n;
  }

  /** Running jobs of {@code partitions}. */
  int unfinished(Collection<TopicPartition> partitions) {
    int n = 0;
    for (TopicPartition tp : partitions) {
      PartitionState s = states.get(tp);
      n += s == null ? 0 : s.unfinished();
    }
    return n;
  }
}
