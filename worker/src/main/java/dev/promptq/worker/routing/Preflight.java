package dev.promptq.worker.routing;

import com.fasterxml.jackson.databind.JsonNode;
import dev.promptq.job.ApiError;
import dev.promptq.job.Route;
import dev.promptq.job.RouteNote;
import java.util.Optional;

/**
 * Why a job ends before any call: its batch was canceled, the operator's caps, a request promptq
 * cannot carry, no usable route.
 */
final class Preflight {
  /** The error type of a job whose batch was canceled: it ends {@code canceled}, the others {@code errored}. */
  static final String BATCH_CANCELED = "batch_canceled";

  private Preflight() {}

  /** The error a planned job ends with at once, or empty when it may call a route. */
  static Optional<ApiError> refusal(OperatorPolicy operator, CanceledBatches canceled, JobRun run) {
    if (canceled.isCanceled(run.job.batch())) {
      return Optional.of(new ApiError(BATCH_CANCELED, "its batch " + run.job.batch() + " was canceled", 0));
    }
    Optional<ApiError> refused = operator.refusal(run.job);
    if (refused.isPresent()) {
      return refused;
    }
    JsonNode stream = run.job.request().get("stream");
    if (stream != null && stream.asBoolean(false)) {
      return Optional.of(new ApiError("invalid_request_error",
          "stream: true is not supported; promptq returns whole messages", 0));
    }
    if (run.routes.isEmpty() && !run.notes.isEmpty()) {
      RouteNote why = run.notes.get(0);
      return Optional.of(new ApiError(why.reason(), why.detail(), 0));
    }
    if (run.routes.isEmpty()) {
      return Optional.of(new ApiError("no_route", "route policy " + run.job.route().wireName() + " allows "
          + run.job.route().routes().stream().map(Route::wireName).toList()
          + " but this worker has no credentials for them", 0));
    }
    return Optional.empty();
  }
}
