package dev.promptq.job;

import java.util.Objects;

/**
 * One call made for a job.
 *
 * @param route the route called
 * @param status the HTTP status, or 0 when no answer arrived
 * @param errorType the API error type ({@code rate_limit_error}, ...), a transport error name
 *     ({@code timeout}, {@code connection_error}), or null on success
 * @param latencyMs wall time of the call
 * @param costUsd what an api-route answer cost, from its usage and the price table; null for the
 *     subscription route and for answers without usage
 */
public record Attempt(Route route, int status, String errorType, long latencyMs, Double costUsd) {
  public Attempt {
    Objects.requireNonNull(route, "route");
  }

  /** An attempt without a cost. */
  public Attempt(Route route, int status, String errorType, long latencyMs) {
    this(route, status, errorType, latencyMs, null);
  }
}
