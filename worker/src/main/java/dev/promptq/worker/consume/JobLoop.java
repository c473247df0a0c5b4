package dev.promptq.worker.consume;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The consume loop of one worker, on the thread that owns the Kafka consumer.
 *
 * <p>Each turn it polls, starts every polled job at once (calls run on other threads; their
 * completions come back through {@link Completions}), applies completed jobs to their
 * {@link PartitionState}, and every {@code commitInterval} hands the outputs of finished jobs and
 * the new commit points to the {@link CommitPipeline}, which commits on a thread of its own. A
 * partition's commit point is its lowest unfinished offset; the finished offsets above it travel
 * in the commit metadata, so the next owner skips them. When {@code maxInFlight} jobs are running,
 * every partition is paused and the loop keeps polling, so slow calls never push the worker out of
 * its group. Partition changes are {@link Rebalance}'s.
 *
 * <p>No record and no fault of Kafka ends the loop: a turn that fails rewinds every partition to
 * its last commit and the loop goes on; only {@link #stop} ends it.
 *
 * <p>Not thread-safe, except {@link #stop} and the read-only views, which any thread may call.
 */
public final class JobLoop implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(JobLoop.class);
  /** Per partition, at most this many unfinished jobs. */
  static final int MAX_UNFINISHED_PER_PARTITION = 500;
  /** Per partition, at most this distance from the commit point to the highest polled offset. */
  static final long MAX_SPAN = 16_000;
  /** A partition stops fetching while its commit metadata needs more than this (the bound is {@link OffsetMetadata#MAX_CHARS}). */
  static final int PAUSE_METADATA_CHARS = OffsetMetadata.MAX_CHARS * 3 / 4;
  /** Least time between two log lines about failed turns. */
  private static final Duration FAULT_LOG_INTERVAL = Duration.ofSeconds(10);

  /**
   * How the loop runs.
   *
   * @param maxInFlight jobs started and not yet committed, at most (a crash repeats at most this many calls, plus one poll)
   * @param commitInterval time between commits; results become visible at commit
   * @param revocationGrace on revocation, how long running jobs of revoked partitions may finish
   * @param reservedForInteractive of {@code maxInFlight}, the slots only the interactive lane's jobs
   *     may take: the jobs topic pauses when the rest are taken
   */
  public record Settings(int maxInFlight, Duration commitInterval, Ordering ordering, Duration revocationGrace,
      int reservedForInteractive) {
    public Settings {
      if (reservedForInteractive < 0 || reservedForInteractive >= maxInFlight) {
        throw new IllegalArgumentException("reserved slots must be 0 to max.in.flight - 1: " + reservedForInteractive);
      }
    }

    /** Settings with no slots reserved for the interactive lane. */
    public Settings(int maxInFlight, Duration commitInterval, Ordering ordering, Duration revocationGrace) {
      this(maxInFlight, commitInterval, ordering, revocationGrace, 0);
    }
  }

  private final org.apache.kafka.clients.consumer.Consumer<byte[], byte[]> consumer;
  private final JobRunner jobs;
  private final Settings settings;
  private final String jobsTopic;
  private final String interactiveTopic;
  private final Clock clock;
  private final OwnedPartitions owned = new OwnedPartitions();
  private final Completions completions;
  private final CommitPipeline commits;
  private final Rebalance rebalance;
  private final CompletableFuture<Void> finished = new CompletableFuture<>();
  private volatile boolean stopping;
  private volatile int pausedPartitions;
  private volatile Instant stopDeadline = Instant.MAX;
  private volatile Consumer<String> faults = kind -> { };
  private volatile long faultCount;
  private Instant lastFaultLog = Instant.MIN;

  JobLoop(org.apache.kafka.clients.consumer.Consumer<byte[], byte[]> consumer, Committer committer, JobRunner jobs,
      Settings settings, String jobsTopic, Clock clock) {
    this(consumer, committer, jobs, settings, jobsTopic, null, clock);
  }

  /** @param interactiveTopic the interactive lane, read with the jobs topic and served first; null for none */
  JobLoop(org.apache.kafka.clients.consumer.Consumer<byte[], byte[]> consumer, Committer committer, JobRunner jobs,
      Settings settings, String jobsTopic, String interactiveTopic, Clock clock) {
    this.consumer = consumer;
    this.jobs = jobs;
    this.settings = settings;
    this.jobsTopic = jobsTopic;
    this.interactiveTopic = interactiveTopic;
    this.clock = clock;
    this.completions = new Completions(owned, clock);
    // The commit thread is named after the loop's: promptq-worker-<id>-commit.
    this.commits = new CommitPipeline(committer, owned, settings.commitInterval(), OffsetMetadata.MAX_CHARS, clock,
        null);
    this.rebalance = new Rebalance(consumer, owned, completions, commits, settings.revocationGrace(), topics(), clock);
  }

  @Override
  public void run() {
    try {
      consumer.subscribe(topics(), rebalance);
      // Stopping, jobs that wait for a route (a quota reset may be hours away) are handed back at once.
      while (!stopping || ((owned.inFlight() > jobs.waitingJobs() || owned.uncommitted() || commits.busy())
          && clock.instant().isBefore(stopDeadline))) {
        try {
          turn();
        } catch (WakeupException e) {
          // stop() woke us; the loop condition decides
        } catch (RuntimeException e) {
          fault(e);
        }
      }
      completions.drain();
      commits.commitNow(consumer);
      if (owned.inFlight() > 0 || owned.uncommitted()) {
        log.info("stopping: {} jobs unfinished or uncommitted after the grace period; the group will run them again",
            owned.inFlight());
      }
      finished.complete(null);
    } catch (RuntimeException | Error e) {
      log.error("job loop failed; uncommitted jobs will be consumed again by the group", e);
      finished.completeExceptionally(e);
    } finally {
      stopping = true;
      try {
        consumer.close();
      } catch (RuntimeException e) {
        log.debug("closing the consumer: {}", e.toString());
      } finally {
        commits.close();
      }
    }
  }

  /** One turn: poll, start polled jobs, apply finished ones, commit, pause or resume partitions. */
  private void turn() {
    ConsumerRecords<byte[], byte[]> records = consumer.poll(
        owned.inFlight() > 0 || commits.busy() || stopping ? Duration.ofMillis(5) : Duration.ofMillis(200));
    for (ConsumerRecord<byte[], byte[]> r : records) {
      dispatch(r);
    }
    completions.drain();
    commits.finish(false);
    rebalance.resolveAwaiting();
    commits.maybeStart(consumer, stopping);
    applyBackPressure();
  }

  /**
   * A turn failed with something Kafka or a bug threw: every partition goes back to its last
   * commit (its waiting jobs are handed back), and the loop goes on.
   */
  private void fault(RuntimeException e) {
    faultCount++;
    faults.accept(e.getClass().getSimpleName());
    int abandoned;
    try {
      abandoned = owned.rewind(owned.owned());
      applyBackPressure();  // rewound partitions fetch nothing until their committed offsets are read
    } catch (RuntimeException again) {
      abandoned = -1;
    }
    Instant now = clock.instant();
    if (Duration.between(lastFaultLog, now).compareTo(FAULT_LOG_INTERVAL) >= 0) {
      lastFaultLog = now;
      log.error("job loop turn failed ({} so far); every partition restarts from its last commit ({} running jobs "
          + "handed back) and the loop goes on", faultCount, abandoned, e);
    }
  }

  /**
   * Asks the loop to stop: it stops fetching, lets running jobs finish for up to {@code grace},
   * commits what is done and closes; unfinished jobs go back to the group uncommitted.
   */
  public void stop(Duration grace) {
    stopDeadline = clock.instant().plus(grace);
    stopping = true;
    rebalance.stopping();
    consumer.wakeup();
  }

  public CompletableFuture<Void> finished() {
    return finished;
  }

  /** Told, on the loop's thread, how many job partitions this worker owns after each change. */
  @FunctionalInterface
  public interface AssignmentListener {
    void assigned(int owned, int total);
  }

  /** Sets the listener of assignment changes; call before the loop runs. */
  public void onAssignment(AssignmentListener listener) {
    rebalance.listen(listener::assigned);
  }

  /** Sets what hears of each failed turn (by exception class), e.g. a metric; call before the loop runs. */
  public void onFault(Consumer<String> listener) {
    this.faults = listener;
  }

  /** Completes when this loop first owns at least one job partition. */
  public CompletableFuture<Void> firstAssignment() {
    return rebalance.firstAssignment();
  }

  /** The job partitions this loop owns now. */
  public Set<TopicPartition> assignment() {
    return owned.assignment();
  }

  /** Jobs running now (polled and not finished). */
  public int inFlight() {
    return owned.inFlight();
  }

  /** Turns that failed and were recovered from, since start. */
  public long faults() {
    return faultCount;
  }

  private void dispatch(ConsumerRecord<byte[], byte[]> record) {
    TopicPartition tp = new TopicPartition(record.topic(), record.partition());
    PartitionState state = owned.get(tp);
    if (state == null) {
      return; // revoked, or rewound, while the fetch was in flight; it is read again from the commit
    }
    if (state.polled(record.offset())) {
      return; // a previous owner finished it (commit metadata)
    }
    owned.started();
    byte[] key = settings.ordering() == Ordering.KEY ? record.key() : null;
    state.runInKeyOrder(key, () -> start(state, record, key));
  }

  private void start(PartitionState state, ConsumerRecord<byte[], byte[]> record, byte[] key) {
    CompletableFuture<List<Output>> job;
    try {
      job = jobs.handle(record, state::handedBack);
    } catch (RuntimeException bug) {
      job = CompletableFuture.failedFuture(bug);
    }
    job.whenComplete((outputs, bug) -> completions.post(new Completions.Completion(state, record.offset(), key,
        bug == null ? outputs : List.of(jobs.deadLetter(record, "internal worker error: "
            + bug.getClass().getSimpleName())))));
  }

  /**
   * Pauses what must not be fetched now, resumes the rest. All partitions pause when stopping, or
   * when {@code maxInFlight} jobs are started and not yet committed: that bounds both the calls
   * running and the calls a crash would repeat. A partition also pauses while its committed offsets
   * are unknown, and while its unfinished jobs, span or commit metadata are at their bounds.
   */
  private void applyBackPressure() {
    Set<TopicPartition> all = owned.owned();
    Set<TopicPartition> pause = new HashSet<>(owned.awaiting());
    int occupancy = owned.occupancy();
    if (stopping || occupancy >= settings.maxInFlight()) {
      pause.addAll(all);
    } else {
      if (occupancy >= settings.maxInFlight() - settings.reservedForInteractive()
          && all.stream().anyMatch(tp -> tp.topic().equals(interactiveTopic))) {
        // the slots left are the interactive lane's (when this worker reads some of it): callers who
        // wait never queue behind a batch
        all.stream().filter(tp -> !tp.topic().equals(interactiveTopic)).forEach(pause::add);
      }
      for (PartitionState s : owned.states()) {
        if (s.unfinished() >= MAX_UNFINISHED_PER_PARTITION || s.span() >= MAX_SPAN
            || s.metadataChars() > PAUSE_METADATA_CHARS) {
          pause.add(s.partition);
        }
      }
    }
    Set<TopicPartition> assigned = consumer.assignment();
    pause.retainAll(assigned);
    Set<TopicPartition> paused = consumer.paused();
    List<TopicPartition> toPause = pause.stream().filter(tp -> !paused.contains(tp)).toList();
    List<TopicPartition> toResume = paused.stream().filter(tp -> !pause.contains(tp) && assigned.contains(tp))
        .toList();
    if (!toPause.isEmpty()) {
      consumer.pause(toPause);
    }
    if (!toResume.isEmpty()) {
      consumer.resume(toResume);
    }
    pausedPartitions = pause.size();
  }

  /** The topics the loop reads: the interactive lane (when there is one) and the jobs topic. */
  private List<String> topics() {
    return interactiveTopic == null ? List.of(jobsTopic) : List.of(interactiveTopic, jobsTopic);
  }

  /** Job partitions paused now (back-pressure: jobs in flight or waiting for a route). */
  public int pausedPartitions() {
    return pausedPartitions;
  }
}
