package dev.promptq.worker.consume;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * What one owned job partition has in flight: offsets polled and not yet committed (done or not),
 * outputs of done jobs awaiting the next commit, offsets a previous owner already finished, and,
 * with per-key ordering, the records waiting for their key.
 *
 * <p>A new instance is made each time the partition is assigned (or reset after a failed
 * commit); completions of jobs started under an older instance are discarded by identity.
 * Confined to the loop's thread.
 */
final class PartitionState {
  final TopicPartition partition;
  private volatile boolean handedBack;
  /** Offsets polled and not yet below the commit point, mapped to whether their job is done. */
  private final TreeMap<Long, Boolean> tracked = new TreeMap<>();
  /** Offsets at or above the commit point that a previous owner finished (from commit metadata). */
  private final TreeSet<Long> doneBefore;
  private final List<ProducerRecord<byte[], byte[]>> outputs = new ArrayList<>();
  /** Records waiting for an earlier record of the same key (per-key ordering only). */
  private final Map<KeyBytes, ArrayDeque<Runnable>> waitingByKey = new HashMap<>();
  /** Incremented on every change; {@link #committedVersion} is the version the last commit covered. */
  private long version;
  private long committedVersion;
  /** Jobs polled and not done. */
  private int unfinished;
  /** Jobs done here since the last commit that covered them (they would run again after a crash). */
  private int doneUncommitted;

  PartitionState(TopicPartition partition, OffsetAndMetadata committed) {
    this.partition = partition;
    this.doneBefore = committed == null ? new TreeSet<>()
        : new TreeSet<>(OffsetMetadata.decode(committed.offset(), committed.metadata()));
  }

  /** Records that {@code offset} was polled; returns true if a previous owner already finished it. */
  boolean polled(long offset) {
    boolean done = doneBefore.remove(offset);
    tracked.put(offset, done);
    if (done) {
      version++;
    } else {
      unfinished++;
    }
    return done;
  }

  /** Marks {@code offset} done with the records to publish for it. */
  void completed(long offset, List<ProducerRecord<byte[], byte[]>> records) {
    Boolean before = tracked.replace(offset, true);
    if (before == null || before) {
      throw new IllegalStateException(partition + "@" + offset + " completed but not in flight");
    }
    unfinished--;
    doneUncommitted++;
    outputs.addAll(records);
    version++;
  }

  /** Puts back outputs taken for a commit that did not happen, ahead of any taken since. */
  void restoreOutputs(List<ProducerRecord<byte[], byte[]>> records) {
    outputs.addAll(0, records);
  }

  /** True if something happened that no commit covers yet. */
  boolean uncommitted() {
    return version != committedVersion || !outputs.isEmpty();
  }

  /** Takes the outputs of jobs completed since the last call. */
  List<ProducerRecord<byte[], byte[]>> takeOutputs() {
    List<ProducerRecord<byte[], byte[]>> out = new ArrayList<>(outputs);
    outputs.clear();
    return out;
  }

  /**
   * The offset to commit now (the lowest unfinished offset, or {@code position} when none is
   * unfinished) with the done offsets above it in the metadata, as of {@link #version()}; null if
   * nothing changed since the last commit. Offsets below the new commit point are forgotten.
   *
   * @param position the consumer's position on this partition (next offset to fetch), read only
   *     when every tracked offset is done
   */
  OffsetAndMetadata commitPoint(java.util.function.LongSupplier position) {
    if (version == committedVersion) {
      return null;
    }
    while (!tracked.isEmpty() && tracked.firstEntry().getValue()) {
      tracked.pollFirstEntry();
    }
    long next = tracked.isEmpty() ? position.getAsLong() : tracked.firstKey();
    List<Long> doneAbove = new ArrayList<>();
    tracked.forEach((offset, done) -> {
      if (done) {
        doneAbove.add(offset);
      }
    });
    doneBefore.headSet(next).clear();
    doneAbove.addAll(doneBefore);
    return new OffsetAndMetadata(next, OffsetMetadata.encode(next, doneAbove));
  }

  /** The current version, to pass to {@link #committed} for a commit point taken now. */
  long version() {
    return version;
  }

  /** Jobs done and not yet covered by a commit, for {@link #committed}. */
  int doneUncommitted() {
    return doneUncommitted;
  }

  /**
   * Called after a successful commit of a point taken at {@code atVersion}, when
   * {@code doneCovered} jobs were done and uncommitted.
   */
  void committed(long atVersion, int doneCovered) {
    committedVersion = Math.max(committedVersion, atVersion);
    doneUncommitted -= doneCovered;
  }

  /** Jobs started here and not yet covered by a commit: what a crash now would run again. */
  int occupancy() {
    return unfinished + doneUncommitted;
  }

  /** Offsets between the commit point and the highest polled: bounds the metadata size. */
  long span() {
    return tracked.isEmpty() ? 0 : tracked.lastKey() - tracked.firstKey() + 1;
  }

  /** Jobs polled and not done. */
  int unfinished() {
    return unfinished;
  }

  /**
   * Per-key ordering: runs {@code start} now if no earlier record of {@code key} is in flight,
   * else after it. A null key is never held.
   */
  void runInKeyOrder(byte[] key, Runnable start) {
    if (key == null) {
      start.run();
      return;
    }
    KeyBytes k = new KeyBytes(key);
    ArrayDeque<Runnable> queue = waitingByKey.get(k);
    if (queue != null) {
      queue.add(start);
      return;
    }
    waitingByKey.put(k, new ArrayDeque<>());
    start.run();
  }

  /** Per-key ordering: the in-flight record of {@code key} is done; starts the next one, if any. */
  void keyDone(byte[] key) {
    if (key == null) {
      return;
    }
    KeyBytes k = new KeyBytes(key);
    ArrayDeque<Runnable> queue = waitingByKey.get(k);
    if (queue == null) {
      return;
    }
    Runnable next = queue.poll();
    if (next == null) {
      waitingByKey.remove(k);
    } else {
      next.run();
    }
  }

  /** A byte[] usable as a map key. */
  private record KeyBytes(byte[] bytes) {
    @Override
    public boolean equals(Object o) {
      return o instanceof KeyBytes k && java.util.Arrays.equals(bytes, k.bytes);
    }

    @Override
    public int hashCode() {
      return java.util.Arrays.hashCode(bytes);
    }
  }

  /** Marks the partition as no longer this worker's: jobs of it that have not called yet must not. */
  void handBack() {
    handedBack = true;
  }

  boolean handedBack() {
    return handedBack;
  }
}
