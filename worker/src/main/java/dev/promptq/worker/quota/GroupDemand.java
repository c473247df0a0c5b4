package dev.promptq.worker.quota;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The group's demand, for work-conserving shares: the workers holding jobs share the
 * subscription's pace and its windows' remainder, and the api's rate limits, each by its weight
 * (the most jobs it holds at once), and a worker without such jobs lends its share to them.
 *
 * <p>The shares must never add up to more than the whole, or the group would have more calls in
 * flight than a window has left. So a worker's weight does not follow its job count, which moves
 * with every job and would be stale by the time the others read it: it is the worker's whole
 * weight while it holds any job (or held one within {@link #HOLD}: a worker between two polls
 * does not flap) and nothing otherwise, and each worker tells the group at once when it starts
 * holding jobs, and within a second when it stopped. The partitions no fresh figure covers (a worker
 * that just joined, or whose figure is on its way) count as holding jobs, at this worker's weight
 * per partition, so with no figures at all the share is the partitions' share. Another worker's
 * figure counts for {@link #FRESH} after it was read; a worker that stopped publishing stops
 * counting then. Thread-safe.
 */
public final class GroupDemand {
  /** How long another worker's published demand counts. */
  static final Duration FRESH = Duration.ofSeconds(3);
  /** How long a worker that ran out of jobs keeps its weight. */
  static final Duration HOLD = Duration.ofSeconds(1);

  private final String workerId;
  private final Clock clock;
  private final AtomicInteger own = new AtomicInteger();
  private volatile int maxJobs = 1;
  /** When this worker last held no jobs after holding some (its weight lasts {@link #HOLD} longer). */
  private volatile Instant emptySince = Instant.MIN;
  /** worker -> its weight and partitions' share, and when this worker read them (its own clock: others' may be off). */
  private final Map<String, Received> others = new HashMap<>();
  private volatile Runnable onStart = () -> { };

  GroupDemand(String workerId, Clock clock) {
    this.workerId = workerId;
    this.clock = clock;
  }

  /** The most jobs this worker holds at once: its weight while it holds any. */
  void maxJobs(int max) {
    this.maxJobs = Math.max(1, max);
  }

  /** Runs {@code r} when this worker starts holding jobs after it had no weight. */
  void onStart(Runnable r) {
    this.onStart = r;
  }

  /** A job arrived ({@code +1}) or finished ({@code -1}). */
  public void add(int delta) {
    Instant now = clock.instant();
    boolean weighed = !now.isAfter(emptySince.plus(HOLD));
    int before = own.getAndAdd(delta);
    if (before == 0 && before + delta > 0 && !weighed) {
      onStart.run();
    } else if (before > 0 && before + delta == 0) {
      emptySince = now;
    }
  }

  /** True while this worker holds jobs, or held some within {@link #HOLD}. */
  private boolean weighed() {
    return own.get() > 0 || !clock.instant().isAfter(emptySince.plus(HOLD));
  }

  /** This worker's jobs in hand now (calling a route or waiting for one). */
  public int own() {
    return own.get();
  }

  /** This worker's figure to publish, with its share of the job partitions. */
  WorkerDemand snapshot(double partitionShare) {
    return new WorkerDemand(workerId, own.get(), weighed() ? maxJobs : 0, partitionShare, clock.instant());
  }

  /** Applies another worker's published demand. */
  public synchronized void applyRemote(WorkerDemand d) {
    if (!d.worker().equals(workerId)) {
      others.put(d.worker(), new Received(Math.max(0, d.weight()), d.partitionShare(), clock.instant()));
    }
  }

  /**
   * This worker's share of the group: its weight over the weights of the workers holding jobs,
   * the partitions no fresh figure covers counted at this worker's weight per partition;
   * {@code partitionShare} while it holds no jobs (it calls nothing then; the figure only matters
   * for the budgets' permits) or no partitions.
   */
  public double share(double partitionShare) {
    if (own.get() <= 0 || partitionShare <= 0) {
      return partitionShare;
    }
    double mine = maxJobs;
    Instant since = clock.instant().minus(FRESH);
    double theirs = 0;
    double covered = partitionShare;
    synchronized (this) {
      for (Received r : others.values()) {
        if (r.at().isAfter(since)) {
          theirs += r.weight();
          covered += Math.max(0, r.partitionShare());
        }
      }
    }
    double unheard = Math.max(0, 1 - covered) * mine / partitionShare;
    return mine / (mine + theirs + unheard);
  }

  /** Another worker's figure: its weight (0 while it holds no jobs) and partitions, and when it was read. */
  private record Received(double weight, double partitionShare, Instant at) {}
}
