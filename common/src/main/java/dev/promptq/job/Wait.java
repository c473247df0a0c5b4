package dev.promptq.job;

import java.util.Objects;

/**
 * A time a job spent waiting for a route instead of calling one.
 *
 * @param reason why, e.g. {@code subscription_quota_spent}, {@code api_budget_spent},
 *     {@code backoff}, {@code breaker_open}, {@code rate_limited}, {@code route_refused}
 * @param millis how long
 */
public record Wait(String reason, long millis) {
  public Wait {
    Objects.requireNonNull(reason, "reason");
  }
}
