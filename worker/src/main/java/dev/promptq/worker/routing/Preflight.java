package dev.promptq.worker.routing;

import com.fasterxml.jackson.databind.JsonNode;
import dev.promptq.job.ApiError;
import dev.promptq.job.Route;
import dev.promptq.job.RouteNote;
import java.util.Optional;

/** Why a job ends before any call: the operator's caps, a request promptq cannot carry, no usable route. */
final class Preflight {
  private Preflight() {}

  /** The error a planned job ends with at once, or empty when it may call a route. */
  static Optional<ApiError> refusal(OperatorPolicy operator, JobRun run) {
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
