package dev.promptq.report;

import java.util.Locale;

/** How the report writes figures for people: dollars, token counts, utilisation. */
final class Money {
  private Money() {}

  /** {@code $1,234.56}; {@code -$3.20}. */
  static String usd(double v) {
    return (v < 0 ? "-$" : "$") + String.format(Locale.ROOT, "%,.2f", Math.abs(v));
  }

  /** {@code 950}, {@code 12.3k}, {@code 4.56M}, {@code 1.20B}. */
  static String tokens(long n) {
    if (n < 10_000) {
      return String.format(Locale.ROOT, "%,d", n);
    }
    if (n < 1_000_000) {
      return String.format(Locale.ROOT, "%.1fk", n / 1e3);
    }
    if (n < 1_000_000_000) {
      return String.format(Locale.ROOT, "%.2fM", n / 1e6);
    }
    return String.format(Locale.ROOT, "%.2fB", n / 1e9);
  }

  /** {@code 87%}, or {@code -} when unknown. */
  static String percent(Double v) {
    return v == null || v.isNaN() ? "-" : String.format(Locale.ROOT, "%.0f%%", v * 100);
  }
}
