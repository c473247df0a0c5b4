package dev.promptq.worker.quota;

import dev.promptq.config.Settings;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
 * @param reserve the fraction of each subscription window left for the person who uses the same
 *     subscription interactively ({@code subscription.reserve}, default 0)
 * @param slowStart the subscription calls a worker keeps in flight before its answers have told it
 *     anything; one more per answer after that ({@code subscription.slow.start}, default 4)
 * @param windowLengths how long the subscription's windows that count every model last, by the
 *     name the answers give them: {@code 5h} and {@code 7d}; a simulator that compresses time says
 *     so with {@code subscription.window.lengths=5h=PT20S,7d=PT2M}
 * @param apiInputTokensPerMinute the API key's input tokens per minute as an upper bound on what
 *     its answers say ({@code quota.api.input.tokens.per.minute}; 0: the answers alone)
 * @param apiOutputTokensPerMinute the same for output tokens ({@code quota.api.output.tokens.per.minute})
 * @param credit a dollar credit that programmatic use of the subscription draws on, if the plan has
 *     one ({@code subscription.credit.usd}, {@code subscription.credit.reset.day})
 */
public record QuotaSettings(Optional<Budget> subscription, Optional<Budget> api, double aheadMargin, Duration lag,
    double reserve, int slowStart, Map<String, Duration> windowLengths, long apiInputTokensPerMinute,
    long apiOutputTokensPerMinute, Optional<Credit> credit) {

  /**
   * A credit at API list prices per billing cycle.
   *
   * @param usd what a cycle holds
   * @param resetDay the day of the month (1-28) a cycle begins, at 00:00 UTC
   */
  public record Credit(double usd, int resetDay) {
    public Credit {
      if (!(usd > 0) || resetDay < 1 || resetDay > 28) {
        throw new IllegalArgumentException("subscription credit: a positive USD amount and a reset day from 1 to 28");
      }
    }
  }

  public static final Duration DEFAULT_LAG = Duration.ofSeconds(1);
  public static final int DEFAULT_SLOW_START = 4;
  /** A Claude plan's windows that count every model. */
  public static final Map<String, Duration> PLAN_WINDOWS = Map.of("5h", Duration.ofHours(5), "7d", Duration.ofDays(7));

  public QuotaSettings {
    subscription = subscription == null ? Optional.empty() : subscription;
    api = api == null ? Optional.empty() : api;
    lag = lag == null ? DEFAULT_LAG : lag;
    if (!(reserve >= 0 && reserve < 1)) {
      throw new IllegalArgumentException("subscription.reserve: " + reserve + " (a fraction from 0 to below 1)");
    }
    if (slowStart < 1) {
      throw new IllegalArgumentException("subscription.slow.start: " + slowStart + " (at least 1)");
    }
    windowLengths = Map.copyOf(windowLengths == null ? PLAN_WINDOWS : windowLengths);
    credit = credit == null ? Optional.empty() : credit;
    if (apiInputTokensPerMinute < 0 || apiOutputTokensPerMinute < 0) {
      throw new IllegalArgumentException("quota.api.*.tokens.per.minute: not negative");
    }
  }

  public QuotaSettings(Optional<Budget> subscription, Optional<Budget> api, double aheadMargin, Duration lag) {
    this(subscription, api, aheadMargin, lag, 0, DEFAULT_SLOW_START, PLAN_WINDOWS, 0, 0, Optional.empty());
  }

  /** These settings with the windows' lengths replaced (a simulator that compresses time). */
  public QuotaSettings withWindowLengths(Map<String, Duration> lengths) {
    return new QuotaSettings(subscription, api, aheadMargin, lag, reserve, slowStart, lengths, apiInputTokensPerMinute,
        apiOutputTokensPerMinute, credit);
  }

  /** These settings with the API key's token limits per minute as upper bounds (0: none). */
  public QuotaSettings withApiTokens(long inputPerMinute, long outputPerMinute) {
    return new QuotaSettings(subscription, api, aheadMargin, lag, reserve, slowStart, windowLengths, inputPerMinute,
        outputPerMinute, credit);
  }

  /** These settings with a dollar credit per billing cycle. */
  public QuotaSettings withCredit(Credit c) {
    return new QuotaSettings(subscription, api, aheadMargin, lag, reserve, slowStart, windowLengths,
        apiInputTokensPerMinute, apiOutputTokensPerMinute, Optional.ofNullable(c));
  }

  public QuotaSettings(Optional<Budget> subscription, Optional<Budget> api, double aheadMargin) {
    this(subscription, api, aheadMargin, DEFAULT_LAG);
  }

  public static QuotaSettings none() {
    return new QuotaSettings(Optional.empty(), Optional.empty(), 0.1);
  }

  /** The keys {@link #fromSettings} reads. */
  public static final List<String> KEYS = List.of("quota.subscription.requests", "quota.subscription.window.ms",
      "quota.api.requests.per.minute", "quota.ahead.margin", "quota.lag.ms", "subscription.reserve",
      "subscription.slow.start", "subscription.window.lengths", "quota.api.input.tokens.per.minute",
      "quota.api.output.tokens.per.minute", "subscription.credit.usd", "subscription.credit.reset.day");

  /** A Claude plan's usage window. */
  public static final Duration DEFAULT_WINDOW = Duration.ofHours(5);

  /** Reads and validates the {@code quota.*} keys. */
  public static QuotaSettings fromSettings(Settings s) {
    Optional<Budget> subscription = s.get("quota.subscription.requests").isPresent()
        ? Optional.of(new Budget(s.getInt("quota.subscription.requests", 0, 1, 100_000_000),
            s.millis("quota.subscription.window.ms", DEFAULT_WINDOW, 1000, 86_400_000L * 30)))
        : Optional.empty();
    if (subscription.isEmpty() && s.get("quota.subscription.window.ms").isPresent()) {
      throw new IllegalArgumentException("quota.subscription.window.ms: " + s.get("quota.subscription.window.ms").get()
          + " (set quota.subscription.requests too)");
    }
    Optional<Budget> api = s.get("quota.api.requests.per.minute").isPresent()
        ? Optional.of(new Budget(s.getInt("quota.api.requests.per.minute", 0, 1, 100_000_000), Duration.ofMinutes(1)))
        : Optional.empty();
    return new QuotaSettings(subscription, api, s.getDouble("quota.ahead.margin", 0.1, 0.0, 1.0),
        s.millis("quota.lag.ms", DEFAULT_LAG, 0, 86_400_000L * 30), s.getDouble("subscription.reserve", 0, 0, 0.99),
        s.getInt("subscription.slow.start", DEFAULT_SLOW_START, 1, 100_000),
        s.get("subscription.window.lengths").map(QuotaSettings::lengths).orElse(PLAN_WINDOWS),
        s.getLong("quota.api.input.tokens.per.minute", 0, 0, Long.MAX_VALUE / 2),
        s.getLong("quota.api.output.tokens.per.minute", 0, 0, Long.MAX_VALUE / 2),
        credit(s));
  }

  private static Optional<Credit> credit(Settings s) {
    if (s.get("subscription.credit.usd").isEmpty()) {
      if (s.get("subscription.credit.reset.day").isPresent()) {
        throw new IllegalArgumentException("subscription.credit.reset.day: set subscription.credit.usd too");
      }
      return Optional.empty();
    }
    return Optional.of(new Credit(s.getDouble("subscription.credit.usd", 0, 0.000001, 1e9),
        s.getInt("subscription.credit.reset.day", 1, 1, 28)));
  }

  /**
   * Reads {@code NAME=DURATION,...} (ISO-8601 durations, e.g. {@code 5h=PT20S,7d=PT2M}) over the
   * plan's windows.
   */
  static Map<String, Duration> lengths(String spec) {
    Map<String, Duration> out = new LinkedHashMap<>(PLAN_WINDOWS);
    for (String part : spec.split(",")) {
      String[] kv = part.trim().split("=", 2);
      try {
        Duration d = Duration.parse(kv[1].trim());
        if (d.isNegative() || d.isZero() || kv[0].isBlank()) {
          throw new DateTimeParseException("not positive", kv[1], 0);
        }
        out.put(kv[0].trim(), d);
      } catch (ArrayIndexOutOfBoundsException | DateTimeParseException e) {
        throw new IllegalArgumentException("subscription.window.lengths: " + part.trim()
            + " (expected NAME=DURATION, e.g. 5h=PT20S; durations in ISO-8601 and positive)");
      }
    }
    return out;
  }
}
