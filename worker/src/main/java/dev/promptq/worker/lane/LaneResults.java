package dev.promptq.worker.lane;

import com.fasterxml.jackson.databind.JsonNode;
import dev.promptq.job.ApiError;
import dev.promptq.job.Attempt;
import dev.promptq.job.JobCodec;
import dev.promptq.job.JobResult;
import dev.promptq.job.Outcome;
import dev.promptq.job.Route;
import dev.promptq.kafka.ReplyHeaders;
import dev.promptq.usage.PriceTable;
import dev.promptq.usage.Tokens;
import dev.promptq.usage.UsageCodec;
import dev.promptq.usage.UsageRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * What one request of an ended Message Batch becomes: the job's result (its attempt in the
 * {@code batch} lane, priced at half the list price), the result record on its reply topic and its
 * usage record. {@code succeeded} succeeds; {@code errored} carries the API's error;
 * {@code expired} and {@code canceled} end the job so (the {@code api_batch} policy has no route
 * after the batch).
 */
final class LaneResults {
  /** The HTTP status each API error type comes with: a batch result carries the type alone. */
  private static final Map<String, Integer> STATUS = Map.of("invalid_request_error", 400,
      "authentication_error", 401, "billing_error", 402, "permission_error", 403, "not_found_error", 404,
      "request_too_large", 413, "rate_limit_error", 429, "api_error", 500, "overloaded_error", 529);

  private final JobCodec codec;
  private final UsageCodec usage;
  private final PriceTable prices;
  private final String usageTopic;
  private final String jobsTopic;
  private final String workerId;

  LaneResults(JobCodec codec, PriceTable prices, String usageTopic, String jobsTopic, String workerId) {
    this.jobsTopic = jobsTopic;
    this.codec = codec;
    this.usage = new UsageCodec(codec.mapper());
    this.prices = prices;
    this.usageTopic = usageTopic;
    this.workerId = workerId;
  }

  /**
   * The result of {@code entry} from its batch result ({@code null} when the results named it not).
   *
   * @param submittedAt when the batch was created
   */
  JobResult result(LaneEntry entry, JsonNode result, Instant submittedAt, Instant now) {
    String type = result == null ? "missing" : result.path("type").asText();
    long latency = Duration.between(submittedAt, now).toMillis();
    String id = entry.job().id();
    return switch (type) {
      case "succeeded" -> {
        JsonNode message = result.path("message");
        JsonNode usageNode = message.path("usage").isObject() ? message.get("usage") : null;
        Double cost = usageNode == null ? null : costOf(entry, message, usageNode);
        yield new JobResult(id, Outcome.SUCCEEDED, Route.API, message, null,
            List.of(attempt(200, null, latency, cost)), usageNode, entry.job().metadata(), workerId,
            entry.enqueuedAt(), submittedAt, now);
      }
      case "errored" -> {
        JsonNode error = result.path("error").path("error");
        String errorType = error.path("type").asText("api_error");
        int status = STATUS.getOrDefault(errorType, 500);
        yield new JobResult(id, Outcome.ERRORED, Route.API, null, new ApiError(errorType,
            error.path("message").asText("the batch answered this request with an error"), status),
            List.of(attempt(status, errorType, latency, null)), null, entry.job().metadata(), workerId,
            entry.enqueuedAt(), submittedAt, now);
      }
      case "expired", "canceled" -> new JobResult(id, type.equals("expired") ? Outcome.EXPIRED : Outcome.CANCELED,
          null, null, new ApiError("batch_" + type, "the Message Batch " + (type.equals("expired")
              ? "expired (24 hours after its creation) before it processed this request"
              : "was canceled before it processed this request"), 0),
          List.of(attempt(0, "batch_" + type, latency, null)), null, entry.job().metadata(), workerId,
          entry.enqueuedAt(), submittedAt, now);
      default -> new JobResult(id, Outcome.ERRORED, null, null, new ApiError("batch_result_missing",
          "the Message Batch's results did not name this request", 0), List.of(attempt(0, "batch_result_missing",
              latency, null)), null, entry.job().metadata(), workerId, entry.enqueuedAt(), submittedAt, now);
    };
  }

  /** Errors a batch result may carry that the synchronous API might not meet: the failure table retries them. */
  private static final java.util.Set<String> PASSING = java.util.Set.of("overloaded_error", "api_error",
      "rate_limit_error");

