package dev.promptq.worker.routing;

import com.fasterxml.jackson.databind.JsonNode;
import dev.promptq.job.ApiError;
import dev.promptq.job.Attempt;
import dev.promptq.job.Job;
import dev.promptq.job.JobResult;
import dev.promptq.job.Outcome;
import dev.promptq.job.Route;
import dev.promptq.worker.anthropic.CallOutcome;
import dev.promptq.worker.anthropic.MessagesClient;
import dev.promptq.worker.credentials.Credentials;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one job to its result: checks its deadline, tries the routes its policy allows (those this
 * worker has credentials for) in order, and stops at the first answer that settles it.
 *
 * <p>Thread-safe; the returned futures complete on HTTP dispatcher threads and never complete
 * exceptionally (a bug becomes an {@code errored} result of type {@code internal_error}).
 */
public final class Router {
  private static final Logger log = LoggerFactory.getLogger(Router.class);

  private final MessagesClient client;
  private final Credentials credentials;
  private final AnswerClassifier classifier;
  private final String workerId;
  private final Clock clock;

  public Router(MessagesClient client, Credentials credentials, AnswerClassifier classifier, String workerId,
      Clock clock) {
    this.client = client;
    this.credentials = credentials;
    this.classifier = classifier;
    this.workerId = workerId;
    this.clock = clock;
  }

  /**
   * Runs {@code job}.
   *
   * @param enqueuedAt when the job was written to Kafka
   */
  public CompletableFuture<JobResult> run(Job job, Instant enqueuedAt) {
    Run run = new Run(job, enqueuedAt, clock.instant());
    if (job.deadline() != null && !run.started.isBefore(job.deadline())) {
      return CompletableFuture.completedFuture(run.finish(Outcome.EXPIRED, null, null,
          new ApiError("expired", "deadline " + job.deadline() + " passed before the job started", 0)));
    }
    JsonNode stream = job.request().get("stream");
    if (stream != null && stream.asBoolean(false)) {
      return CompletableFuture.completedFuture(run.finish(Outcome.ERRORED, null, null,
          new ApiError("invalid_request_error", "stream: true is not supported; promptq returns whole messages", 0)));
    }
    List<Route> routes = job.route().routes().stream().filter(credentials::has).toList();
    if (routes.isEmpty()) {
      return CompletableFuture.completedFuture(run.finish(Outcome.ERRORED, null, null,
          new ApiError("no_route", "route policy " + job.route().wireName() + " allows "
              + job.route().routes().stream().map(Route::wireName).toList()
              + " but this worker has no credentials for them", 0)));
    }
    return attempt(run, routes, 0).exceptionally(bug -> {
      log.error("internal error while running job {}", job.id(), bug);
      return run.finish(Outcome.ERRORED, null, null,
          new ApiError("internal_error", "promptq worker error: " + bug.getClass().getSimpleName(), 0));
    });
  }

  private CompletableFuture<JobResult> attempt(Run run, List<Route> routes, int index) {
    Route route = routes.get(index);
    return client.send(route, run.job.request()).thenCompose(outcome -> {
      Verdict verdict = classifier.classify(outcome);
      run.attempts.add(attemptOf(outcome, verdict));
      if (verdict instanceof Verdict.Success) {
        JsonNode message = ((CallOutcome.Answered) outcome).body();
        return CompletableFuture.completedFuture(run.finish(Outcome.SUCCEEDED, route, message, null));
      }
      if (verdict instanceof Verdict.RequestRejected rejected) {
        return CompletableFuture.completedFuture(run.finish(Outcome.ERRORED, route, null, rejected.error()));
      }
      ApiError error = ((Verdict.RouteFailed) verdict).error();
      if (index + 1 < routes.size()) {
        log.debug("job {}: {} route failed ({} {}), falling back to {}", run.job.id(), route.wireName(),
            error.status(), error.type(), routes.get(index + 1).wireName());
        return attempt(run, routes, index + 1);
      }
      return CompletableFuture.completedFuture(run.finish(Outcome.ERRORED, route, null, error));
    });
  }

  private static Attempt attemptOf(CallOutcome outcome, Verdict verdict) {
    if (outcome instanceof CallOutcome.Answered a) {
      return new Attempt(a.route(), a.status(), verdict instanceof Verdict.Success ? null : a.errorType(),
          a.latencyMs());
    }
    CallOutcome.NoAnswer n = (CallOutcome.NoAnswer) outcome;
    return new Attempt(n.route(), 0, n.kind(), n.latencyMs());
  }

  /** The state of one job's run; confined to one thread at a time by the future chain. */
  private final class Run {
    final Job job;
    final Instant enqueuedAt;
    final Instant started;
    final List<Attempt> attempts = new ArrayList<>();

    Run(Job job, Instant enqueuedAt, Instant started) {
      this.job = job;
      this.enqueuedAt = enqueuedAt;
      this.started = started;
    }

    JobResult finish(Outcome outcome, Route route, JsonNode message, ApiError error) {
      JsonNode usage = message == null ? null : message.get("usage");
      return new JobResult(job.id(), outcome, route, message, error, attempts, usage, job.metadata(), workerId,
          enqueuedAt, started, clock.instant());
    }
  }
}
