package dev.promptq.worker.routing;

import dev.promptq.config.Secret;
import dev.promptq.job.ApiError;
import dev.promptq.job.Attempt;
import dev.promptq.job.Job;
import dev.promptq.job.JobResult;
import dev.promptq.job.Outcome;
import dev.promptq.job.Route;
import dev.promptq.worker.anthropic.CallOutcome;
import dev.promptq.worker.anthropic.MessagesClient;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Runs a {@code count_tokens} job: one call to {@code POST /v1/messages/count_tokens} on the api
 * route. Counting is free and has its own rate limits, so it takes no permit, spends no budget and
 * is not retried (the caller retries a 429 or 529 as it would against the API); the subscription
 * is never asked. Its result's {@code message} is the API's answer ({@code {"input_tokens": N}}).
 * A worker without an API key answers {@code errored} {@code no_route} with status 404: the
 * endpoint is not served here. Thread-safe.
 */
public final class TokenCounts {
  private final MessagesClient api;
  private final Optional<Secret> apiKey;
  private final OperatorPolicy operator;
  private final String workerId;
  private final Clock clock;

  public TokenCounts(MessagesClient api, Optional<Secret> apiKey, OperatorPolicy operator, String workerId,
      Clock clock) {
    this.api = api;
    this.apiKey = apiKey;
    this.operator = operator;
    this.workerId = workerId;
    this.clock = clock;
  }

  /** Counts {@code job}'s tokens; the future never completes exceptionally. */
  public CompletableFuture<JobResult> run(Job job, Instant enqueuedAt) {
    Instant started = clock.instant();
    if (job.deadline() != null && !started.isBefore(job.deadline())) {
      return done(job, enqueuedAt, started, Outcome.EXPIRED, null, new ApiError("expired",
          "deadline " + job.deadline() + " passed before the job started", 0), List.of());
    }
    Optional<ApiError> refused = operator.refusal(job);
    if (refused.isPresent()) {
      return done(job, enqueuedAt, started, Outcome.ERRORED, null, refused.get(), List.of());
    }
    if (apiKey.isEmpty()) {
      return done(job, enqueuedAt, started, Outcome.ERRORED, null, new ApiError("no_route",
          "count_tokens goes to the api route, and this worker has no API key (anthropic.api.key)", 404), List.of());
    }
    return api.countTokens(apiKey.get(), job.request(), job.betas()).handle((o, bug) -> {
      if (bug != null) {
        return result(job, enqueuedAt, started, Outcome.ERRORED, null, new ApiError("internal_error",
            "promptq worker error: " + bug.getClass().getSimpleName(), 0), List.of());
      }
      if (o instanceof CallOutcome.Answered a) {
        Attempt attempt = new Attempt(Route.API, a.status(), a.ok() ? null : a.errorType(), a.latencyMs(), 0.0);
        return a.ok()
            ? result(job, enqueuedAt, started, Outcome.SUCCEEDED, a, null, List.of(attempt))
            : result(job, enqueuedAt, started, Outcome.ERRORED, null,
                new ApiError(a.errorType(), a.errorMessage(), a.status()), List.of(attempt));
      }
      CallOutcome.NoAnswer none = (CallOutcome.NoAnswer) o;
      return result(job, enqueuedAt, started, Outcome.ERRORED, null, new ApiError(none.kind(), none.detail(), 0),
          List.of(new Attempt(Route.API, 0, none.kind(), none.latencyMs(), 0.0)));
    });
  }

  private CompletableFuture<JobResult> done(Job job, Instant enqueuedAt, Instant started, Outcome outcome,
      CallOutcome.Answered answer, ApiError error, List<Attempt> attempts) {
    return CompletableFuture.completedFuture(result(job, enqueuedAt, started, outcome, answer, error, attempts));
  }

  private JobResult result(Job job, Instant enqueuedAt, Instant started, Outcome outcome, CallOutcome.Answered answer,
      ApiError error, List<Attempt> attempts) {
    return new JobResult(job.id(), outcome, attempts.isEmpty() ? null : Route.API, answer == null ? null : answer.body(),
        error, attempts, null, job.metadata(), workerId, enqueuedAt, started, clock.instant());
  }
}
