package dev.promptq.worker.consume;

import dev.promptq.job.ApiError;
import dev.promptq.job.Endpoint;
import dev.promptq.job.Job;
import dev.promptq.job.JobCodec;
import dev.promptq.job.JobResult;
import dev.promptq.job.Outcome;
import dev.promptq.job.RoutePolicy;
import dev.promptq.job.TopicNames;
import dev.promptq.kafka.ReplyHeaders;
import dev.promptq.kafka.Topics;
import dev.promptq.worker.lane.LaneEntry;
import dev.promptq.worker.ops.WorkerMetrics;
import dev.promptq.worker.routing.Router;
import dev.promptq.worker.routing.TokenCounts;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns one job record into the records to publish for it: a result on its reply topic and a usage
 * record on the usage topic, or a dead letter when the record is not a job or its result could not
 * be delivered.
 *
 * <p>Nothing a job makes the worker write is larger than {@code resultMaxBytes}: a larger result
 * is replaced, before it is written, by a small {@code errored} one ({@code result_too_large}).
 * Each output carries its fallback for when Kafka refuses it anyway (a topic with a smaller
 * {@code max.message.bytes}, an ACL, a deleted topic): the small errored result on the job's
 * reply topic (too large) or on the default results topic (unwritable), then a dead letter, then
 * a dead letter without the job's value; a job always ends in one of them.
 *
 * <p>{@link #handle} is called on the loop's thread; the returned future completes on another
 * thread and never completes exceptionally.
 */
final class JobHandler implements JobRunner {
  private static final Logger log = LoggerFactory.getLogger(JobHandler.class);

  private final Router router;
  private final TokenCounts counts;
  private final JobCodec codec;
  private final Topics topics;
  private final ReplyDestinations destinations;
  private final ReplyPolicy replies;
  private final WorkerMetrics metrics;
  private final int resultMaxBytes;
  private final UsageRecords usage;
  private final boolean laneOpen;

  JobHandler(Router router, TokenCounts counts, JobCodec codec, Topics topics, ReplyDestinations destinations, ReplyPolicy replies,
      WorkerMetrics metrics, int resultMaxBytes, UsageRecords usage, boolean laneOpen) {
    this.usage = usage;
    this.laneOpen = laneOpen;
    this.metrics = metrics;
    this.router = router;
    this.counts = counts;
    this.codec = codec;
    this.topics = topics;
    this.destinations = destinations;
    this.replies = replies;
    this.resultMaxBytes = resultMaxBytes;
  }

  @Override
  public CompletableFuture<List<Output>> handle(ConsumerRecord<byte[], byte[]> record, BooleanSupplier handedBack) {
    JobCodec.Decoded decoded = codec.decodeJob(record.value());
    if (decoded instanceof JobCodec.Decoded.Invalid invalid) {
      return CompletableFuture.completedFuture(List.of(deadLetter(record, invalid.reason())));
    }
    Job job = ((JobCodec.Decoded.Valid) decoded).job();
    String topic = replyTopic(record, job);
    Integer partition = ReplyHeaders.replyPartition(record.headers());
    Optional<String> forbidden = replies.problem(topic, record);
    if (forbidden.isPresent()) {
      return CompletableFuture.completedFuture(List.of(deadLetter(record, forbidden.get())));
    }
    Instant enqueuedAt = Instant.ofEpochMilli(record.timestamp());
    return destinations.problem(topic, partition).thenCompose(undeliverable -> {
      if (undeliverable.isPresent()) {
        return CompletableFuture.completedFuture(List.of(deadLetter(record, undeliverable.get())));
      }
      if (job.endpoint() == Endpoint.COUNT_TOKENS) {
        return counts.run(job, enqueuedAt).thenApply(result -> handedBack.getAsBoolean() ? List.<Output>of()
            : List.of(reply(record, job, topic, partition, result)));  // free: no usage record
      }
      if (laneOpen && job.route() == RoutePolicy.API_BATCH && !handedBack.getAsBoolean() && router.laneMayTake(job)) {
        return CompletableFuture.completedFuture(List.of(toLane(record, job, topic, partition)));
      }
      boolean laneTried = record.headers().lastHeader(LaneEntry.TRIED_HEADER) != null;
      return router.run(job, enqueuedAt, handedBack, laneTried || !laneOpen).thenApply(result -> {
        if (handedBack.getAsBoolean()) {
          return List.<Output>of();  // the next owner answers it; nothing to count
        }
        if (result.error() != null && result.error().type().equals(Router.TO_LANE)) {
          return List.of(toLane(record, job, topic, partition));  // it can wait: half price
        }
        metrics.onResult(result);
        return List.of(reply(record, job, topic, partition, result), usage.of(job, result));
      });
    }).exceptionally(bug -> {
      log.error("job {} failed inside the worker", job.id(), bug);
      return List.of(deadLetter(record, "internal worker error: " + bug.getClass().getSimpleName()));
    });
  }

  /**
   * The job as a lane entry, on the lane topic: it leaves the jobs topic in the transaction that
   * writes it (exactly-once delivery), and the batch lane answers it.
   */
  private Output toLane(ConsumerRecord<byte[], byte[]> record, Job job, String topic, Integer partition) {
    LaneEntry entry = new LaneEntry(job, topic, partition,
        ReplyHeaders.bytes(record.headers(), ReplyHeaders.CORRELATION_ID), Instant.ofEpochMilli(record.timestamp()));
    ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(topics.lane(), 0, ReplyHeaders.utf8(job.id()),
        entry.encode(codec));
    return new Output(r, (reason, detail) -> deadLetter(record, "the batch lane refused the job (" + reason + ": "
        + detail + ")"));
  }

  @Override
  public int waitingJobs() {
    return router.waitingJobs();
  }

  /** The job's {@code reply_to}, else the {@code kafka_replyTopic} header, else the default results topic. */
  private String replyTopic(ConsumerRecord<byte[], byte[]> record, Job job) {
    if (job.replyTo() != null) {
      return job.replyTo();
    }
    String header = ReplyHeaders.text(record.headers(), ReplyHeaders.REPLY_TOPIC);
    return header != null && TopicNames.isLegal(header) ? header : topics.results();
  }

  /** The result record, or its small errored stand-in when it is larger than {@code resultMaxBytes}. */
  private Output reply(ConsumerRecord<byte[], byte[]> record, Job job, String topic, Integer partition,
      JobResult result) {
    ProducerRecord<byte[], byte[]> r = resultRecord(record, job, topic, partition, result);
    int size = Output.size(r);
    if (size > resultMaxBytes) {
      log.warn("job {}: result of {} bytes is larger than result.max.bytes ({}); publishing an errored result instead",
          job.id(), size, resultMaxBytes);
      return standIn(record, job, topic, partition, result, Rejections.TOO_LARGE,
          "result of " + size + " bytes is larger than result.max.bytes (" + resultMaxBytes + ")");
    }
    return new Output(r, (reason, detail) -> {
      if (reason.equals(Rejections.UNWRITABLE)) {
        destinations.forget(topic);
      }
      log.warn("job {}: Kafka refused its result for {} ({}); publishing an errored result instead", job.id(), topic,
          detail);
      return reason.equals(Rejections.TOO_LARGE)
          ? standIn(record, job, topic, partition, result, reason, detail)
          : standIn(record, job, topics.results(), null, result, reason, detail);
    });
  }

  /**
   * A small {@code errored} result in place of {@code result} (its usage, attempts and waits kept,
   * the message dropped), on {@code topic}; its fallback is the default results topic, then a
   * dead letter.
   */
  private Output standIn(ConsumerRecord<byte[], byte[]> record, Job job, String topic, Integer partition,
      JobResult result, String reason, String detail) {
    metrics.onResultReplaced(reason);
    JobResult small = new JobResult(result.id(), Outcome.ERRORED, result.route(), null, new ApiError(reason,
        "the job's " + result.outcome().wireName() + " result could not be written to " + topic + ": " + detail
            + "; its usage and attempts are kept here", 0),
        result.attempts(), result.usage(), result.metadata(), result.workerId(), result.enqueuedAt(),
        result.startedAt(), result.finishedAt(), result.waits(), result.notes());
    ProducerRecord<byte[], byte[]> r = resultRecord(record, job, topic, partition, small);
    boolean onDefault = topic.equals(topics.results()) && partition == null;
    return new Output(r, (again, why) -> onDefault
        ? deadLetter(record, "result could not be written (" + again + ": " + why + ")")
        : standIn(record, job, topics.results(), null, result, again, why));
  }

  private ProducerRecord<byte[], byte[]> resultRecord(ConsumerRecord<byte[], byte[]> record, Job job, String topic,
      Integer partition, JobResult result) {
    Headers headers = ReplyHeaders.ofResult(ReplyHeaders.bytes(record.headers(), ReplyHeaders.CORRELATION_ID), result);
    log.debug("job {} {} via {} in {} ms", job.id(), result.outcome().wireName(),
        result.route() == null ? "-" : result.route().wireName(), result.processingTime().toMillis());
    return new ProducerRecord<>(topic, partition, ReplyHeaders.utf8(job.id()), codec.encodeResult(result), headers);
  }

  /**
   * A dead letter: the job record's key, value and headers with the reason and origin. Larger than
   * {@code resultMaxBytes}, or refused by Kafka, it goes without the value (and the record's own
   * headers); refused again, nothing is written and the drop is logged.
   */
  @Override
  public Output deadLetter(ConsumerRecord<byte[], byte[]> record, String reason) {
    String origin = record.topic() + "-" + record.partition() + "@" + record.offset();
    metrics.onDeadLetter(origin, reason);
    log.warn("dead letter from {}: {}", origin, reason);
    ProducerRecord<byte[], byte[]> full = deadLetterRecord(record, reason, true);
    if (Output.size(full) > resultMaxBytes) {
      return new Output(deadLetterRecord(record, reason + " (job record of " + Output.size(full)
          + " bytes left out: larger than result.max.bytes)", false), dropped(origin));
    }
    return new Output(full, (again, detail) -> {
      log.warn("dead letter from {} refused by Kafka ({}); writing it without the job record", origin, detail);
      return new Output(deadLetterRecord(record, reason + " (job record left out: " + again + ")", false),
          dropped(origin));
    });
  }

  private static Output.Fallback dropped(String origin) {
    return (reason, detail) -> {
      log.error("nothing could be written for the job at {}: its dead letter was refused ({}: {}); check the "
          + "dead-letter topic's ACLs and max.message.bytes", origin, reason, detail);
      return null;
    };
  }

  private ProducerRecord<byte[], byte[]> deadLetterRecord(ConsumerRecord<byte[], byte[]> record, String reason,
      boolean whole) {
    Headers headers = whole ? new RecordHeaders(record.headers().toArray()) : new RecordHeaders();
    headers.add(ReplyHeaders.DLQ_REASON, ReplyHeaders.utf8(reason.length() > 2000 ? reason.substring(0, 2000) : reason));
    headers.add(ReplyHeaders.DLQ_ORIGIN,
        ReplyHeaders.utf8(record.topic() + "-" + record.partition() + "@" + record.offset()));
    byte[] key = record.key() != null && record.key().length > 1024 && !whole ? null : record.key();
    return new ProducerRecord<>(topics.deadLetters(), null, key, whole ? record.value() : null, headers);
  }
}
