package dev.promptq.worker.routing;

import dev.promptq.job.ApiError;
import dev.promptq.worker.anthropic.CallOutcome;

/**
 * Maps one call outcome to a {@link Verdict}: the single place that reads the API's answers.
 *
 * <p>The rows implemented now:
 * <table>
 *   <tr><th>answer</th><th>verdict</th></tr>
 *   <tr><td>2xx</td><td>success</td></tr>
 *   <tr><td>400 {@code invalid_request_error}, 404 {@code not_found_error}, 413
 *       {@code request_too_large}</td><td>request rejected: no fallback, it would fail (and cost) on
 *       the API too</td></tr>
 *   <tr><td>anything else (401, 403, 429, 5xx, 529, timeouts, connection errors)</td><td>route
 *       failed: fall back to the next route of the policy</td></tr>
 * </table>
 * The full failure table of DESIGN.md (refusals, quota headers, retries) refines the last row.
 * Stateless and thread-safe.
 */
public final class AnswerClassifier {

  public Verdict classify(CallOutcome outcome) {
    if (outcome instanceof CallOutcome.NoAnswer none) {
      return new Verdict.RouteFailed(new ApiError(none.kind(),
          "no answer from the " + none.route().wireName() + " route: " + none.detail(), 0));
    }
    CallOutcome.Answered a = (CallOutcome.Answered) outcome;
    if (a.ok()) {
      return new Verdict.Success();
    }
    ApiError error = new ApiError(a.errorType(), a.errorMessage(), a.status());
    boolean aboutTheRequest = (a.status() == 400 && error.type().equals("invalid_request_error"))
        || (a.status() == 404 && error.type().equals("not_found_error"))
        || a.status() == 413;
    return aboutTheRequest ? new Verdict.RequestRejected(error) : new Verdict.RouteFailed(error);
  }
}
