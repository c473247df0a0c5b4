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
 * @param windows every window the answer names ({@code anthropic-ratelimit-unified-<window>-*}:
 *     {@code 5h}, {@code 7d}, {@code 7d-sonnet}, ...), by name
 * @param claim {@code anthropic-ratelimit-unified-representative-claim} ({@code five_hour},
 *     {@code seven_day}, ...), or null
 */
public record UnifiedRateLimit(String status, Instant resetAt, double utilization, Map<String, Window> windows,
    String claim) {
  static final String STATUS = "anthropic-ratelimit-unified-status";
  static final String RESET = "anthropic-ratelimit-unified-reset";
  static final String UTILIZATION = "anthropic-ratelimit-unified-5h-utilization";
  private static final String PREFIX = "anthropic-ratelimit-unified-";
  private static final String SUFFIX = "-utilization";
  /** The windows that count every model: the plan's session and its week. */
  private static final java.util.List<String> WHOLE_PLAN = java.util.List.of("5h", "7d");

  /**
   * One window as an answer reported it.
   *
   * @param status its own status, or null when not sent
   * @param utilization used / capacity, a fraction that may exceed 1
   * @param reset when it resets, or null when not sent
   */
  public record Window(String status, double utilization, Instant reset) {}

  public UnifiedRateLimit {
    windows = Map.copyOf(windows);
  }

  /** Headers that name only the five-hour window. */
  public UnifiedRateLimit(String status, Instant resetAt, double utilization) {
    this(status, resetAt, utilization, Double.isNaN(utilization) ? Map.of()
        : Map.of("5h", new Window(status, utilization, resetAt)), null);
  }

  /** Reads the headers (lower-case names); empty when the answer carries no unified status. */
  public static Optional<UnifiedRateLimit> from(Map<String, String> headers) {
    String status = headers.get(STATUS);
    if (status == null) {
      return Optional.empty();
    }
    Map<String, Window> windows = new TreeMap<>();
    headers.forEach((name, value) -> {
      if (name.startsWith(PREFIX) && name.endsWith(SUFFIX) && name.length() > PREFIX.length() + SUFFIX.length()
          && windows.size() < 16) {
        double u = number(value);
        String window = name.substring(PREFIX.length(), name.length() - SUFFIX.length());
        if (!Double.isNaN(u) && u >= 0 && u < 1000 && window.matches("[a-z0-9_-]{1,32}")) {
          String s = headers.get(PREFIX + window + "-status");
          windows.put(window, new Window(s == null ? null : s.trim(), u, epochSeconds(headers.get(PREFIX + window
              + "-reset"))));
        }
      }
    });
    String claim = headers.get(PREFIX + "representative-claim");
    return Optional.of(new UnifiedRateLimit(status.trim(), epochSeconds(headers.get(RESET)),
        number(headers.get(UTILIZATION)), windows, claim == null ? null : claim.trim()));
  }

  public boolean rejected() {
    return status.equals("rejected");
  }

  /** The utilisation of each window, by name. */
  public Map<String, Double> utilizations() {
    Map<String, Double> u = new TreeMap<>();
    windows.forEach((name, w) -> u.put(name, w.utilization()));
    return u;
  }

  /**
   * The fullest of the windows that count every model ({@code 5h}, {@code 7d}), with its name:
   * what caution near the end of the quota looks at. Per-model windows are left out: a spent
   * Sonnet week must not slow Haiku calls. Empty when the answer names neither.
   */
  public Optional<Map.Entry<String, Window>> fullestWholePlanWindow() {
    return windows.entrySet().stream().filter(e -> WHOLE_PLAN.contains(e.getKey()))
        .max(java.util.Comparator.comparingDouble(e -> e.getValue().utilization()));
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
