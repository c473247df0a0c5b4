package dev.promptq.worker.quota;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * This worker's subscription calls at list prices, per second for the last eight days, and as a
 * running sum per window since the window began: the gate asks on every subscription call, so the
 * sum is kept rather than added up, and summed afresh from the per-second record only when a
 * window's start moves (a new window). Guarded by the owner ({@link WindowEstimates}).
 */
final class OwnSpend {
  private static final Duration KEEP = Duration.ofDays(8);

  private final TreeMap<Long, Double> bySecond = new TreeMap<>();
  /** window -> {its start in epoch seconds, this worker's spend since, the sum's compensation}. */
  private final Map<String, double[]> sums = new HashMap<>();

  /** Counts a call of {@code usd} answered at {@code now}. */
  void add(Instant now, double usd) {
    bySecond.merge(now.getEpochSecond(), usd, Double::sum);
    for (double[] sum : sums.values()) {
      if (now.getEpochSecond() >= sum[0]) {
        add(sum, usd);
      }
    }
    bySecond.headMap(now.minus(KEEP).getEpochSecond()).clear();
  }

  /** This worker's spend in window {@code w} since {@code start}. */
  double since(String w, Instant start) {
    double[] sum = sums.get(w);
    if (sum == null || sum[0] != start.getEpochSecond()) {
      sum = new double[] {start.getEpochSecond(), 0, 0};
      for (double usd : bySecond.tailMap(start.getEpochSecond(), true).values()) {
        add(sum, usd);
      }
      sums.put(w, sum);
    }
    return sum[1];
  }

  /** Adds to a running sum {start, sum, compensation} without the rounding drift of many small additions (Kahan). */
  private static void add(double[] sum, double usd) {
    double y = usd - sum[2];
    double t = sum[1] + y;
    sum[2] = (t - sum[1]) - y;
    sum[1] = t;
  }
}
