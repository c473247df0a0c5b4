package dev.promptq.worker.consume;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The job loop without a broker: Kafka's {@code MockConsumer}, a scripted committer and scripted
 * jobs. Each test provokes one fault and checks that the loop goes on and no job calls twice.
 */
class JobLoopTest {
  private static final String TOPIC = "promptq.jobs";
  private static final TopicPartition TP = new TopicPartition(TOPIC, 0);

  /** A MockConsumer whose committed offsets cannot be read for the first {@code unreadable} attempts. */
  private static final class Consumer extends MockConsumer<byte[], byte[]> {
    final AtomicInteger unreadable = new AtomicInteger();
    final AtomicInteger committedReads = new AtomicInteger();

    Consumer() {
      super("earliest");
      updatePartitions(TOPIC, List.of(new org.apache.kafka.common.PartitionInfo(TOPIC, 0, null, null, null)));
      updateBeginningOffsets(Map.of(TP, 0L));
    }

    @Override
    public synchronized Map<TopicPartition, OffsetAndMetadata> committed(Set<TopicPartition> partitions,
        Duration timeout) {
      committedReads.incrementAndGet();
      if (unreadable.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
        throw new TimeoutException("Timeout of " + timeout.toMillis() + "ms expired before the last committed "
            + "offset for partitions could be determined");
      }
      return super.committed(partitions, timeout);
    }

    @Override
    public ConsumerGroupMetadata groupMetadata() {
      return new ConsumerGroupMetadata("promptq-workers");
    }
  }

  /** Commits as told: each commit takes the next scripted result, {@link Committer.Committed} when none. */
  private final class ScriptedCommitter implements Committer {
    final Queue<Result> script = new ArrayDeque<>();
    final List<ProducerRecord<byte[], byte[]>> published = new CopyOnWriteArrayList<>();
    final List<Map<TopicPartition, OffsetAndMetadata>> commits = new CopyOnWriteArrayList<>();

    @Override
    public synchronized Result publish(List<Output> outputs, Map<TopicPartition, OffsetAndMetadata> offsets,
        ConsumerGroupMetadata group) {
      Result r = script.poll();
      if (r == null || r instanceof Committed) {
        outputs.forEach(o -> published.add(o.record()));
        return new Committed();
      }
      return r;
    }

    @Override
    public Result afterPublish(Map<TopicPartition, OffsetAndMetadata> offsets) {
      consumer.commitSync(offsets);
      commits.add(offsets);
      return new Committed();
    }

    @Override
    public void close() {}
  }

  /** Jobs that finish when the test says; each remembers whether it was handed back. */
  private static final class ScriptedJobs implements JobRunner {
    final Map<Long, CompletableFuture<List<Output>>> running = new ConcurrentHashMap<>();
    final Map<Long, BooleanSupplier> handedBack = new ConcurrentHashMap<>();
    final Set<Long> finishAtOnce = ConcurrentHashMap.newKeySet();
    volatile boolean allAtOnce;
    final AtomicInteger started = new AtomicInteger();

    @Override
    public CompletableFuture<List<Output>> handle(ConsumerRecord<byte[], byte[]> record, BooleanSupplier back) {
      started.incrementAndGet();
      handedBack.put(record.offset(), back);
      List<Output> result = List.of(Output.of(new ProducerRecord<>("promptq.results", ("r" + record.offset()).getBytes())));
      if (allAtOnce || finishAtOnce.contains(record.offset())) {
        return CompletableFuture.completedFuture(result);
      }
      CompletableFuture<List<Output>> f = new CompletableFuture<>();
      running.put(record.offset(), f);
      return f;
    }

    @Override
    public Output deadLetter(ConsumerRecord<byte[], byte[]> record, String reason) {
      return Output.of(new ProducerRecord<>("promptq.jobs.dlq", reason.getBytes()));
    }

    @Override
    public int waitingJobs() {
      return 0;
    }
  }

  private final Consumer consumer = new Consumer();
  private final ScriptedCommitter committer = new ScriptedCommitter();
  private final ScriptedJobs jobs = new ScriptedJobs();
  private JobLoop loop;
  private Thread thread;

  private void start(int maxInFlight) {
    loop = new JobLoop(consumer, committer, jobs, new JobLoop.Settings(maxInFlight, Duration.ofMillis(5),
        Ordering.UNORDERED, Duration.ZERO), TOPIC, Clock.systemUTC());
    thread = new Thread(loop, "promptq-worker-test");
    thread.start();
    consumer.schedulePollTask(() -> consumer.rebalance(List.of(TP)));
  }

  private void add(long offset) {
    consumer.schedulePollTask(() -> consumer.addRecord(new ConsumerRecord<>(TOPIC, 0, offset, ("k" + offset).getBytes(),
        "{}".getBytes())));
  }

  @AfterEach
  void stop() throws Exception {
    if (loop != null) {
      loop.stop(Duration.ZERO);
      thread.join(10_000);
    }
  }