  /**
   * Whether {@code result} goes back to the jobs topic rather than to its caller: the batch did not
   * answer a {@code subscription_first} job (expired, canceled, or an error the failure table
   * retries) whose deadline has not passed, so its policy's next route, the synchronous API, takes it.
   */
  boolean goesBack(LaneEntry entry, JobResult result, Instant now) {
    boolean unanswered = result.outcome() == Outcome.EXPIRED || result.outcome() == Outcome.CANCELED
        || result.outcome() == Outcome.ERRORED && result.error() != null && PASSING.contains(result.error().type());
    return unanswered && entry.job().route() == dev.promptq.job.RoutePolicy.SUBSCRIPTION_FIRST
        && (entry.job().deadline() == null || now.isBefore(entry.job().deadline()));
  }

  /** The job again, on the jobs topic, marked so it takes the synchronous API; its reply topic and correlation kept. */
  ProducerRecord<byte[], byte[]> backToJobs(LaneEntry entry) {
    Headers headers = new RecordHeaders();
    headers.add(LaneEntry.TRIED_HEADER, ReplyHeaders.utf8("batch"));
    if (entry.correlation() != null) {
      headers.add(ReplyHeaders.CORRELATION_ID, entry.correlation());
    }
    if (entry.replyPartition() != null) {
      headers.add(ReplyHeaders.REPLY_PARTITION, java.nio.ByteBuffer.allocate(4).putInt(entry.replyPartition()).array());
    }
    return new ProducerRecord<>(jobsTopic, null, ReplyHeaders.utf8(entry.job().id()),
        codec.encodeJob(entry.job().withReplyTo(entry.replyTopic())), headers);
  }

  com.fasterxml.jackson.databind.ObjectMapper mapper() {
    return codec.mapper();
  }

  /** The result of a job whose batch the API refused at creation ({@code status}, {@code message}). */
  JobResult refused(LaneEntry entry, int status, String message, Instant now) {
    String type = message.contains(":") ? message.substring(0, message.indexOf(':')) : "invalid_request_error";
    return new JobResult(entry.job().id(), Outcome.ERRORED, Route.API, null, new ApiError(type,
        "the Message Batch holding this job was refused: " + message, status),
        List.of(attempt(status, type, 0, null)), null, entry.job().metadata(), workerId, entry.enqueuedAt(), now, now);
  }

  private static Attempt attempt(int status, String errorType, long latencyMs, Double cost) {
    return new Attempt(Route.API, status, errorType, latencyMs, cost, Attempt.HTTP, null, Attempt.BATCH);
  }

  /** Half the list price of the answer's usage (the Batches API's price); the request's model when the answer names none. */
  private Double costOf(LaneEntry entry, JsonNode message, JsonNode usageNode) {
    String model = message.path("model").isTextual() ? message.get("model").asText()
        : entry.job().request().path("model").asText();
    return prices.cost(model, Tokens.fromUsage(usageNode), true).orElse(null);
  }

  /** The result record, on the entry's reply topic, with the headers a request-reply client reads. */
  ProducerRecord<byte[], byte[]> replyRecord(LaneEntry entry, JobResult result) {
    return new ProducerRecord<>(entry.replyTopic(), entry.replyPartition(), ReplyHeaders.utf8(entry.job().id()),
        codec.encodeResult(result), ReplyHeaders.ofResult(entry.correlation(), result));
  }

  /** The usage record: tokens, half-price cost, the {@code batch} lane; nothing of the prompt or answer. */
  ProducerRecord<byte[], byte[]> usageRecord(LaneEntry entry, JobResult result) {
    UsageRecord u = new UsageRecord(entry.job().id(), result.finishedAt(), result.outcome().wireName(),
        result.route() == null ? null : result.route().wireName(), Attempt.HTTP, UsageRecord.BATCH,
        UsageRecord.modelOf(result.message(), entry.job().request()), Tokens.fromUsage(result.usage()),
        result.apiCostUsd(), null, entry.job().batch(), workerId, Map.of());
    return new ProducerRecord<>(usageTopic, null, result.finishedAt().toEpochMilli(), ReplyHeaders.utf8(entry.job().id()),
        usage.encode(u));
  }
}
