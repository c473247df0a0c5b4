package dev.promptq.worker.routing;

import dev.promptq.job.ApiError;
import java.time.Duration;
import java.time.Instant;

/** What one answer means for the job that got it and for the route that gave it. */
public sealed interface Verdict {

  /** What went wrong; null for a {@link Success}. */
  default ApiError error() {
    return null;
  }

  /** The call answered the job. */
  record Success() implements Verdict {}

  /** The request itself is wrong: any route would refuse it too (and cost), so the job fails. */
  record RequestRejected(ApiError error) implements Verdict {}

  /**
   * The route refuses this credential for this use (a subscription token outside the apps it is
   * meant for, no API credit, no permission): fall back, and hold the route off group-wide for a
   * cool-down.
   */
  record RouteRefused(ApiError error) implements Verdict {}

  /**
   * The route will not serve this request (a 403 about the request, such as a model the credential
   * may not use), while the credential itself is fine: this job tries its next route, and the route
   * stays open for every other job.
   */
  record RouteDeclined(ApiError error) implements Verdict {}

  /**
   * 401: the credential expired or was revoked. A refreshable credential is refreshed once and the
   * call retried; otherwise this is a {@link RouteRefused}.
   */
  record Unauthorized(ApiError error) implements Verdict {}

  /** The subscription's quota is spent until {@code resetAt}: the whole group stops using it. */
  record QuotaSpent(ApiError error, Instant resetAt) implements Verdict {}

  /**
   * A 429 on the subscription that concerns this request only.
   *
   * @param retryable false when the request needs what the subscription will not give it (extra
   *     usage), true for a plain throttle
   */
  record RequestThrottled(ApiError error, boolean retryable, Duration retryAfter) implements Verdict {}

  /** The api route's rate limit: no call on it before {@code retryAfter} has passed. */
  record RateLimited(ApiError error, Duration retryAfter) implements Verdict {}

  /**
   * A transient failure (500, 529, timeout, connection error): retry with backoff, then fall back.
   *
   * @param retryAfter the server's {@code retry-after}, or null
   */
  record Transient(ApiError error, Duration retryAfter) implements Verdict {}
}
