package dev.promptq.worker.consume;

import dev.promptq.job.Job;
import dev.promptq.job.JobCodec;
import dev.promptq.job.JobResult;
import dev.promptq.job.TopicNames;
import dev.promptq.kafka.ReplyHeaders;
import dev.promptq.kafka.Topics;
import dev.promptq.worker.routing.Router;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The consume-route-publish-commit loop of one worker, run on the thread that owns the consumer.
 *
 * <p>Each poll returns a batch of at most {@code max.in.flight} records. Every valid job of the
 * batch starts at once (calls run concurrently on the HTTP client's threads); records that are
 * not jobs become dead letters. When every job of the batch has its result, the results and dead
 * letters are published, flushed and acknowledged by the broker, and only then are the batch's
 * offsets committed. A crash anywhere before the commit means the batch is consumed again: no job
 * is lost, and a job may be answered twice only after a crash (at-least-once).
 *
 * <p>Not thread-safe, except {@link #stop}, which any thread may call.
 */
public final class JobLoop implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(JobLoop.class);

  private final Consumer<byte[], byte[]> consumer;
  private final Producer<byte[], byte[]> producer;
  private final Router router;
  private final JobCodec codec;
  private final Topics topics;
  private final Duration pollTimeout;
  private final ReplyDestinations destinations;
  private volatile boolean stopping;
  private volatile Instant abandonAfter = Instant.MAX;
  private volatile Set<TopicPartition> assignment = Set.of();
  private final CompletableFuture<Void> finished = new CompletableFuture<>();
  private final CompletableFuture<Void> firstAssignment = new CompletableFuture<>();

  /**
   * @param admin used to check reply destinations; owned by the caller
   */
  public JobLoop(Consumer<byte[], byte[]> consumer, Producer<byte[], byte[]> producer, Admin admin, Router router,
      JobCodec codec, Topics topics, Duration pollTimeout) {
    this.destinations = new ReplyDestinations(admin, Clock.systemUTC());
    this.consumer = consumer;
    this.producer = producer;
    this.router = router;
    this.codec = codec;
    this.topics = topics;
    this.pollTimeout = pollTimeout;
  }

  @Override
  public void run() {
    try {
      consumer.subscribe(List.of(topics.jobs()), new Rebalance());
      while (!stopping) {
        ConsumerRecords<byte[], byte[]> records;
        try {
          records = consumer.poll(pollTimeout);
        } catch (WakeupException e) {
          continue; // stop() woke us; the loop condition decides
        }
        if (!records.isEmpty()) {
          handle(records);
        }
      }
      finished.complete(null);
    } catch (RuntimeException | Error e) {
      log.error("job loop failed; uncommitted jobs will be consumed again by the group", e);
      finished.completeExceptionally(e);
    } finally {
      consumer.close();
    }
  }

  /**
   * Asks the loop to stop: no new poll; the batch in progress may finish until {@code grace} has
   * passed, after which it is abandoned unpublished and uncommitted (the group runs it again).
   */
  public void stop(Duration grace) {
    abandonAfter = Instant.now().plus(grace);
    stopping = true;
    consumer.wakeup();
  }

  /** Completes when the loop has ended, exceptionally if it failed. */
  public CompletableFuture<Void> finished() {
    return finished;
  }

  /** Completes when this loop first owns at least one job partition. */
  public CompletableFuture<Void> firstAssignment() {
    return firstAssignment;
  }

  /** The job partitions this loop owns now. */
  public Set<TopicPartition> assignment() {
    return assignment;
  }

  private void handle(ConsumerRecords<byte[], byte[]> records) {
    List<CompletableFuture<ProducerRecord<byte[], byte[]>>> outputs = new ArrayList<>(records.count());
    for (ConsumerRecord<byte[], byte[]> record : records) {
      outputs.add(outputFor(record));
    }
    CompletableFuture<Void> all = CompletableFuture.allOf(outputs.toArray(CompletableFuture[]::new));
    if (!awaitBatch(all)) {
      log.info("stopping: abandoned a batch of {} records, uncommitted; the group will run them again", records.count());
      return;
    }
    List<Future<RecordMetadata>> sends = new ArrayList<>(outputs.size());
    for (CompletableFuture<ProducerRecord<byte[], byte[]>> out : outputs) {
      sends.add(producer.send(out.join()));
    }
    producer.flush();
    for (Future<RecordMetadata> send : sends) {
      try {
        send.get();
      } catch (ExecutionException e) {
        throw new IllegalStateException("cannot publish a result: " + e.getCause().getMessage(), e.getCause());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while publishing results", e);
      }
    }
    consumer.commitSync(nextOffsets(records));
  }

  /** Waits for the batch; false if stopping and the grace period ran out first. */
  private boolean awaitBatch(CompletableFuture<Void> all) {
    while (true) {
      try {
        all.get(100, TimeUnit.MILLISECONDS);
        return true;
      } catch (TimeoutException e) {
        if (stopping && Instant.now().isAfter(abandonAfter)) {
          return false;
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      } catch (ExecutionException e) {
        throw new IllegalStateException("a job future failed (router bug)", e.getCause());
      }
    }
  }

  private CompletableFuture<ProducerRecord<byte[], byte[]>> outputFor(ConsumerRecord<byte[], byte[]> record) {
    JobCodec.Decoded decoded = codec.decodeJob(record.value());
    if (decoded instanceof JobCodec.Decoded.Invalid invalid) {
      log.warn("dead letter from {}-{}@{}: {}", record.topic(), record.partition(), record.offset(), invalid.reason());
      return CompletableFuture.completedFuture(deadLetter(record, invalid.reason()));
    }
    Job job = ((JobCodec.Decoded.Valid) decoded).job();
    String topic = replyTopic(record, job);
    Integer partition = ReplyHeaders.replyPartition(record.headers());
    Optional<String> undeliverable = destinations.problem(topic, partition);
    if (undeliverable.isPresent()) {
      log.warn("dead letter from {}-{}@{}: {}", record.topic(), record.partition(), record.offset(), undeliverable.get());
      return CompletableFuture.completedFuture(deadLetter(record, undeliverable.get()));
    }
    Instant enqueuedAt = Instant.ofEpochMilli(record.timestamp());
    return router.run(job, enqueuedAt).thenApply(result -> reply(record, job, topic, partition, result));
  }

  /** The job's {@code reply_to}, else the {@code kafka_replyTopic} header, else the default results topic. */
  private String replyTopic(ConsumerRecord<byte[], byte[]> record, Job job) {
    if (job.replyTo() != null) {
      return job.replyTo();
    }
    String header = ReplyHeaders.text(record.headers(), ReplyHeaders.REPLY_TOPIC);
    return header != null && TopicNames.isLegal(header) ? header : topics.results();
  }

  private ProducerRecord<byte[], byte[]> reply(ConsumerRecord<byte[], byte[]> record, Job job, String topic,
      Integer partition, JobResult result) {
    byte[] correlation = ReplyHeaders.bytes(record.headers(), ReplyHeaders.CORRELATION_ID);
    Headers headers = new RecordHeaders();
    headers.add(ReplyHeaders.CORRELATION_ID, correlation != null ? correlation : ReplyHeaders.utf8(job.id()));
    headers.add(ReplyHeaders.JOB_ID, ReplyHeaders.utf8(job.id()));
    headers.add(ReplyHeaders.OUTCOME, ReplyHeaders.utf8(result.outcome().wireName()));
    if (result.route() != null) {
      headers.add(ReplyHeaders.ROUTE, ReplyHeaders.utf8(result.route().wireName()));
    }
    log.debug("job {} {} via {} in {} ms", job.id(), result.outcome().wireName(),
        result.route() == null ? "-" : result.route().wireName(), result.processingTime().toMillis());
    return new ProducerRecord<>(topic, partition, ReplyHeaders.utf8(job.id()), codec.encodeResult(result), headers);
  }

  private ProducerRecord<byte[], byte[]> deadLetter(ConsumerRecord<byte[], byte[]> record, String reason) {
    Headers headers = new RecordHeaders(record.headers().toArray());
    headers.add(ReplyHeaders.DLQ_REASON, ReplyHeaders.utf8(reason));
    headers.add(ReplyHeaders.DLQ_ORIGIN,
        ReplyHeaders.utf8(record.topic() + "-" + record.partition() + "@" + record.offset()));
    return new ProducerRecord<>(topics.deadLetters(), null, record.key(), record.value(), headers);
  }

  private static Map<TopicPartition, OffsetAndMetadata> nextOffsets(ConsumerRecords<byte[], byte[]> records) {
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    for (TopicPartition tp : records.partitions()) {
      List<ConsumerRecord<byte[], byte[]>> list = records.records(tp);
      offsets.put(tp, new OffsetAndMetadata(list.get(list.size() - 1).offset() + 1));
    }
    return offsets;
  }

  private static Set<TopicPartition> without(Set<TopicPartition> set, Collection<TopicPartition> removed) {
    Set<TopicPartition> copy = new java.util.HashSet<>(set);
    copy.removeAll(removed);
    return Set.copyOf(copy);
  }

  /** Keeps {@link #assignment} current and logs changes. */
  private final class Rebalance implements ConsumerRebalanceListener {
    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
      assignment = Set.copyOf(consumer.assignment());
      if (!partitions.isEmpty()) {
        log.info("assigned {} job partitions, now {}", partitions.size(), assignment.size());
        firstAssignment.complete(null);
      }
    }

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
      // Nothing in flight here: the batch is committed before the next poll, where rebalances happen.
      assignment = without(assignment, partitions);
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
      assignment = without(assignment, partitions);
      log.warn("lost {} job partitions", partitions.size());
    }
  }
}
