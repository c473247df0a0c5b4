package dev.promptq.worker.quota;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * The subscription's unified rate-limit headers of one answer.
 *
 * @param status {@code allowed}, {@code allowed_warning} or {@code rejected}
 * @param resetAt {@code anthropic-ratelimit-unified-reset} (epoch seconds), or null
 * @param utilization {@code anthropic-ratelimit-unified-5h-utilization} (0..1), or NaN when absent
 */
public record UnifiedRateLimit(String status, Instant resetAt, double utilization) {
  static final String STATUS = "anthropic-ratelimit-unified-status";
  static final String RESET = "anthropic-ratelimit-unified-reset";
  static final String UTILIZATION = "anthropic-ratelimit-unified-5h-utilization";

  /** Reads the headers (lower-case names); empty when the answer carries no unified status. */
  public static Optional<UnifiedRateLimit> from(Map<String, String> headers) {
    String status = headers.get(STATUS);
    if (status == null) {
      return Optional.empty();
    }
    return Optional.of(new UnifiedRateLimit(status.trim(), epochSeconds(headers.get(RESET)),
        number(headers.get(UTILIZATION))));
  }

  public boolean rejected() {
    return status.equals("rejected");
  }

  private static Instant epochSeconds(String v) {
    try {
      return v == null ? null : Instant.ofEpochSecond(Long.parseLong(v.trim()));
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private static double number(String v) {
    try {
      return v == null ? Double.NaN : Double.parseDouble(v.trim());
    } catch (NumberFormatException e) {
      return Double.NaN;
    }
  }
}
