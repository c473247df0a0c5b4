package dev.promptq.testkit.sim;

import java.time.Instant;
import java.util.Locale;
import java.util.Map;

/** The subscription's unified rate-limit headers, as the real API sends them. */
final class UnifiedHeaders {
  private UnifiedHeaders() {}

  /**
   * @param status {@code allowed}, {@code allowed_warning} or {@code rejected}
   * @param reset when the window resets (sent as epoch seconds, rounded up)
   * @param utilization used / limit of the five-hour window
   */
  static Map<String, String> of(String status, Instant reset, double utilization) {
    long resetSeconds = reset.getEpochSecond() + (reset.getNano() > 0 ? 1 : 0);
    return Map.of(
        "anthropic-ratelimit-unified-status", status,
        "anthropic-ratelimit-unified-reset", Long.toString(resetSeconds),
        "anthropic-ratelimit-unified-5h-status", status,
        "anthropic-ratelimit-unified-5h-reset", Long.toString(resetSeconds),
        "anthropic-ratelimit-unified-5h-utilization", String.format(Locale.ROOT, "%.4f", utilization),
        "anthropic-ratelimit-unified-representative-claim", "five_hour");
  }
}
