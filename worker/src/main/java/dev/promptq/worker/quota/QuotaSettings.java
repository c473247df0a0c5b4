package dev.promptq.worker.quota;

import java.time.Duration;
import java.util.Optional;

/**
 * The group's budgets per route, each optional (no budget: the route is not paced). Immutable.
 *
 * @param subscription e.g. 900 requests per 5 h ({@code quota.subscription.requests},
 *     {@code quota.subscription.window.ms})
 * @param api e.g. 50 requests per minute ({@code quota.api.requests.per.minute})
 * @param aheadMargin how far the subscription's reported utilisation may run ahead of the budget's
 *     pace before the governor slows down (the real quota is smaller than the budget, or someone
 *     else uses it); default 0.1
 * @param lag the most a call's arrival at the API may trail its permit (connection set-up,
 *     scheduling, a cold connection); the pace leaves room for it; default 1 s ({@code quota.lag.ms})
 */
public record QuotaSettings(Optional<Budget> subscription, Optional<Budget> api, double aheadMargin, Duration lag) {
  public static final Duration DEFAULT_LAG = Duration.ofSeconds(1);

  public QuotaSettings {
    subscription = subscription == null ? Optional.empty() : subscription;
    api = api == null ? Optional.empty() : api;
    lag = lag == null ? DEFAULT_LAG : lag;
  }

  public QuotaSettings(Optional<Budget> subscription, Optional<Budget> api, double aheadMargin) {
    this(subscription, api, aheadMargin, DEFAULT_LAG);
  }

  public static QuotaSettings none() {
    return new QuotaSettings(Optional.empty(), Optional.empty(), 0.1);
  }
}
