package dev.promptq.worker.consume;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes the outputs of finished jobs and their partitions' new commit points, and hands them to
 * the {@link Committer} on a commit thread of its own, one commit at a time, so polling never
 * waits for a transaction. Then applies what became of the commit: committed (the states learn
 * their commit points), retry (the outputs go back, refused ones replaced by their fallbacks), or
 * rewind (every partition restarts from its last commit).
 *
 * <p>Methods other than the commit itself run on the loop's thread. Owns the commit thread and
 * the committer; {@link #close()} stops both.
 */
final class CommitPipeline implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(CommitPipeline.class);
  /** How long reading a partition's position may take before its commit point waits for the next commit. */
  private static final Duration POSITION_TIMEOUT = Duration.ofSeconds(2);

  /** A commit running on the commit thread, with what it took from the partition states. */
  private record Pending(Future<Committer.Result> result, Map<PartitionState, PartitionState.Prepared> taken,
      Map<TopicPartition, OffsetAndMetadata> offsets) {}

  private final Committer committer;
  private final OwnedPartitions owned;
  private final Duration interval;
  private final int maxMetadataChars;
  private final Clock clock;
  private final String threadName;
  private ExecutorService thread;  // made on the loop's thread at the first commit
  private Instant last;
  private Pending pending;

  CommitPipeline(Committer committer, OwnedPartitions owned, Duration interval, int maxMetadataChars, Clock clock,
      String threadName) {
    this.committer = committer;
    this.owned = owned;
    this.interval = interval;
    this.maxMetadataChars = maxMetadataChars;
    this.clock = clock;
    this.last = clock.instant();
    this.threadName = threadName;
  }

  /** True while a commit runs. */
  boolean busy() {
    return pending != null;
  }

  /** Starts a commit if none runs and the interval has passed (or {@code now}). */
  void maybeStart(Consumer<byte[], byte[]> consumer, boolean now) {
    if (pending == null && (now || Duration.between(last, clock.instant()).compareTo(interval) >= 0)) {
      start(consumer);
    }
  }

  /**
   * Takes the outputs of finished jobs and the new commit points and hands them to the commit
   * thread. Does nothing when there is nothing to commit.
   */
  void start(Consumer<byte[], byte[]> consumer) {
    last = clock.instant();
    Map<PartitionState, PartitionState.Prepared> taken = new HashMap<>();
    List<Output> outputs = new ArrayList<>();
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    for (PartitionState state : owned.states()) {
      PartitionState.Prepared p;
      try {
        p = state.prepare(() -> consumer.position(state.partition, POSITION_TIMEOUT), maxMetadataChars);
      } catch (KafkaException e) {
        continue;  // its position is not readable now (broker away): the next commit takes it
      }
      if (p != null) {
        taken.put(state, p);
        outputs.addAll(p.outputs());
        offsets.put(state.partition, p.point());
      }
    }
    if (taken.isEmpty()) {
      return;
    }
    ConsumerGroupMetadata group = consumer.groupMetadata();
    if (thread == null) {
      String name = threadName != null ? threadName : Thread.currentThread().getName() + "-commit";
      thread = Executors.newSingleThreadExecutor(r -> new Thread(r, name));
    }
    pending = new Pending(thread.submit(() -> committer.publish(outputs, offsets, group)), taken, offsets);
  }

  /** Applies the running commit's result if it has finished ({@code wait}: waits for it). */
  void finish(boolean wait) {
    if (pending == null || (!wait && !pending.result().isDone())) {
      return;
    }
    Pending p = pending;
    pending = null;
    Committer.Result result;
    try {
      result = p.result().get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      result = new Committer.Rewind("interrupted");
    } catch (ExecutionException e) {
      log.error("commit failed unexpectedly; rewinding to the last commit", e.getCause());
      result = new Committer.Rewind(e.getCause().getClass().getSimpleName());
    }
    if (result instanceof Committer.Committed) {
      result = committer.afterPublish(p.offsets());
    }
    if (result instanceof Committer.Committed) {
      p.taken().forEach((state, prepared) -> {
        if (owned.isCurrent(state)) {
          state.committed(prepared);
        }
      });
    } else if (result instanceof Committer.Retry retry) {
      p.taken().forEach((state, prepared) -> {
        if (owned.isCurrent(state)) {
          state.restore(prepared, o -> {
            if (retry.published().contains(o)) {
              return null;
            }
            String reason = retry.rejected().get(o);
            return reason == null ? o : o.instead(reason, retry.details().getOrDefault(o, reason));
          });
        }
      });
    } else {
      int abandoned = owned.rewind(owned.owned());
      log.warn("rewinding every job partition to its last commit ({}); {} running jobs handed back",
          ((Committer.Rewind) result).why(), abandoned);
    }
  }

  /** Commits everything finished so far and waits for it (rebalance, shutdown). */
  void commitNow(Consumer<byte[], byte[]> consumer) {
    finish(true);
    start(consumer);
    finish(true);
  }

  @Override
  public void close() {
    if (thread != null) {
      thread.shutdownNow();
    }
    committer.close();
  }
}
