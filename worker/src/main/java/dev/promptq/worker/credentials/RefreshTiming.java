package dev.promptq.worker.credentials;

import java.time.Duration;
import java.time.Instant;

/**
 * When the refresher refreshes ahead of expiry. The configured margin is capped at half of the
 * token's remaining life, so a token that lives shorter than the margin (a short-lived login, a
 * margin set too wide) is refreshed at its half-life instead of at once, forever; and no two
 * refreshes are closer than a minimum gap, whatever the token endpoint answers. Stateless.
 */
final class RefreshTiming {
  /** The most {@link #minGap} can be: ten seconds between refreshes ahead of expiry. */
  static final Duration MAX_MIN_GAP = Duration.ofSeconds(10);

  private RefreshTiming() {}

  /** When to refresh, and whether the margin had to be shortened to get there. */
  record Next(Instant at, Duration margin, boolean marginShortened) {}

  /**
   * @param lastRefresh this refresher's last successful refresh, or {@link Instant#MIN}
   * @param minGap the least time between two refreshes
   */
  static Next next(Instant now, Instant expiresAt, Duration margin, Instant lastRefresh, Duration minGap) {
    Duration remaining = Duration.between(now, expiresAt);
    Duration half = remaining.isNegative() ? Duration.ZERO : remaining.dividedBy(2);
    boolean shortened = margin.compareTo(half) > 0;
    Duration used = shortened ? half : margin;
    Instant at = expiresAt.minus(used);
    Instant earliest = lastRefresh.equals(Instant.MIN) ? Instant.MIN : lastRefresh.plus(minGap);
    if (at.isBefore(earliest)) {
      at = earliest;
    }
    return new Next(at, used, shortened);
  }

  /** The minimum gap for a refresher whose on-demand refreshes are at most every {@code minRefreshInterval}. */
  static Duration minGap(Duration minRefreshInterval) {
    return minRefreshInterval.compareTo(MAX_MIN_GAP) < 0 ? minRefreshInterval : MAX_MIN_GAP;
  }
}
