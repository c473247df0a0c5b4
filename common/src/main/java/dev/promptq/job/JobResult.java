package dev.promptq.job;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * The outcome of one job, as published to its reply topic.
 *
 * @param id the job id
 * @param outcome how it ended
 * @param route the route that produced the final answer, or null when no call answered
 * @param message the Messages API answer when {@code outcome} is succeeded, else null
 * @param error what went wrong when the outcome is not succeeded, else null
 * @param attempts every call made, in order
 * @param usage the answer's {@code usage} block, or null
 * @param metadata the job's metadata, echoed
 * @param workerId the worker that ran the job
 * @param enqueuedAt when the job was written to Kafka (record timestamp)
 * @param startedAt when the worker started it
 * @param finishedAt when the worker finished it
 * @param waits the times the job waited for a route (quota, budget, backoff), in order
 * @param notes routes of its policy the job could not take the usual way, and why
 */
public record JobResult(
    String id,
    Outcome outcome,
    Route route,
    JsonNode message,
    ApiError error,
    List<Attempt> attempts,
    JsonNode usage,
    JsonNode metadata,
    String workerId,
    Instant enqueuedAt,
    Instant startedAt,
    Instant finishedAt,
    List<Wait> waits,
    List<RouteNote> notes) {

  public JobResult {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(outcome, "outcome");
    attempts = attempts == null ? List.of() : List.copyOf(attempts);
    waits = waits == null ? List.of() : List.copyOf(waits);
    notes = notes == null ? List.of() : List.copyOf(notes);
  }

  /** A result without notes. */
  public JobResult(String id, Outcome outcome, Route route, JsonNode message, ApiError error, List<Attempt> attempts,
      JsonNode usage, JsonNode metadata, String workerId, Instant enqueuedAt, Instant startedAt, Instant finishedAt,
      List<Wait> waits) {
    this(id, outcome, route, message, error, attempts, usage, metadata, workerId, enqueuedAt, startedAt, finishedAt,
        waits, List.of());
  }

  /** A result that never waited. */
  public JobResult(String id, Outcome outcome, Route route, JsonNode message, ApiError error, List<Attempt> attempts,
      JsonNode usage, JsonNode metadata, String workerId, Instant enqueuedAt, Instant startedAt, Instant finishedAt) {
    this(id, outcome, route, message, error, attempts, usage, metadata, workerId, enqueuedAt, startedAt, finishedAt,
        List.of());
  }

  /** What the job's api-route answers cost in total, in USD. */
  public double apiCostUsd() {
    return attempts.stream().mapToDouble(a -> a.costUsd() == null ? 0 : a.costUsd()).sum();
  }

  /** Time from enqueue to the start of work. */
  public Duration queueTime() {
    return enqueuedAt == null || startedAt == null ? Duration.ZERO : Duration.between(enqueuedAt, startedAt);
  }

  /** Time the worker spent on the job, calls included. */
  public Duration processingTime() {
    return startedAt == null || finishedAt == null ? Duration.ZERO : Duration.between(startedAt, finishedAt);
  }

  public boolean succeeded() {
    return outcome == Outcome.SUCCEEDED;
  }
}
