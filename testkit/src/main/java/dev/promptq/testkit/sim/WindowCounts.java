package dev.promptq.testkit.sim;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Counts of calls per quota window, as the simulator's quota sees them; for tests and benchmarks. */
public final class WindowCounts {
  private WindowCounts() {}

  /** The most calls in any window of length {@code window} (a sliding window); {@code at} sorted. */
  public static int maxInAnyWindow(List<Instant> at, Duration window) {
    int max = 0;
    int from = 0;
    for (int to = 0; to < at.size(); to++) {
      while (!at.get(from).plus(window).isAfter(at.get(to))) {
        from++;
      }
      max = Math.max(max, to - from + 1);
    }
    return max;
  }

  /**
   * Calls in each fixed window that ended by {@code until}: the first starts at the first call, each
   * next one at the first call after the previous ended (as the simulator's fixed quota window).
   */
  public static List<Integer> fixedWindows(List<Instant> at, Duration window, Instant until) {
    List<Integer> counts = new ArrayList<>();
    int i = 0;
    while (i < at.size() && !at.get(i).plus(window).isAfter(until)) {
      Instant end = at.get(i).plus(window);
      int n = 0;
      while (i < at.size() && at.get(i).isBefore(end)) {
        n++;
        i++;
      }
      counts.add(n);
    }
    return counts;
  }
}
