package dev.promptq.worker.consume;

import dev.promptq.worker.Ordering;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The consume loop of one worker, on the thread that owns the Kafka consumer.
 *
 * <p>Each turn it polls, starts every polled job at once (calls run on the HTTP client's threads;
 * their completions come back through a mailbox), applies completed jobs to their
 * {@link PartitionState}, and every {@code commitInterval} hands the outputs of finished jobs and
 * the new commit points to the {@link Committer} on a commit thread of its own, one commit at a
 * time, so that polling and dispatching never wait for a transaction. A partition's commit point is its lowest
 * unfinished offset; the finished offsets above it travel in the commit metadata, so the next
 * owner skips them. When {@code maxInFlight} jobs are running, every partition is paused and the
 * loop keeps polling, so slow calls never push the worker out of its group.
 *
 * <p>Not thread-safe, except {@link #stop}, which any thread may call.
 */
public final class JobLoop implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(JobLoop.class);
  /** Per partition, at most this many unfinished jobs, so the commit metadata stays small. */
  static final int MAX_UNFINISHED_PER_PARTITION = 500;
  /** Per partition, at most this distance from the commit point to the highest polled offset. */
  static final long MAX_SPAN = 16_000;

  /**
   * How the loop runs.
   *
   * @param maxInFlight jobs started and not yet committed, at most (a crash repeats at most this many calls, plus one poll)
   * @param commitInterval time between commits; results become visible at commit
   * @param revocationGrace on revocation, how long running jobs of revoked partitions may finish
   */
  public record Settings(int maxInFlight, Duration commitInterval, Ordering ordering, Duration revocationGrace) {}

  /** A commit running on the commit thread, with what it took from the partition states. */
  private record PendingCommit(Future<Committer.Result> result, Map<PartitionState, List<ProducerRecord<byte[], byte[]>>> taken,
      Map<TopicPartition, OffsetAndMetadata> offsets, Map<PartitionState, long[]> versionAndDone) {}

  /** A job finished on an HTTP thread, waiting for the loop to apply it. */
  private record Completion(PartitionState state, long offset, byte[] key, List<ProducerRecord<byte[], byte[]>> outputs) {}

  private final Consumer<byte[], byte[]> consumer;
  private final Committer committer;
  private final JobHandler handler;
  private final Settings settings;
  private final String jobsTopic;
  private final Clock clock;
  private final LinkedBlockingQueue<Completion> mailbox = new LinkedBlockingQueue<>();
  private final Map<TopicPartition, PartitionState> states = new HashMap<>();
  private final CompletableFuture<Void> finished = new CompletableFuture<>();
  private final CompletableFuture<Void> firstAssignment = new CompletableFuture<>();
  private volatile boolean stopping;
  private volatile int pausedPartitions;
  private volatile Instant stopDeadline = Instant.MAX;
  private volatile Set<TopicPartition> assignment = Set.of();
  private volatile AssignmentListener assignmentListener = (owned, total) -> { };
  private volatile int inFlight;
  private Instant lastCommit;
  private ExecutorService commitThread;
  private PendingCommit pending;

  JobLoop(Consumer<byte[], byte[]> consumer, Committer committer, JobHandler handler, Settings settings,
      String jobsTopic, Clock clock) {
    this.consumer = consumer;
    this.committer = committer;
    this.handler = handler;
    this.settings = settings;
    this.jobsTopic = jobsTopic;
    this.clock = clock;
    this.lastCommit = clock.instant();
  }

  @Override
  public void run() {
    commitThread = Executors.newSingleThreadExecutor(r -> new Thread(r, Thread.currentThread().getName() + "-commit"));
    try {
      consumer.subscribe(List.of(jobsTopic), new Rebalance());
      // Stopping, jobs that wait for a route (a quota reset may be hours away) are handed back at once.
      while (!stopping || ((inFlight > handler.waitingJobs() || uncommitted() || pending != null)
          && clock.instant().isBefore(stopDeadline))) {
        ConsumerRecords<byte[], byte[]> records;
        try {
          records = consumer.poll(inFlight > 0 || pending != null || stopping ? Duration.ofMillis(5)
              : Duration.ofMillis(200));
        } catch (WakeupException e) {
          continue; // stop() woke us; the loop condition decides
        }
        for (ConsumerRecord<byte[], byte[]> r : records) {
          dispatch(r);
        }
        drainMailbox();
        finishCommit(false);
        if (pending == null
            && (stopping || Duration.between(lastCommit, clock.instant()).compareTo(settings.commitInterval()) >= 0)) {
          startCommit();
        }
        applyBackPressure();
      }
      drainMailbox();
      commitNow();
      if (inFlight > 0 || uncommitted()) {
        log.info("stopping: {} jobs unfinished or uncommitted after the grace period; the group will run them again",
            inFlight);
      }
      finished.complete(null);
    } catch (RuntimeException | Error e) {
      log.error("job loop failed; uncommitted jobs will be consumed again by the group", e);
      finished.completeExceptionally(e);
    } finally {
      stopping = true;
      try {
        consumer.close();
      } finally {
        commitThread.shutdownNow();
        committer.close();
      }
    }
  }

  /**
   * Asks the loop to stop: it stops fetching, lets running jobs finish for up to {@code grace},
   * commits what is done and closes; unfinished jobs go back to the group uncommitted.
   */
  public void stop(Duration grace) {
    stopDeadline = clock.instant().plus(grace);
    stopping = true;
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
    this.assignmentListener = listener;
  }

  private void tellAssignment() {
    int total;
    try {
      total = consumer.partitionsFor(jobsTopic).size();
    } catch (RuntimeException e) {
      log.warn("cannot read the partition count of {}: {}", jobsTopic, e.toString());
      return;
    }
    assignmentListener.assigned(assignment.size(), total);
  }

  /** Completes when this loop first owns at least one job partition. */
  public CompletableFuture<Void> firstAssignment() {
    return firstAssignment;
  }

  /** The job partitions this loop owns now. */
  public Set<TopicPartition> assignment() {
    return assignment;
  }

  /** Jobs running now (polled and not finished). */
  public int inFlight() {
    return inFlight;
  }

  private void dispatch(ConsumerRecord<byte[], byte[]> record) {
    TopicPartition tp = new TopicPartition(record.topic(), record.partition());
    PartitionState state = states.get(tp);
    if (state == null) {
      return; // revoked while the fetch was in flight; the next owner reads it
    }
    if (state.polled(record.offset())) {
      return; // a previous owner finished it (commit metadata)
    }
    inFlight++;
    byte[] key = settings.ordering() == Ordering.KEY ? record.key() : null;
    state.runInKeyOrder(key, () -> handler.handle(record, state::handedBack).whenComplete((outputs, bug) ->
        mailbox.add(new Completion(state, record.offset(), key,
            bug == null ? outputs : List.of(handler.deadLetter(record, "internal worker error: " + bug))))));
  }

  private void drainMailbox() {
    Completion c;
    while ((c = mailbox.poll()) != null) {
      apply(c);
    }
  }

  private void apply(Completion c) {
    if (states.get(c.state().partition) != c.state()) {
      return; // the partition was revoked or rewound since this job started
    }
    c.state().completed(c.offset(), c.outputs());
    inFlight--;
    c.state().keyDone(c.key());
  }

  private boolean uncommitted() {
    for (PartitionState s : states.values()) {
      if (s.uncommitted()) {
        return true;
      }
    }
    return false;
  }

  /**
   * Takes the outputs of finished jobs and the new commit points and hands them to the commit
   * thread; the loop goes on polling meanwhile. Does nothing when there is nothing to commit.
   */
  private void startCommit() {
    lastCommit = clock.instant();
    Map<PartitionState, List<ProducerRecord<byte[], byte[]>>> taken = new HashMap<>();
    Map<PartitionState, long[]> versions = new HashMap<>();
    List<ProducerRecord<byte[], byte[]>> outputs = new ArrayList<>();
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    for (PartitionState state : states.values()) {
      long version = state.version();
      int done = state.doneUncommitted();
      List<ProducerRecord<byte[], byte[]>> out = state.takeOutputs();
      taken.put(state, out);
      outputs.addAll(out);
      OffsetAndMetadata point = state.commitPoint(() -> consumer.position(state.partition));
      if (point != null) {
        offsets.put(state.partition, point);
        versions.put(state, new long[] {version, done});
      }
    }
    if (outputs.isEmpty() && offsets.isEmpty()) {
      return;
    }
    ConsumerGroupMetadata group = consumer.groupMetadata();
    pending = new PendingCommit(commitThread.submit(() -> committer.publish(outputs, offsets, group)), taken, offsets,
        versions);
  }

  /**
   * Applies the result of the running commit, if it has finished ({@code wait}: waits for it).
   * Committed: the states learn their new commit points. Retry: the outputs go back to their
   * states for the next commit. Rewind: every partition restarts from its last commit.
   */
  private void finishCommit(boolean wait) {
    if (pending == null || (!wait && !pending.result().isDone())) {
      return;
    }
    PendingCommit p = pending;
    pending = null;
    Committer.Result result;
    try {
      result = p.result().get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      result = Committer.Result.REWIND;
    } catch (ExecutionException e) {
      throw new IllegalStateException("commit failed unexpectedly", e.getCause());
    }
    if (result == Committer.Result.COMMITTED) {
      result = committer.afterPublish(p.offsets());
    }
    switch (result) {
      case COMMITTED -> p.versionAndDone().forEach((state, vd) -> {
        if (states.get(state.partition) == state) {
          state.committed(vd[0], (int) vd[1]);
        }
      });
      case RETRY -> p.taken().forEach((state, outputs) -> {
        if (states.get(state.partition) == state) {
          state.restoreOutputs(outputs);
        }
      });
      case REWIND -> rewind(new HashSet<>(states.keySet()));
      default -> throw new IllegalStateException("unknown result " + result);
    }
  }

  /** Commits everything finished so far and waits for it (rebalance, shutdown). */
  private void commitNow() {
    finishCommit(true);
    startCommit();
    finishCommit(true);
  }

  /**
   * The committed offsets of {@code partitions}, waiting as long as it takes: a previous owner
   * killed mid-transaction keeps them unreadable until its transaction times out (15 s for
   * promptq workers), and the partitions cannot be processed before they are known.
   */
  private Map<TopicPartition, OffsetAndMetadata> committedOffsets(Set<TopicPartition> partitions) {
    int attempts = 0;
    while (true) {
      try {
        return consumer.committed(partitions, Duration.ofSeconds(10));
      } catch (org.apache.kafka.common.errors.TimeoutException e) {
        if (stopping && clock.instant().isAfter(stopDeadline)) {
          throw e;
        }
        if (attempts++ == 0) {
          log.info("committed offsets of {} are not readable yet (a transaction of their previous owner is still "
              + "open); waiting", partitions);
        }
      }
    }
  }

  /** Forgets all progress on {@code partitions} since their last commit and reads them again from there. */
  private void rewind(Set<TopicPartition> partitions) {
    Map<TopicPartition, OffsetAndMetadata> committed = committedOffsets(partitions);
    for (TopicPartition tp : partitions) {
      PartitionState old = states.put(tp, new PartitionState(tp, committed.get(tp)));
      if (old != null) {
        inFlight -= old.unfinished();
      }
      OffsetAndMetadata c = committed.get(tp);
      if (c != null) {
        consumer.seek(tp, c.offset());
      } else {
        consumer.seekToBeginning(List.of(tp));
      }
    }
    log.warn("rewound {} job partitions to their last commit", partitions.size());
  }

  /**
   * Pauses what must not be fetched now, resumes the rest. All partitions pause when stopping, or
   * when {@code maxInFlight} jobs are started and not yet committed: that bounds both the calls
   * running and the calls a crash would repeat.
   */
  private void applyBackPressure() {
    int occupancy = 0;
    for (PartitionState s : states.values()) {
      occupancy += s.occupancy();
    }
    Set<TopicPartition> pause = new HashSet<>();
    if (stopping || occupancy >= settings.maxInFlight()) {
      pause.addAll(states.keySet());
    } else {
      states.forEach((tp, s) -> {
        if (s.unfinished() >= MAX_UNFINISHED_PER_PARTITION || s.span() >= MAX_SPAN) {
          pause.add(tp);
        }
      });
    }
    Set<TopicPartition> paused = consumer.paused();
    List<TopicPartition> toPause = pause.stream().filter(tp -> !paused.contains(tp)).toList();
    List<TopicPartition> toResume = paused.stream().filter(tp -> !pause.contains(tp)).toList();
    if (!toPause.isEmpty()) {
      consumer.pause(toPause);
    }
    if (!toResume.isEmpty()) {
      consumer.resume(toResume);
    }
    pausedPartitions = pause.size();
  }

  /** Job partitions paused now (back-pressure: jobs in flight or waiting for a route). */
  public int pausedPartitions() {
    return pausedPartitions;
  }

  /** Waits, applying completions, until the jobs of {@code partitions} are done or {@code until} passes. */
  private void awaitPartitions(Collection<TopicPartition> partitions, Instant until) {
    while (clock.instant().isBefore(until)) {
      int running = 0;
      for (TopicPartition tp : partitions) {
        PartitionState s = states.get(tp);
        running += s == null ? 0 : s.unfinished();
      }
      if (running == 0) {
        return;
      }
      try {
        Completion c = mailbox.poll(Math.max(1, Duration.between(clock.instant(), until).toMillis()), TimeUnit.MILLISECONDS);
        if (c != null) {
          apply(c);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private void drop(Collection<TopicPartition> partitions) {
    for (TopicPartition tp : partitions) {
      PartitionState old = states.remove(tp);
      if (old != null) {
        old.handBack();  // its jobs still waiting for a route never call: the next owner runs them
        inFlight -= old.unfinished();
      }
    }
    Set<TopicPartition> now = new HashSet<>(assignment);
    now.removeAll(partitions);
    assignment = Set.copyOf(now);
  }

  /** Runs inside {@code poll} on the loop's thread. */
  private final class Rebalance implements ConsumerRebalanceListener {
    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
      if (partitions.isEmpty()) {
        return;
      }
      Duration grace = stopping ? Duration.ZERO : settings.revocationGrace();
      awaitPartitions(partitions, clock.instant().plus(grace));
      commitNow();
      int abandoned = 0;
      for (TopicPartition tp : partitions) {
        PartitionState s = states.get(tp);
        abandoned += s == null ? 0 : s.unfinished();
      }
      drop(partitions);
      log.info("revoked {} job partitions ({} running jobs handed back), now {}", partitions.size(), abandoned,
          assignment.size());
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
      Map<TopicPartition, OffsetAndMetadata> committed = committedOffsets(new HashSet<>(partitions));
      for (TopicPartition tp : partitions) {
        states.put(tp, new PartitionState(tp, committed.get(tp)));
      }
      assignment = Set.copyOf(consumer.assignment());
      log.info("assigned {} job partitions, now {}", partitions.size(), assignment.size());
      tellAssignment();
      firstAssignment.complete(null);
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
      drop(partitions);
      log.warn("lost {} job partitions; their running jobs are dropped uncommitted", partitions.size());
      tellAssignment();
    }
  }
}
