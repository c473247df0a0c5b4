package dev.promptq.job;

import java.util.Objects;

/**
 * One call made for a job.
 *
 * @param route the route called
 * @param status the HTTP status, or 0 when no answer arrived
 * @param errorType the API error type ({@code rate_limit_error}, ...), a transport error name
 *     ({@code timeout}, {@code connection_error}, {@code cli_error}), or null on success
 * @param latencyMs wall time of the call
 * @param costUsd what an api-route answer cost, from its usage and the price table; null for the
 *     subscription route and for answers without usage
 * @param transport how the call went: {@code http} (null is read as http) or {@code claude_cli}
 *     (Claude Code's headless mode)
 * @param cliCostUsd Claude Code's own estimate of the call at API list prices
 *     ({@code total_cost_usd}); nothing is charged for it on a subscription. Null but for
 *     {@code claude_cli} calls
 * @param lane {@code sync} (the Messages API; null is read as sync) or {@code batch} (a request
 *     of a Message Batch, at half price; its latency is the batch's, from submission to its end)
 */
public record Attempt(Route route, int status, String errorType, long latencyMs, Double costUsd, String transport,
    Double cliCostUsd, String lane) {
  public static final String HTTP = "http";
  public static final String CLAUDE_CLI = "claude_cli";
  public static final String SYNC = "sync";
  public static final String BATCH = "batch";

  public Attempt {
    Objects.requireNonNull(route, "route");
    transport = transport == null ? HTTP : transport;
    lane = lane == null ? SYNC : lane;
  }

  /** An attempt on the Messages API itself (the sync lane). */
  public Attempt(Route route, int status, String errorType, long latencyMs, Double costUsd, String transport,
      Double cliCostUsd) {
    this(route, status, errorType, latencyMs, costUsd, transport, cliCostUsd, SYNC);
  }

  /** An http attempt. */
  public Attempt(Route route, int status, String errorType, long latencyMs, Double costUsd) {
    this(route, status, errorType, latencyMs, costUsd, HTTP, null);
  }

  /** An http attempt without a cost. */
  public Attempt(Route route, int status, String errorType, long latencyMs) {
    this(route, status, errorType, latencyMs, null);
  }
}
