package dev.promptq.worker.quota;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The group's demand for the subscription, for work-conserving shares: each worker's share of the
 * subscription's pace and of its windows' remainder is its part of the jobs the group holds that
 * may use it (this worker's count now, the others' as they last published it), so a worker
 * without waiting jobs lends its share to those with a backlog. While no worker reports demand,
 * the share is the job partitions' share.
 *
 * <p>Another worker's figure counts for {@link #FRESH} after it was read; a worker that
 * stopped publishing (gone, or cut off) stops counting then. The shares computed by different
 * workers from figures of different ages may add up to a little more than 1 for the moment a
 * publication takes: the learned cap's remainder and the budgets' margins cover that. Thread-safe.
 */
public final class GroupDemand {
  /** How long another worker's published demand counts. */
  static final Duration FRESH = Duration.ofSeconds(5);

  private final String workerId;
  private final Clock clock;
  private final AtomicInteger own = new AtomicInteger();
  /** worker -> {its jobs, when this worker read them (its own clock: others' clocks may be off)}. */
  private final Map<String, Received> others = new HashMap<>();
  private volatile Runnable onStartOrStop = () -> { };

  GroupDemand(String workerId, Clock clock) {
    this.workerId = workerId;
    this.clock = clock;
  }

  /** Runs {@code r} when this worker starts or stops holding jobs that may use the subscription. */
  void onStartOrStop(Runnable r) {
    this.onStartOrStop = r;
  }

  /** A job that may use the subscription arrived ({@code +1}) or finished ({@code -1}). */
  public void add(int delta) {
    int before = own.getAndAdd(delta);
    if ((before == 0) != (before + delta == 0)) {
      onStartOrStop.run();
    }
  }

  /** This worker's jobs that may use the subscription now. */
  public int own() {
    return own.get();
  }

  /** This worker's figure to publish. */
  WorkerDemand snapshot() {
    return new WorkerDemand(workerId, own.get(), clock.instant());
  }

  /** Applies another worker's published demand. */
  public synchronized void applyRemote(WorkerDemand d) {
    if (!d.worker().equals(workerId)) {
      others.put(d.worker(), new Received(d.jobs(), clock.instant()));
    }
  }

  /**
   * This worker's share of the group: its jobs over the group's, or {@code partitionShare} while
   * it holds none (it calls nothing then; the figure only matters for the budgets' permits) or no
   * worker reports any.
   */
  public double share(double partitionShare) {
    int mine = own.get();
    if (mine <= 0) {
      return partitionShare;
    }
    return mine / (double) (mine + othersNow());
  }

  /** The jobs the other workers reported within {@link #FRESH}. */
  synchronized int othersNow() {
    Instant since = clock.instant().minus(FRESH);
    int sum = 0;
    for (Received r : others.values()) {
      if (r.at().isAfter(since)) {
        sum += Math.max(0, r.jobs());
      }
    }
    return sum;
  }

  private record Received(int jobs, Instant at) {}
}
