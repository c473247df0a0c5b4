package dev.promptq.worker.routing;

import dev.promptq.worker.quota.UnifiedRateLimit;
import dev.promptq.job.ApiError;
import dev.promptq.job.Route;
import dev.promptq.worker.anthropic.CallOutcome;
import dev.promptq.worker.anthropic.RetryAfter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The failure table of DESIGN.md: maps one call outcome to a {@link Verdict}. The single place
 * that reads the API's answers.
 *
 * <table>
 *   <tr><th>answer</th><th>verdict</th></tr>
 *   <tr><td>2xx</td><td>{@code Success}</td></tr>
 *   <tr><td>400 or 403 whose message says the credential may not be used this way (OAuth outside
 *       Claude Code, no API credit, a disabled organisation), 402</td><td>{@code RouteRefused}</td></tr>
 *   <tr><td>other 403 (about this request: a model the credential may not use)</td><td>{@code
 *       RouteDeclined}: this job tries its next route; nothing is held off for the group</td></tr>
 *   <tr><td>other 400, 404, 413, other 4xx not listed</td><td>{@code RequestRejected}: no fallback,
 *       it would fail (and cost) on the API too</td></tr>
 *   <tr><td>401</td><td>{@code Unauthorized}</td></tr>
 *   <tr><td>429 with {@code anthropic-ratelimit-unified-status: rejected}</td><td>{@code QuotaSpent}
 *       until {@code anthropic-ratelimit-unified-reset}</td></tr>
 *   <tr><td>429 on the subscription asking for extra usage</td><td>{@code RequestThrottled}, not
 *       retryable on the subscription</td></tr>
 *   <tr><td>other 429 on the subscription (no quota headers)</td><td>{@code RequestThrottled},
 *       retryable</td></tr>
 *   <tr><td>429 on the api route</td><td>{@code RateLimited} for {@code retry-after}</td></tr>
 *   <tr><td>408, 409, 5xx, 529, timeouts, connection errors</td><td>{@code Transient}</td></tr>
 * </table>
 * Stateless and thread-safe.
 */
public final class AnswerClassifier {
  private final Clock clock;

  public AnswerClassifier(Clock clock) {
    this.clock = clock;
  }

  /** Message fragments (lower case) by which a 400 refuses the credential rather than the request. */
  private static final List<String> CREDENTIAL_REFUSALS = List.of(
      "only authorized for use with claude code",
      "oauth authentication is currently not supported",
      "credit balance is too low",
      "not authorized to use this credential",
      "organization has been disabled",
      "account has been disabled");

  /** How long a quota rejection without a reset header holds the route off. */
  static final Duration QUOTA_RESET_UNKNOWN = Duration.ofMinutes(5);

  public Verdict classify(CallOutcome outcome) {
    if (outcome instanceof CallOutcome.NoAnswer none) {
      return new Verdict.Transient(new ApiError(none.kind(),
          "no answer from the " + none.route().wireName() + " route: " + none.detail(), 0), null);
    }
    CallOutcome.Answered a = (CallOutcome.Answered) outcome;
    if (a.ok()) {
      return new Verdict.Success();
    }
    ApiError error = new ApiError(a.errorType(), a.errorMessage(), a.status());
    Duration retryAfter = retryAfter(a, clock.instant()).orElse(null);
    int s = a.status();
    if (s == 400) {
      return refusesCredential(error) ? new Verdict.RouteRefused(error) : new Verdict.RequestRejected(error);
    }
    if (s == 401) {
      return new Verdict.Unauthorized(error);
    }
    if (s == 402) {
      return new Verdict.RouteRefused(error);
    }
    if (s == 403) {
      // A job record chooses its request: a 403 about that request must not close the route for
      // the group, only one that refuses the credential itself.
      return refusesCredential(error) ? new Verdict.RouteRefused(error) : new Verdict.RouteDeclined(error);
    }
    if (s == 429) {
      return tooMany(a, error, retryAfter);
    }
    if (s == 408 || s == 409 || s >= 500) {
      return new Verdict.Transient(error, retryAfter);
    }
    return new Verdict.RequestRejected(error);
  }

  private Verdict tooMany(CallOutcome.Answered a, ApiError error, Duration retryAfter) {
    Optional<UnifiedRateLimit> unified = UnifiedRateLimit.from(a.headers());
    if (unified.isPresent() && unified.get().rejected()) {
      Instant reset = unified.get().resetAt();
      return new Verdict.QuotaSpent(error, reset != null ? reset
          : clock.instant().plus(retryAfter != null ? retryAfter : QUOTA_RESET_UNKNOWN));
    }
    if (a.route() == Route.API) {
      return new Verdict.RateLimited(error, retryAfter != null ? retryAfter : Duration.ofSeconds(1));
    }
    boolean extraUsage = error.message().toLowerCase(Locale.ROOT).contains("extra usage");
    return new Verdict.RequestThrottled(error, !extraUsage, retryAfter);
  }

  private static boolean refusesCredential(ApiError error) {
    String m = error.message().toLowerCase(Locale.ROOT);
    return CREDENTIAL_REFUSALS.stream().anyMatch(m::contains);
  }

  /** {@code retry-after} of an answer, as a duration from {@code now}. */
  static Optional<Duration> retryAfter(CallOutcome.Answered a, Instant now) {
    return RetryAfter.parse(a.headers().get("retry-after"), now);
  }
}
