package dev.promptq.worker.consume;

import dev.promptq.job.Job;
import dev.promptq.job.JobCodec;
import dev.promptq.job.JobResult;
import dev.promptq.job.TopicNames;
import dev.promptq.kafka.ReplyHeaders;
import dev.promptq.kafka.Topics;
import dev.promptq.worker.ops.WorkerMetrics;
import dev.promptq.worker.routing.Router;
import java.time.Instant;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns one job record into the records to publish for it: a result on its reply topic, or a
 * dead letter when the record is not a job or its result could not be delivered.
 *
 * <p>{@link #handle} is called on the loop's thread; the returned future completes on an HTTP
 * thread and never completes exceptionally.
 */
final class JobHandler {
  private static final Logger log = LoggerFactory.getLogger(JobHandler.class);

  private final Router router;
  private final JobCodec codec;
  private final Topics topics;
  private final ReplyDestinations destinations;
  private final ReplyPolicy replies;
  private final WorkerMetrics metrics;

  JobHandler(Router router, JobCodec codec, Topics topics, ReplyDestinations destinations, ReplyPolicy replies,
      WorkerMetrics metrics) {
    this.metrics = metrics;
    this.router = router;
    this.codec = codec;
    this.topics = topics;
    this.destinations = destinations;
    this.replies = replies;
  }

  CompletableFuture<List<ProducerRecord<byte[], byte[]>>> handle(ConsumerRecord<byte[], byte[]> record,
      BooleanSupplier handedBack) {
    JobCodec.Decoded decoded = codec.decodeJob(record.value());
    if (decoded instanceof JobCodec.Decoded.Invalid invalid) {
      return CompletableFuture.completedFuture(List.of(deadLetter(record, invalid.reason())));
    }
    Job job = ((JobCodec.Decoded.Valid) decoded).job();
    String topic = replyTopic(record, job);
    Integer partition = ReplyHeaders.replyPartition(record.headers());
    Optional<String> forbidden = replies.problem(topic);
    if (forbidden.isPresent()) {
      return CompletableFuture.completedFuture(List.of(deadLetter(record, forbidden.get())));
    }
    Optional<String> undeliverable = destinations.problem(topic, partition);
    if (undeliverable.isPresent()) {
      return CompletableFuture.completedFuture(List.of(deadLetter(record, undeliverable.get())));
    }
    Instant enqueuedAt = Instant.ofEpochMilli(record.timestamp());
    return router.run(job, enqueuedAt, handedBack)
        .thenApply(result -> {
          if (handedBack.getAsBoolean()) {
            return List.<ProducerRecord<byte[], byte[]>>of();  // the next owner answers it; nothing to count
          }
          metrics.onResult(result);
          return List.of(reply(record, job, topic, partition, result));
        })
        .exceptionally(bug -> {
          log.error("job {} failed inside the worker", job.id(), bug);
          return List.of(deadLetter(record, "internal worker error: " + bug.getClass().getSimpleName()));
        });
  }

  /** Jobs started and now waiting for a route rather than calling one. */
  int waitingJobs() {
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

  ProducerRecord<byte[], byte[]> deadLetter(ConsumerRecord<byte[], byte[]> record, String reason) {
    metrics.onDeadLetter(record.topic() + "-" + record.partition() + "@" + record.offset(), reason);
    log.warn("dead letter from {}-{}@{}: {}", record.topic(), record.partition(), record.offset(), reason);
    Headers headers = new RecordHeaders(record.headers().toArray());
    headers.add(ReplyHeaders.DLQ_REASON, ReplyHeaders.utf8(reason));
    headers.add(ReplyHeaders.DLQ_ORIGIN,
        ReplyHeaders.utf8(record.topic() + "-" + record.partition() + "@" + record.offset()));
    return new ProducerRecord<>(topics.deadLetters(), null, record.key(), record.value(), headers);
  }
}
