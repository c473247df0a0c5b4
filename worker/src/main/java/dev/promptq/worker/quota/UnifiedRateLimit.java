package dev.promptq.worker.quota;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The subscription's unified rate-limit headers of one answer.
 *
 * @param status {@code allowed}, {@code allowed_warning} or {@code rejected}
 * @param resetAt {@code anthropic-ratelimit-unified-reset} (epoch seconds), or null
 * @param utilization {@code anthropic-ratelimit-unified-5h-utilization} (0..1), or NaN when absent
 * @param windows the utilisation of every window the answer names
 *     ({@code anthropic-ratelimit-unified-<window>-utilization}: {@code 5h}, {@code 7d},
 *     {@code 7d-sonnet}, ...), by window
 */
public record UnifiedRateLimit(String status, Instant resetAt, double utilization, Map<String, Double> windows) {
  static final String STATUS = "anthropic-ratelimit-unified-status";
  static final String RESET = "anthropic-ratelimit-unified-reset";
  static final String UTILIZATION = "anthropic-ratelimit-unified-5h-utilization";
  private static final String PREFIX = "anthropic-ratelimit-unified-";
  private static final String SUFFIX = "-utilization";

  public UnifiedRateLimit {
    windows = Map.copyOf(windows);
  }

  /** Headers that name only the five-hour window. */
  public UnifiedRateLimit(String status, Instant resetAt, double utilization) {
    this(status, resetAt, utilization, Double.isNaN(utilization) ? Map.of() : Map.of("5h", utilization));
  }

  /** Reads the headers (lower-case names); empty when the answer carries no unified status. */
  public static Optional<UnifiedRateLimit> from(Map<String, String> headers) {
    String status = headers.get(STATUS);
    if (status == null) {
      return Optional.empty();
    }
    Map<String, Double> windows = new TreeMap<>();
    headers.forEach((name, value) -> {
      if (name.startsWith(PREFIX) && name.endsWith(SUFFIX) && name.length() > PREFIX.length() + SUFFIX.length()
          && windows.size() < 16) {
        double u = number(value);
        if (!Double.isNaN(u) && u >= 0 && u < 1000) {
          windows.put(name.substring(PREFIX.length(), name.length() - SUFFIX.length()), u);
        }
      }
    });
    return Optional.of(new UnifiedRateLimit(status.trim(), epochSeconds(headers.get(RESET)),
        number(headers.get(UTILIZATION)), windows));
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
