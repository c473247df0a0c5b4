package dev.promptq.kafka;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * Header names on jobs, results and dead letters.
 *
 * <p>The {@code kafka_*} names are Spring for Apache Kafka's request/reply conventions, so a
 * Spring {@code ReplyingKafkaTemplate} can be a client: a job may carry {@code kafka_replyTopic}
 * (and {@code kafka_replyPartition}, a 4-byte big-endian int) and {@code kafka_correlationId};
 * the result carries the same {@code kafka_correlationId} back.
 */
public final class ReplyHeaders {
  public static final String CORRELATION_ID = "kafka_correlationId";
  public static final String REPLY_TOPIC = "kafka_replyTopic";
  public static final String REPLY_PARTITION = "kafka_replyPartition";

  /** On results: the job id. */
  public static final String JOB_ID = "promptq_job_id";
  /** On results: succeeded, errored, expired or canceled. */
  public static final String OUTCOME = "promptq_outcome";
  /** On results: the route that answered, when one did. */
  public static final String ROUTE = "promptq_route";

  /** On dead letters: why the record is not a job. */
  public static final String DLQ_REASON = "promptq_dlq_reason";
  /** On dead letters: where the record came from, as {@code topic-partition@offset}. */
  public static final String DLQ_ORIGIN = "promptq_dlq_origin";

  private ReplyHeaders() {}

  /** The last value of header {@code name} as UTF-8 text, or null. */
  public static String text(Headers headers, String name) {
    Header h = headers.lastHeader(name);
    return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }

  /** The last value of header {@code name}, or null. */
  public static byte[] bytes(Headers headers, String name) {
    Header h = headers.lastHeader(name);
    return h == null ? null : h.value();
  }

  /** The {@code kafka_replyPartition} header as Spring writes it, or null when absent or malformed. */
  public static Integer replyPartition(Headers headers) {
    byte[] v = bytes(headers, REPLY_PARTITION);
    return v == null || v.length != 4 ? null : ByteBuffer.wrap(v).getInt();
  }

  /**
   * The headers of a job's result record: the correlation id its producer sent (else the job id),
   * the job id, the outcome and, when a route answered, the route.
   */
  public static Headers ofResult(byte[] correlation, dev.promptq.job.JobResult result) {
    Headers headers = new org.apache.kafka.common.header.internals.RecordHeaders();
    headers.add(CORRELATION_ID, correlation != null ? correlation : utf8(result.id()));
    headers.add(JOB_ID, utf8(result.id()));
    headers.add(OUTCOME, utf8(result.outcome().wireName()));
    if (result.route() != null) {
      headers.add(ROUTE, utf8(result.route().wireName()));
    }
    return headers;
  }

  public static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
