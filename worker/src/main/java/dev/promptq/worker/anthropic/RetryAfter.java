package dev.promptq.worker.anthropic;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/** The one reader of the {@code retry-after} header, for the API's answers and the token endpoint's. */
public final class RetryAfter {
  private RetryAfter() {}

  /**
   * A {@code retry-after} value in seconds (fractions allowed) or as an HTTP date (RFC 9110), as a
   * duration from {@code now}; empty when absent or unreadable.
   */
  public static Optional<Duration> parse(String v, Instant now) {
    if (v == null) {
      return Optional.empty();
    }
    try {
      double seconds = Double.parseDouble(v.trim());
      return seconds < 0 || Double.isNaN(seconds) ? Optional.empty()
          : Optional.of(Duration.ofMillis((long) (Math.min(seconds, 1e9) * 1000)));
    } catch (NumberFormatException notSeconds) {
      try {
        Instant at = ZonedDateTime.parse(v.trim(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
        return Optional.of(at.isAfter(now) ? Duration.between(now, at) : Duration.ZERO);
      } catch (DateTimeParseException notADate) {
        return Optional.empty();
      }
    }
  }
}
