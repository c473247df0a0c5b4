package dev.promptq.gateway.api;

import dev.promptq.job.ApiError;
import dev.promptq.job.JobResult;
import dev.promptq.job.Outcome;

/**
 * A job's result as the Messages API would have answered the request: the message on success;
 * for an errored job, the status and error of the answer that ended it (a 400 stays a 400, a last
 * 429 or 529 stays that); an expired or canceled job as a 529 {@code overloaded_error} saying why.
 *
 * @param status the HTTP status
 * @param errorType the API error type, null on success
 * @param message the error's message, null on success
 */
record ResultAnswer(int status, String errorType, String message) {

  static ResultAnswer of(JobResult r) {
    if (r.outcome() == Outcome.SUCCEEDED && r.message() != null) {
      return new ResultAnswer(200, null, null);
    }
    ApiError e = r.error();
    String why = e == null ? r.outcome().wireName() : e.message();
    if (r.outcome() == Outcome.EXPIRED || r.outcome() == Outcome.CANCELED) {
      return new ResultAnswer(529, "overloaded_error", "promptq: the job " + r.outcome().wireName() + " before an answer: "
          + why);
    }
    if (e == null) {
      return new ResultAnswer(500, "api_error", "promptq: the job ended " + r.outcome().wireName() + " without an error");
    }
    int status = e.status() >= 400 && e.status() <= 599 ? e.status() : statusOf(e.type());
    String type = Answers.API_ERROR_TYPES.contains(e.type()) ? e.type() : typeOf(status);
    String message = Answers.API_ERROR_TYPES.contains(e.type()) ? e.message() : "promptq (" + e.type() + "): " + e.message();
    return new ResultAnswer(status, type, message);
  }

  /** The status of an error no HTTP answer carried: a worker's own refusal, or a connection error (502). */
  private static int statusOf(String promptqType) {
    return switch (promptqType) {
      case "api_budget_exhausted" -> 429;
      case "model_not_allowed", "route_policy_forbidden" -> 403;
      case "max_tokens_over_cap", "invalid_request_error" -> 400;
      case "no_route", "internal_error" -> 500;
      default -> 502;
    };
  }

  /** The API's error type for a status, for errors whose own type is promptq's (a connection error, a bad job). */
  private static String typeOf(int status) {
    return switch (status) {
      case 400 -> "invalid_request_error";
      case 401 -> "authentication_error";
      case 403 -> "permission_error";
      case 404 -> "not_found_error";
      case 413 -> "request_too_large";
      case 429 -> "rate_limit_error";
      case 529 -> "overloaded_error";
      default -> "api_error";
    };
  }
}