  @Test
  void theSlotsReservedForTheInteractiveLaneAreNeverTakenByTheJobsTopic() {
    String interactive = TOPIC + ".interactive";
    TopicPartition itp = new TopicPartition(interactive, 0);
    loop = new JobLoop(consumer, committer, jobs, new JobLoop.Settings(3, Duration.ofMillis(5),
        Ordering.UNORDERED, Duration.ZERO, 1), TOPIC, interactive, Clock.systemUTC());
    thread = new Thread(loop, "promptq-worker-test");
    thread.start();
    consumer.updateBeginningOffsets(Map.of(itp, 0L));
    consumer.schedulePollTask(() -> consumer.rebalance(List.of(TP, itp)));
    add(0);
    add(1);
    add(2);  // a third batch job would take the reserved slot
    await().until(() -> jobs.started.get() == 2);
    await().until(() -> consumer.paused().contains(TP) && !consumer.paused().contains(itp));
    consumer.schedulePollTask(() -> consumer.addRecord(new ConsumerRecord<>(interactive, 0, 0, "i".getBytes(),
        "{}".getBytes())));
    await().until(() -> jobs.started.get() == 3);
    await().until(() -> consumer.paused().contains(itp));  // now every slot is taken
    assertEquals(3, loop.inFlight());
    jobs.running.values().forEach(f -> f.complete(List.of()));
    await().until(() -> jobs.started.get() == 4);  // the waiting batch job starts once slots free
  }

  @Test
  void aRewindHandsBackTheJobsStillWaitingSoTheyNeverCallAndFreesTheirSlots() {
    start(100);
    add(0);
    add(1);
    await().until(() -> jobs.started.get() == 2);
    committer.script.add(new Committer.Rewind("fenced by a newer worker"));

    jobs.running.get(1L).complete(List.of());  // a commit happens, and is answered with a rewind

    await().until(() -> jobs.handedBack.get(0L).getAsBoolean());
    assertEquals(0, loop.inFlight(), "jobs of the old generation no longer hold slots");
    assertFalse(loop.finished().isDone(), "the loop goes on");
  }

  @Test
  void committedOffsetsThatCannotBeReadKeepThePartitionPausedWhileTheLoopGoesOn() {
    consumer.unreadable.set(3);  // the broker is away, or a previous owner's transaction is still open
    jobs.allAtOnce = true;
    start(100);
    add(0);

    await().atMost(Duration.ofSeconds(20)).until(() -> committer.published.size() == 1);
    assertTrue(consumer.committedReads.get() >= 4, "read again until readable: " + consumer.committedReads.get());
    assertFalse(loop.finished().isDone());
  }

  @Test
  void aTurnThatThrowsRewindsAndTheLoopGoesOn() {
    jobs.allAtOnce = true;
    start(100);
    await().until(() -> !loop.assignment().isEmpty());
    consumer.setPollException(new KafkaException("unexpected error in poll"));
    add(0);

    await().atMost(Duration.ofSeconds(20)).until(() -> committer.published.size() >= 1);
    assertTrue(loop.faults() >= 1);
    assertFalse(loop.finished().isDone());
  }

  @Test
  void aJobThatThrowsInsteadOfReturningBecomesADeadLetterAndTheLoopGoesOn() {
    JobRunner throwing = new JobRunner() {
      @Override
      public CompletableFuture<List<Output>> handle(ConsumerRecord<byte[], byte[]> record, BooleanSupplier back) {
        throw new IllegalStateException("a bug in a job's handling");
      }

      @Override
      public Output deadLetter(ConsumerRecord<byte[], byte[]> record, String reason) {
        return jobs.deadLetter(record, reason);
      }

      @Override
      public int waitingJobs() {
        return 0;
      }
    };
    loop = new JobLoop(consumer, committer, throwing, new JobLoop.Settings(100, Duration.ofMillis(5),
        Ordering.UNORDERED, Duration.ZERO), TOPIC, Clock.systemUTC());
    thread = new Thread(loop, "promptq-worker-test");
    thread.start();
    consumer.schedulePollTask(() -> consumer.rebalance(List.of(TP)));
    add(0);

    await().until(() -> committer.published.size() == 1);
    assertEquals("promptq.jobs.dlq", committer.published.get(0).topic());
  }

  @Test
  void aPartitionWhoseCommitMetadataNearsItsBoundStopsFetchingInsteadOfFailing() {
    start(100_000);
    // Offset 0 waits (a subscription_only job before a reset); behind it, jobs of transactional
    // producers: one marker after each, so the done offsets are never contiguous.
    for (long o = 2; o < 8002; o += 2) {
      jobs.finishAtOnce.add(o);
    }
    consumer.schedulePollTask(() -> {
      for (long o = 0; o < 8002; o += 2) {
        consumer.addRecord(new ConsumerRecord<>(TOPIC, 0, o, ("k" + o).getBytes(), "{}".getBytes()));
      }
    });

    await().atMost(Duration.ofSeconds(20)).until(() -> consumer.paused().contains(TP) && !committer.commits.isEmpty());
    for (Map<TopicPartition, OffsetAndMetadata> c : committer.commits) {
      assertTrue(c.get(TP).metadata().length() <= OffsetMetadata.MAX_CHARS, c.get(TP).metadata().length() + " chars");
    }
    jobs.running.get(0L).complete(List.of(Output.of(new ProducerRecord<>("promptq.results", "r0".getBytes()))));
    await().atMost(Duration.ofSeconds(20)).until(() -> jobs.started.get() == 4001
        && committer.published.size() == jobs.started.get());
    assertEquals(committer.published.stream().map(r -> new String(r.value())).distinct().count(),
        committer.published.size(), "each result published once");
  }
}
