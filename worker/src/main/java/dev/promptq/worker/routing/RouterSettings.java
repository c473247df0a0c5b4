package dev.promptq.worker.routing;

import java.util.List;
import dev.promptq.config.Settings;
import java.time.Duration;

/**
 * How the router retries, backs off and holds routes off. Immutable; {@link #defaults()} gives
 * the documented defaults (README, configuration table).
 *
 * @param maxAttemptsPerRoute calls per route and job for transient failures before falling back
 *     ({@code retry.max.attempts}, 3)
 * @param backoff first retry delay, doubled per retry, with full jitter ({@code retry.backoff.ms}, 500)
 * @param maxBackoff cap of a retry delay; a {@code retry-after} longer than this falls back at once
 *     ({@code retry.backoff.max.ms}, 30000)
 * @param maxRateLimitedWaits api-route 429s one job waits through before it fails
 *     ({@code retry.rate.limited.max}, 10)
 * @param breakerFailures consecutive transient failures on a route that open its breaker
 *     ({@code breaker.failures}, 5)
 * @param breakerOpen how long an open breaker keeps the route closed before one probe call
 *     ({@code breaker.open.ms}, 30000)
 * @param refusalCooldown how long a refused route is held off group-wide before a probe
 *     ({@code route.refused.cooldown.ms}, 600000)
 * @param resetJitter the most a worker adds to a quota reset (or cool-down end) before using the
 *     route again, so the group does not return at one instant ({@code route.reset.jitter.ms}, 5000)
 * @param cautionUtilization five-hour utilisation from which a worker makes one subscription call
 *     at a time, so the group overshoots a quota by at most one call per worker
 *     ({@code subscription.caution.utilization}, 0.9)
 * @param maxJobAge the longest a job may exist (from its record's timestamp) before it ends
 *     {@code expired} with the reasons it waited, when no route could serve it
 *     ({@code job.max.age.ms}, 24 h, as the Message Batches API)
 */
public record RouterSettings(
    int maxAttemptsPerRoute,
    Duration backoff,
    Duration maxBackoff,
    int maxRateLimitedWaits,
    int breakerFailures,
    Duration breakerOpen,
    Duration refusalCooldown,
    Duration resetJitter,
    double cautionUtilization,
    Duration maxJobAge) {

  /** The default longest life of a job: 24 h, as a Message Batch's. */
  public static final Duration DEFAULT_MAX_JOB_AGE = Duration.ofHours(24);

  /** The settings with the default {@link #maxJobAge}. */
  public RouterSettings(int maxAttemptsPerRoute, Duration backoff, Duration maxBackoff, int maxRateLimitedWaits,
      int breakerFailures, Duration breakerOpen, Duration refusalCooldown, Duration resetJitter,
      double cautionUtilization) {
    this(maxAttemptsPerRoute, backoff, maxBackoff, maxRateLimitedWaits, breakerFailures, breakerOpen, refusalCooldown,
        resetJitter, cautionUtilization, DEFAULT_MAX_JOB_AGE);
  }

  public RouterSettings {
    if (maxAttemptsPerRoute < 1 || maxRateLimitedWaits < 0 || breakerFailures < 1) {
      throw new IllegalArgumentException("retry.max.attempts and breaker.failures must be >= 1, "
          + "retry.rate.limited.max >= 0");
    }
    if (cautionUtilization <= 0 || cautionUtilization > 1) {
      throw new IllegalArgumentException("subscription.caution.utilization: " + cautionUtilization
          + " (must be in (0, 1])");
    }
    if (maxJobAge == null || maxJobAge.isNegative() || maxJobAge.isZero()) {
      throw new IllegalArgumentException("job.max.age.ms: " + maxJobAge + " (must be positive)");
    }
  }

  /** These settings with {@code maxJobAge} instead. */
  public RouterSettings withMaxJobAge(Duration age) {
    return new RouterSettings(maxAttemptsPerRoute, backoff, maxBackoff, maxRateLimitedWaits, breakerFailures,
        breakerOpen, refusalCooldown, resetJitter, cautionUtilization, age);
  }

  public static RouterSettings defaults() {
    return new RouterSettings(3, Duration.ofMillis(500), Duration.ofSeconds(30), 10, 5, Duration.ofSeconds(30),
        Duration.ofMinutes(10), Duration.ofSeconds(5), 0.9);
  }

  /** Full-jitter exponential backoff after {@code failures}: uniform in [0, min(max, base * 2^(n-1))], at least 1 ms. */
  Duration jitteredBackoff(int failures) {
    long cap = Math.min(maxBackoff().toMillis(), backoff().toMillis() << Math.min(failures - 1, 20));
    return Duration.ofMillis(1 + java.util.concurrent.ThreadLocalRandom.current().nextLong(Math.max(1, cap)));
  }

  /** The keys {@link #fromSettings} reads. */
  public static final List<String> KEYS = List.of("retry.max.attempts", "retry.backoff.ms", "retry.backoff.max.ms",
      "retry.rate.limited.max", "breaker.failures", "breaker.open.ms", "route.refused.cooldown.ms",
      "route.reset.jitter.ms", "subscription.caution.utilization", "job.max.age.ms");

  /** Reads and validates {@link #KEYS} over {@link #defaults()}. */
  public static RouterSettings fromSettings(Settings s) {
    RouterSettings d = defaults();
    return new RouterSettings(
        s.getInt("retry.max.attempts", d.maxAttemptsPerRoute(), 1, 100),
        s.millis("retry.backoff.ms", d.backoff(), 1, 3_600_000),
        s.millis("retry.backoff.max.ms", d.maxBackoff(), 1, 3_600_000),
        s.getInt("retry.rate.limited.max", d.maxRateLimitedWaits(), 0, 10_000),
        s.getInt("breaker.failures", d.breakerFailures(), 1, 10_000),
        s.millis("breaker.open.ms", d.breakerOpen(), 1, 86_400_000),
        s.millis("route.refused.cooldown.ms", d.refusalCooldown(), 1, 86_400_000),
        s.millis("route.reset.jitter.ms", d.resetJitter(), 0, 3_600_000),
        s.getDouble("subscription.caution.utilization", d.cautionUtilization(), 0.01, 1.0),
        s.millis("job.max.age.ms", d.maxJobAge(), 1000, 365L * 86_400_000));
  }
}
