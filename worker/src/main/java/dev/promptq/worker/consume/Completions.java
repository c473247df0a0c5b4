package dev.promptq.worker.consume;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;

/**
 * The mailbox through which jobs finished on other threads reach the loop: posted from any
 * thread, applied to their {@link PartitionState} on the loop's thread. A completion of a job
 * whose partition was revoked, lost or rewound since it started is dropped.
 */
final class Completions {
  /** A job finished, waiting for the loop to apply it. */
  record Completion(PartitionState state, long offset, byte[] key, List<Output> outputs) {}

  private final LinkedBlockingQueue<Completion> queue = new LinkedBlockingQueue<>();
  private final OwnedPartitions owned;
  private final Clock clock;

  Completions(OwnedPartitions owned, Clock clock) {
    this.owned = owned;
    this.clock = clock;
  }

  /** Any thread. */
  void post(Completion c) {
    queue.add(c);
  }

  /** Applies every completion posted so far. */
  void drain() {
    Completion c;
    while ((c = queue.poll()) != null) {
      apply(c);
    }
  }

  /** Applies completions until the jobs of {@code partitions} are done or {@code until} passes. */
  void awaitJobsOf(Collection<TopicPartition> partitions, Instant until) {
    while (clock.instant().isBefore(until) && owned.unfinished(partitions) > 0) {
      try {
        Completion c = queue.poll(Math.max(1, Duration.between(clock.instant(), until).toMillis()),
            TimeUnit.MILLISECONDS);
        if (c != null) {
          apply(c);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private void apply(Completion c) {
    if (!owned.isCurrent(c.state())) {
      return;  // revoked, lost or rewound since this job started
    }
    c.state().completed(c.offset(), c.outputs());
    owned.finished();
    c.state().keyDone(c.key());
  }
}
