package dev.promptq.cli;

import java.util.Arrays;
import java.util.Collection;

/** Nearest-rank percentiles of a set of durations in milliseconds. Immutable. */
final class Percentiles {
  private final long[] sorted;

  Percentiles(Collection<Long> values) {
    this.sorted = values.stream().mapToLong(Long::longValue).sorted().toArray();
  }

  /** The {@code p}-th percentile (0 < p <= 100), or 0 for no values. */
  long at(double p) {
    if (sorted.length == 0) {
      return 0;
    }
    int rank = (int) Math.ceil(p / 100.0 * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
  }

  @Override
  public String toString() {
    return Arrays.toString(sorted);
  }
}
