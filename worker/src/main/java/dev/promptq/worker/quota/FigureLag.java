package dev.promptq.worker.quota;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * How old the subscription figures a worker holds are, and what the group may have spent in a
 * window meanwhile: an answer's utilisation is its latency old when it arrives, and the others'
 * figures add the control topic's lag. Guarded by its owner ({@link WindowEstimates}).
 */
final class FigureLag {
  /** What the control topic adds at least to an answer's age before others' figures arrive. */
  private static final double STALE_MARGIN_SECONDS = 0.25;
  /** Longer than this, a figure's age says more about clocks than about the control topic. */
  private static final double MAX_CONTROL_LAG_SECONDS = 30;

  /** How long a subscription answer takes to come back (an average). */
  private double latencySeconds = 0;
  /**
   * How late others' figures arrive through the control topic: the latest lag, or a slowly
   * fading higher one (a loaded broker or worker delays them; the remainder must allow for it).
   */
  private double controlLagSeconds = STALE_MARGIN_SECONDS;
  /** window -> the group's spend in it per second, an average over the latest answers. */
  private final Map<String, Double> ratePerSecond = new HashMap<>();
  /** window -> the group's spend and the instant (epoch seconds) of the previous sample. */
  private final Map<String, double[]> lastSample = new HashMap<>();

  /** One of this worker's subscription answers took {@code latencyMs}. */
  void answerTook(long latencyMs) {
    latencySeconds = 0.8 * latencySeconds + 0.2 * (latencyMs / 1000.0);
  }

  /** Another worker's figure, published at {@code at}, arrived {@code now}. */
  void figureArrived(Instant at, Instant now) {
    double lag = (now.toEpochMilli() - at.toEpochMilli()) / 1000.0;
    if (lag >= 0 && lag <= MAX_CONTROL_LAG_SECONDS) {
      controlLagSeconds = Math.max(STALE_MARGIN_SECONDS, Math.max(lag, 0.99 * controlLagSeconds));
    }
  }

  /** Adds a sample of the group's spend in window {@code w} (as known {@code now}) to its rate. */
  void sample(String w, double groupUsd, Instant now) {
    double t = now.toEpochMilli() / 1000.0;
    double[] last = lastSample.put(w, new double[] {groupUsd, t});
    if (last != null && t - last[1] >= 0.05) {
      double rate = Math.max(0, (groupUsd - last[0]) / (t - last[1]));
      ratePerSecond.merge(w, rate, (old, fresh) -> 0.7 * old + 0.3 * fresh);
    } else if (last != null) {
      lastSample.put(w, last);  // too close to the previous sample to tell a rate
    }
  }

  /**
   * What the group may have spent in window {@code w} that the latest figures do not show yet: its
   * rate over the figures' age; once that long has passed without news, there is none.
   */
  double meanwhileUsd(String w, Instant now) {
    double[] sample = lastSample.get(w);
    double since = sample == null ? 0 : now.toEpochMilli() / 1000.0 - sample[1];
    return ratePerSecond.getOrDefault(w, 0.0) * Math.max(0, ageSeconds() - since);
  }

  /** How long to wait for the figures to catch up with what the group spent. */
  long settleMillis() {
    return Math.max(50, (long) (ageSeconds() * 1000));
  }

  private double ageSeconds() {
    return latencySeconds + controlLagSeconds;
  }
}
