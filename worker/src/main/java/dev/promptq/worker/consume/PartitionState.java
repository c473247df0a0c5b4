package dev.promptq.worker.consume;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * What one owned job partition has in flight: offsets polled and not yet committed (done or not),
 * the outputs of done jobs awaiting a commit, offsets a previous owner already finished, and,
 * with per-key ordering, the records waiting for their key.
 *
 * <p>The commit metadata carries the done offsets above the commit point, and the broker refuses
 * metadata above {@code offset.metadata.max.bytes}: {@link #prepare} never writes more than it is
 * given. Done jobs that do not fit yet keep their outputs here, unpublished, until the commit
 * point moves up ({@link #metadataChars()} tells the loop to stop fetching long before that).
 *
 * <p>A new instance is made each time the partition is assigned (or rewound); completions of jobs
 * started under an older instance are discarded by identity. Confined to the loop's thread,
 * except {@link #handedBack()}.
 */
final class PartitionState {
  final TopicPartition partition;
  private volatile boolean handedBack;
  /** Offsets polled and not yet below the commit point, mapped to whether their job is done. */
  private final TreeMap<Long, Boolean> tracked = new TreeMap<>();
  /** Offsets at or above the commit point that a previous owner finished (from commit metadata). */
  private final TreeSet<Long> doneBefore;
  /** Outputs of done jobs not yet taken for a commit, by the job's offset (an empty list: nothing to publish). */
  private final TreeMap<Long, List<Output>> outputs = new TreeMap<>();
  /** Records waiting for an earlier record of the same key (per-key ordering only). */
  private final Map<KeyBytes, ArrayDeque<Runnable>> waitingByKey = new HashMap<>();
  /** Incremented on every change; {@link #committedVersion} is the version the last commit covered. */
  private long version;
  private long committedVersion;
  /** Jobs polled and not done. */
  private int unfinished;
  /** Jobs done here whose outputs no commit has covered yet (they would run again after a crash). */
  private int doneUncommitted;
  /** Characters the full metadata needed at the last {@link #prepare}, before any job was held back. */
  private int metadataChars;
  /** The version at which the last {@link #prepare} found only outputs that did not fit. */
  private long heldAt = -1;

  /** What one commit takes from this partition. */
  record Prepared(OffsetAndMetadata point, Map<Long, List<Output>> taken, long version) {
    List<Output> outputs() {
      List<Output> all = new ArrayList<>();
      taken.values().forEach(all::addAll);
      return all;
    }
  }

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

  /** Marks {@code offset} done with the outputs to publish for it. */
  void completed(long offset, List<Output> records) {
    Boolean before = tracked.replace(offset, true);
    if (before == null || before) {
      throw new IllegalStateException(partition + "@" + offset + " completed but not in flight");
    }
    unfinished--;
    doneUncommitted++;
    outputs.put(offset, List.copyOf(records));
    version++;
  }

  /** True if something happened that no commit covers yet. */
  boolean uncommitted() {
    return version != committedVersion || !outputs.isEmpty();
  }

  /**
   * Takes what to commit now: the commit point (the lowest unfinished offset, or {@code position}
   * when none is unfinished) with the done offsets above it in metadata of at most
   * {@code maxChars}, and the outputs of the jobs that commit point acknowledges. Done jobs whose
   * offsets do not fit keep their outputs for a later commit. Null when there is nothing new.
   *
   * @param position the consumer's position on this partition (next offset to fetch), read only
   *     when every tracked offset is done
   */
  Prepared prepare(LongSupplier position, int maxChars) {
    if (version == committedVersion && (outputs.isEmpty() || version == heldAt)) {
      return null;  // nothing new, or only outputs that did not fit at this very version
    }
    Long firstUnfinished = null;
    for (Map.Entry<Long, Boolean> e : tracked.entrySet()) {
      if (!e.getValue()) {
        firstUnfinished = e.getKey();
        break;
      }
    }
    long next = firstUnfinished != null ? firstUnfinished : position.getAsLong();  // may throw: nothing changed yet
    tracked.headMap(next).clear();
    doneBefore.headSet(next).clear();
    // Done offsets the last commits already described (a previous owner's, or ours committed)
    // must stay in the metadata; ours not yet published may wait.
    TreeSet<Long> described = new TreeSet<>(doneBefore);
    List<Long> pending = new ArrayList<>();
    tracked.forEach((offset, done) -> {
      if (done) {
        if (outputs.containsKey(offset)) {
          pending.add(offset);
        } else {
          described.add(offset);
        }
      }
    });
    Fit fit = encodeWithin(next, described, pending, maxChars);
    Map<Long, List<Output>> taken = new TreeMap<>();
    outputs.headMap(next).forEach(taken::put);  // below the commit point: acknowledged now
    for (int i = 0; i < fit.count(); i++) {
      taken.put(pending.get(i), outputs.get(pending.get(i)));
    }
    if (taken.isEmpty() && version == committedVersion) {
      heldAt = version;
      return null;
    }
    taken.keySet().forEach(outputs::remove);
    return new Prepared(new OffsetAndMetadata(next, fit.metadata()), taken, version);
  }

  /** Metadata, and how many of the pending offsets it describes. */
  private record Fit(String metadata, int count) {}

  /** The metadata for {@code described} plus as many of {@code pending} (ascending) as fit in {@code maxChars}. */
  private Fit encodeWithin(long base, TreeSet<Long> described, List<Long> pending, int maxChars) {
    TreeSet<Long> all = new TreeSet<>(described);
    all.addAll(pending);
    String full = OffsetMetadata.encode(base, all);
    metadataChars = full.length();
    if (full.length() <= maxChars) {
      return new Fit(full, pending.size());
    }
    int lo = 0;
    int hi = pending.size();  // invariant: lo fits (described alone always fit: it was committed before)
    while (lo < hi) {
      int mid = (lo + hi + 1) >>> 1;
      TreeSet<Long> some = new TreeSet<>(described);
      some.addAll(pending.subList(0, mid));
      if (OffsetMetadata.encode(base, some).length() <= maxChars) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    TreeSet<Long> some = new TreeSet<>(described);
    some.addAll(pending.subList(0, lo));
    return new Fit(OffsetMetadata.encode(base, some), lo);
  }

  /**
   * A commit of {@code p} did not happen: its outputs come back, each refused one replaced by
   * {@code replace} (null: dropped) and each already published one left out.
   */
  void restore(Prepared p, java.util.function.UnaryOperator<Output> replace) {
    p.taken().forEach((offset, list) -> {
      List<Output> back = new ArrayList<>(list.size());
      for (Output o : list) {
        Output r = replace.apply(o);
        if (r != null) {
          back.add(r);
        }
      }
      outputs.put(offset, back);
    });
  }

  /** A commit of {@code p} succeeded. */
  void committed(Prepared p) {
    committedVersion = Math.max(committedVersion, p.version());
    doneUncommitted -= p.taken().size();
  }

  /** Characters the commit metadata needed at the last commit, before any job was held back. */
  int metadataChars() {
    return metadataChars;
  }

  /** Jobs started here and not yet covered by a commit: what a crash now would run again. */
  int occupancy() {
    return unfinished + doneUncommitted;
  }

  /** Offsets between the commit point and the highest polled. */
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
      return o instanceof KeyBytes k && Arrays.equals(bytes, k.bytes);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(bytes);
    }
  }

  /**
   * Marks the partition as no longer this state's (revoked, lost, or rewound): its jobs that have
   * not called yet never will, and its records waiting for their key never start.
   */
  void handBack() {
    handedBack = true;
    waitingByKey.clear();
  }

  boolean handedBack() {
    return handedBack;
  }
}
