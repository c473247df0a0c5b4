package dev.promptq.worker.consume;

import dev.promptq.job.Attempt;
import dev.promptq.job.Job;
import dev.promptq.job.JobResult;
import dev.promptq.kafka.ReplyHeaders;
import dev.promptq.usage.Tokens;
import dev.promptq.usage.UsageCodec;
import dev.promptq.usage.UsageRecord;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes the usage record of a finished job, published with its result (in the same transaction
 * when delivery is exactly-once). Nothing of the job's prompt or answer goes into it: ids, route,
 * model, token counts, costs and the subscription's window utilisation the worker last saw.
 */
final class UsageRecords {
  private static final Logger log = LoggerFactory.getLogger(UsageRecords.class);

  private final UsageCodec codec;
  private final String topic;
  private final Supplier<Map<String, Double>> windows;

  /**
   * @param topic the usage topic
   * @param windows the subscription's utilisation per window as this worker last saw it
   */
  UsageRecords(UsageCodec codec, String topic, Supplier<Map<String, Double>> windows) {
    this.codec = codec;
    this.topic = topic;
    this.windows = windows;
  }

  /** The usage record of {@code job}'s {@code result}; Kafka refusing it drops it with a warning. */
  Output of(Job job, JobResult result) {
    ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(topic, null, result.finishedAt().toEpochMilli(),
        ReplyHeaders.utf8(job.id()), codec.encode(record(job, result)));
    return new Output(r, (reason, detail) -> {
      log.warn("job {}: Kafka refused its usage record for {} ({}: {}); the report will not count it", job.id(), topic,
          reason, detail);
      return null;
    });
  }

  UsageRecord record(Job job, JobResult result) {
    String transport = Attempt.HTTP;
    Double cliCost = null;
    for (Attempt a : result.attempts()) {
      if (a.route() == result.route()) {
        transport = a.transport();
      }
      if (a.cliCostUsd() != null) {
        cliCost = (cliCost == null ? 0 : cliCost) + a.cliCostUsd();
      }
    }
    return new UsageRecord(job.id(), result.finishedAt(), result.outcome().wireName(),
        result.route() == null ? null : result.route().wireName(), transport, UsageRecord.SYNC,
        UsageRecord.modelOf(result.message(), job.request()), Tokens.fromUsage(result.usage()), result.apiCostUsd(),
        cliCost, job.batch(), result.workerId(), Objects.requireNonNullElse(windows.get(), Map.of()));
  }
}
