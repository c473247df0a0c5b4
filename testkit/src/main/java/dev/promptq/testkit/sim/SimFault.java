package dev.promptq.testkit.sim;

import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;

/**
 * The answers of the failure table in DESIGN.md that are not a success, as the real API gives
 * them (status, error type, message, headers). The router's tests ask the simulator for each row.
 */
public enum SimFault {
  /** 400 {@code invalid_request_error} about the request itself. */
  INVALID_REQUEST,
  /** 400 {@code invalid_request_error}: an OAuth credential used outside the apps it is meant for. */
  CREDENTIAL_REFUSED,
  /** 400 {@code invalid_request_error}: the API account has no credit left. */
  CREDIT_TOO_LOW,
  /** 401 {@code authentication_error}: the OAuth access token expired. */
  TOKEN_EXPIRED,
  /** 403 {@code permission_error} about the request (a resource the credential may not use). */
  PERMISSION_DENIED,
  /** 403 {@code permission_error} refusing the credential itself: its organisation is disabled. */
  ORGANIZATION_DISABLED,
  /** 429 with {@code anthropic-ratelimit-unified-status: rejected}: the subscription's quota is spent. */
  QUOTA_SPENT,
  /** 429 without quota headers: this request only. */
  THROTTLED,
  /** 429 asking for extra usage for this request (e.g. long context); the quota is not spent. */
  EXTRA_USAGE,
  /** 429 of the API key's rate limit, with {@code retry-after: 1}. */
  RATE_LIMITED,
  /** 500 {@code api_error}. */
  SERVER_ERROR,
  /** 529 {@code overloaded_error}. */
  OVERLOADED,
  /** No answer for an hour: the client's timeout fires. */
  TIMEOUT,
  /** The connection closes without an answer. */
  DISCONNECT;

  /** The name used in prompt directives and the CLI, e.g. {@code quota_spent}. */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static SimFault fromWireName(String name) {
    for (SimFault f : values()) {
      if (f.wireName().equals(name)) {
        return f;
      }
    }
    throw new IllegalArgumentException("unknown fault: " + name + " (expected one of "
        + java.util.Arrays.stream(values()).map(SimFault::wireName).toList() + ")");
  }

  /**
   * The answer for this row.
   *
   * @param quotaReset the reset instant sent with {@link #QUOTA_SPENT}
   */
  public SimResponse response(Instant quotaReset) {
    return switch (this) {
      case INVALID_REQUEST -> SimResponse.error(400, "invalid_request_error",
          "messages.0.content: Input should be a valid list");
      case CREDENTIAL_REFUSED -> SimResponse.error(400, "invalid_request_error",
          "This credential is only authorized for use with Claude Code and cannot be used for other API requests.");
      case CREDIT_TOO_LOW -> SimResponse.error(400, "invalid_request_error",
          "Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or "
              + "purchase credits.");
      case TOKEN_EXPIRED -> SimResponse.error(401, "authentication_error",
          "OAuth token has expired. Please obtain a new token or refresh your existing token.");
      case ORGANIZATION_DISABLED -> SimResponse.error(403, "permission_error", "This organization has been disabled.");
      case PERMISSION_DENIED -> SimResponse.error(403, "permission_error",
          "Your credential does not have permission to use the specified resource.");
      case QUOTA_SPENT -> SimResponse.error(429, "rate_limit_error", "This request would exceed your rate limit.",
          UnifiedHeaders.of("rejected", quotaReset, 1.0));
      case THROTTLED -> SimResponse.error(429, "rate_limit_error",
          "Number of concurrent connections has exceeded your rate limit. Please try again later.");
      case EXTRA_USAGE -> SimResponse.error(429, "rate_limit_error",
          "Extra usage is required for long context requests.",
          Map.of("anthropic-ratelimit-unified-status", "allowed"));
      case RATE_LIMITED -> SimResponse.error(429, "rate_limit_error",
          "This request would exceed the rate limit for your organization of 50 requests per minute.",
          Map.of("retry-after", "1", "anthropic-ratelimit-requests-remaining", "0"));
      case SERVER_ERROR -> SimResponse.error(500, "api_error", "Internal server error");
      case OVERLOADED -> SimResponse.error(529, "overloaded_error", "Overloaded");
      case TIMEOUT -> new SimResponse(529, Map.of(), "{}", Duration.ofHours(1), false);
      case DISCONNECT -> new SimResponse(500, Map.of(), "{}", Duration.ZERO, true);
    };
  }
}
