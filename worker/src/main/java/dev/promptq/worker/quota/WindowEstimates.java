package dev.promptq.worker.quota;

import com.fasterxml.jackson.databind.JsonNode;
import dev.promptq.usage.PriceTable;
import dev.promptq.usage.Tokens;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What is left of each subscription window, learned from the answers, and how many subscription
 * calls this worker may have in flight because of it. Nothing about the plan is configured:
 *
 * <ul>
 *   <li><b>Capacity</b>: an answer reports a window's utilisation {@code u} (of everything anyone
 *       spent in it) and its reset; the window began at {@code reset - length}. The group's own
 *       calls since then, weighted by what they cost at API list prices (so tokens and model both
 *       count), come to {@code W} (this worker's, plus what the others publish after each answer).
 *       Each worker publishes its part with the utilisation of the answer that followed it, and
 *       the capacity is {@code W / u} with the highest of those {@code u}: it counts every call in
 *       {@code W} (and anyone else's use), so the estimate errs low, on the safe side.
 *   <li><b>Remainder</b>: {@code capacity x (1 - reserve - u)}, with {@code u} the highest
 *       utilisation among the workers' latest answers, less what the group spends in the time those
 *       figures lag behind (an answer's latency plus the control topic's), in calls of this
 *       worker's average cost; the binding window is the one with the fewest calls left.
 *   <li><b>In-flight cap</b>: slow start (a few calls, one more per answer, halved by a 429) until
 *       the answers say more, and never more than this worker's share of the binding window's
 *       remainder, rounded down: the group never has more calls in flight than the window has
 *       left, so it meets no 429 while the estimate holds.
 * </ul>
 * Only the windows that count every model ({@code 5h}, {@code 7d}) cap the calls; per-model
 * windows are shown, not yet used. Thread-safe.
 */
public final class WindowEstimates {
  /** Below this utilisation the figures are too coarse to divide by. */
  static final double MIN_SIGNAL = 0.01;
  /**
   * Others' figures count when their window began within this of ours: a fixed window's reset is
   * the same second for every worker; a sliding one's moves, and figures from too far off are left
   * out (the estimate errs low). Tighter than any window's length, so a window's figures never
   * count for the next one.
   */
  private static final Duration SAME_START = Duration.ofSeconds(5);
  private static final int MAX_WINDOW = 100_000;
  /** What the control topic adds at least to an answer's age before others' figures arrive. */
  private static final double STALE_MARGIN_SECONDS = 0.25;
  /** Longer than this, a figure's age says more about clocks than about the control topic. */
  private static final double MAX_CONTROL_LAG_SECONDS = 30;

  /** Where this worker publishes its use of each window: the control topic. */
  @FunctionalInterface
  public interface Publisher {
    void publish(WindowUsage usage);
  }

  /**
   * One window's estimate.
   *
   * @param utilization as the latest answer reported it
   * @param reset when it resets
   * @param groupUsd the group's calls in it at list prices, as this worker knows them
   * @param capacityUsd the estimated capacity, or NaN while unknown
   * @param leftCalls the estimated calls left (after the reserve), or NaN while unknown
   * @param leftNowCalls the same less what the group may have spent since the figures were
   *     current (they are an answer's latency old); NaN while unknown
   */
  public record Estimate(String window, double utilization, Instant reset, double groupUsd, double capacityUsd,
      double leftCalls, double leftNowCalls) {
    /** The calls a minute that spend what is left evenly until the reset (for work that can only wait); NaN while unknown. */
    public double evenPerMinute(Instant now) {
      double minutes = Math.max(1e-3, Duration.between(now, reset).toMillis() / 60_000.0);
      return leftNowCalls / minutes;
    }
  }

  /**
   * How many subscription calls this worker may have in flight.
   *
   * @param calls the cap; 0 when no call may start
   * @param until with a cap of 0: when to look again
   * @param settling with a cap of 0: true when calls are left but the latest figures may be stale
   *     (wait a moment rather than pay for the API); false when the window is spent
   */
  public record Cap(int calls, Instant until, boolean settling) {}

  private final PriceTable prices;
  private final double reserve;
  private final String workerId;
  private final Clock clock;
  private volatile Publisher publisher = u -> { };
  private final OwnSpend own = new OwnSpend();
  private final Map<String, Duration> lengths;
  private final Map<String, UnifiedRateLimit.Window> latest = new HashMap<>();
  /** window -> worker -> that worker's latest published use. */
  private final Map<String, Map<String, WindowUsage>> others = new HashMap<>();
  private double averageUsd = Double.NaN;
  private int window;
  /** How long a subscription answer takes to come back (an average); what the latest figures lag behind by. */
  private double latencySeconds = 0;
  /**
   * How late others' figures arrive through the control topic: the latest lag, or a slowly
   * fading higher one (a loaded broker or worker delays them; the remainder must allow for it).
   */
  private double controlLagSeconds = STALE_MARGIN_SECONDS;
  /** window -> the group's spend in it per second, an average over the latest answers. */
  private final Map<String, Double> ratePerSecond = new HashMap<>();
  /** window -> the group's spend and the instant of the previous sample. */
  private final Map<String, double[]> lastSample = new HashMap<>();
  /** window -> the capacity of its latest estimate: a new window of the same plan starts from it. */
  private final Map<String, Double> lastCapacity = new HashMap<>();
  /** When this worker last started a call of work that can only wait (see {@link #pace}). */
  private Instant lastPaced = Instant.MIN;

  /**
   * @param lengths how long each window the estimates count lasts, by name ({@code 5h}, {@code 7d});
   *     windows not named are shown, not estimated
   */
  WindowEstimates(PriceTable prices, double reserve, int slowStart, Map<String, Duration> lengths, String workerId,
      Clock clock) {
    this.prices = prices;
    this.lengths = Map.copyOf(lengths);
    this.reserve = reserve;
    this.workerId = workerId;
    this.clock = clock;
    this.window = slowStart;
  }

  public void publishTo(Publisher p) {
    this.publisher = p;
  }

  /**
   * Takes one subscription answer: its unified headers (empty when it had none), whether it was a
   * 429, and the model and usage of a success.
   */
  void answered(Optional<UnifiedRateLimit> unified, boolean rateLimited, String model, JsonNode usage,
      long latencyMs) {
    Instant now = clock.instant();
    List<WindowUsage> publish = new java.util.ArrayList<>();
    synchronized (this) {
      latencySeconds = 0.8 * latencySeconds + 0.2 * (latencyMs / 1000.0);
      if (rateLimited || unified.map(UnifiedRateLimit::rejected).orElse(false)) {
        window = Math.max(1, window / 2);
      } else if (usage != null) {
        window = Math.min(MAX_WINDOW, window + 1);
        double usd = costOf(model, usage);
        own.add(now, usd);
        averageUsd = Double.isNaN(averageUsd) ? usd : 0.9 * averageUsd + 0.1 * usd;
      }
      if (unified.isPresent()) {
        for (Map.Entry<String, UnifiedRateLimit.Window> e : unified.get().windows().entrySet()) {
          Optional<Duration> length = length(e.getKey());
          if (length.isEmpty() || e.getValue().reset() == null) {
            continue;
          }
          latest.put(e.getKey(), e.getValue());
          Instant start = start(e.getValue().reset(), length.get());
          sampleRate(e.getKey(), start, now);
          publish.add(new WindowUsage(e.getKey(), workerId, start, own.since(e.getKey(), start),
              e.getValue().utilization(), now));
        }
      }
    }
    publish.forEach(publisher::publish);
  }

  /** Applies another worker's published use of a window. */
  public synchronized void applyRemote(WindowUsage u) {
    if (!u.worker().equals(workerId)) {
      others.computeIfAbsent(u.window(), w -> new HashMap<>()).put(u.worker(), u);
      double lag = Duration.between(u.at(), clock.instant()).toMillis() / 1000.0;
      if (lag >= 0 && lag <= MAX_CONTROL_LAG_SECONDS) {
        controlLagSeconds = Math.max(STALE_MARGIN_SECONDS, Math.max(lag, 0.99 * controlLagSeconds));
      }
    }
  }

  /** The estimate of every window the answers named that counts every model. */
  synchronized List<Estimate> estimates() {
    Instant now = clock.instant();
    return latest.keySet().stream().sorted().map(w -> estimate(w, now)).toList();
  }

  /** The estimate of {@code window} now, if the answers named it and it counts every model. */
  public synchronized Optional<Estimate> estimate(String window) {
    return latest.containsKey(window) ? Optional.of(estimate(window, clock.instant())) : Optional.empty();
  }

  /** The window with the fewest calls left, among those whose reset has not passed (unknown ones last). */
  synchronized Optional<Estimate> binding() {
    Instant now = clock.instant();
    return latest.keySet().stream().map(w -> estimate(w, now)).filter(e -> e.reset().isAfter(now))
        .min(Comparator.comparingDouble(e -> Double.isNaN(e.leftCalls()) ? Double.MAX_VALUE : e.leftCalls()));
  }

  /**
   * How many subscription calls this worker may have in flight now: the slow-start window, at most
   * {@code share} of the binding window's remainder (rounded down, so the group never has more in
   * flight than is left). None once this worker's share is under a call (until the window resets:
   * a remainder only shrinks), or for a moment while the latest figures may not yet show what the
   * group spent meanwhile.
   *
   * @param share this worker's share of the group (its job partitions' share; 0 before it has any)
   */
  public synchronized Cap cap(double share) {
    Instant now = clock.instant();
    double s = share > 0 ? Math.min(1, share) : 1;
    int cap = window;
    Instant spentUntil = null;
    boolean settling = false;
    for (String w : latest.keySet()) {
      Estimate e = estimate(w, now);
      if (!e.reset().isAfter(now)) {
        continue;
      }
      if (e.utilization() >= 1 - reserve || (!Double.isNaN(e.leftCalls()) && Math.floor(e.leftCalls() * s + 1e-9) < 1)) {
        spentUntil = spentUntil == null || e.reset().isAfter(spentUntil) ? e.reset() : spentUntil;
      } else if (!Double.isNaN(e.leftNowCalls())) {
        int c = (int) Math.floor(e.leftNowCalls() * s + 1e-9);
        settling |= c < 1;
        cap = Math.min(cap, c);
      }
    }
    if (spentUntil != null) {
      return new Cap(0, spentUntil, false);
    }
    if (settling) {
      return new Cap(0, now.plusMillis(Math.max(50, (long) ((latencySeconds + controlLagSeconds) * 1000))), true);
    }
    return new Cap(cap, null, false);
  }

  /**
   * For work that can only wait (no route after the subscription): takes this worker's next call
   * if it is due, so that the group spends each window's remainder evenly until its reset, or says
   * when it will be. A worker's calls are spaced by {@code time to the reset / (its share x the
   * calls left)}, the tightest window deciding; windows whose remainder is unknown (the cap's
   * slow start governs then) or spent (the cap says so) do not pace.
   *
   * @param share this worker's share of the group's demand (0 before it has one: taken as 1)
   * @return empty when the call may start now (the slot is taken), else when to ask again
   */
  public synchronized Optional<Instant> pace(double share) {
    Instant now = clock.instant();
    double s = share > 0 ? Math.min(1, share) : 1;
    double interval = 0;
    Instant firstReset = null;
    for (String w : latest.keySet()) {
      Estimate e = estimate(w, now);
      if (!e.reset().isAfter(now) || Double.isNaN(e.leftNowCalls()) || e.leftNowCalls() < 1) {
        continue;
      }
      interval = Math.max(interval, Duration.between(now, e.reset()).toMillis() / 1000.0 / (e.leftNowCalls() * s));
      firstReset = firstReset == null || e.reset().isBefore(firstReset) ? e.reset() : firstReset;
    }
    Instant due = lastPaced.equals(Instant.MIN) ? now : lastPaced.plusNanos((long) (interval * 1e9));
    if (firstReset != null && due.isAfter(firstReset)) {
      due = firstReset;  // a window that resets brings new figures: look again then
    }
    if (now.isBefore(due)) {
      return Optional.of(due);  // asked again then, with the figures of then
    }
    lastPaced = now;
    return Optional.empty();
  }

  /**
   * A window now. Every worker's published use comes with the utilisation of the answer that
   * followed it, and each answer's utilisation counts every call answered before it; so the
   * highest utilisation among the workers' latest answers counts at least every call in the
   * group's sum, and their ratio never overstates the capacity.
   */
  private Estimate estimate(String w, Instant now) {
    UnifiedRateLimit.Window latestSeen = latest.get(w);
    Group g = group(w, start(latestSeen.reset(), length(w).orElseThrow()));
    double group = g.usd();
    double u = Math.max(latestSeen.utilization(), g.othersUtilization());
    if (Double.isNaN(averageUsd) || averageUsd <= 0) {
      return new Estimate(w, u, latestSeen.reset(), group, Double.NaN, Double.NaN, Double.NaN);
    }
    double capacity;
    if (u >= MIN_SIGNAL && group > 0) {
      capacity = group / u;
      lastCapacity.put(w, capacity);
    } else if (lastCapacity.containsKey(w)) {
      capacity = lastCapacity.get(w);  // a new window: the plan's last one held this much
    } else {
      return new Estimate(w, u, latestSeen.reset(), group, Double.NaN, Double.NaN, Double.NaN);
    }
    double left = Math.max(0, capacity * (1 - reserve - u));
    // the figures are an answer's latency (and the control topic's) old: what the group spent since may be
    // on its way; once that long has passed without news, there is none
    double[] sample = lastSample.get(w);
    double since = sample == null ? 0 : now.toEpochMilli() / 1000.0 - sample[1];
    double meanwhile = ratePerSecond.getOrDefault(w, 0.0)
        * Math.max(0, latencySeconds + controlLagSeconds - since);
    return new Estimate(w, u, latestSeen.reset(), group, capacity, left / averageUsd,
        Math.max(0, left - meanwhile) / averageUsd);
  }

  /** The group's spend in a window since it began, and the highest utilisation the others' latest answers gave. */
  private record Group(double usd, double othersUtilization) {}

  private Group group(String w, Instant start) {
    double usd = own.since(w, start);
    double u = 0;
    for (WindowUsage o : others.getOrDefault(w, Map.of()).values()) {
      if (Duration.between(o.start(), start).abs().compareTo(SAME_START) <= 0) {
        usd += o.usd();
        u = Math.max(u, o.utilization());
      }
    }
    return new Group(usd, u);
  }

  /** Adds a sample of the group's spend in window {@code w} to its rate. */
  private void sampleRate(String w, Instant start, Instant now) {
    double group = group(w, start).usd();
    double t = now.toEpochMilli() / 1000.0;
    double[] last = lastSample.put(w, new double[] {group, t});
    if (last != null && t - last[1] >= 0.05) {
      double rate = Math.max(0, (group - last[0]) / (t - last[1]));
      ratePerSecond.merge(w, rate, (old, fresh) -> 0.7 * old + 0.3 * fresh);
    } else if (last != null) {
      lastSample.put(w, last);  // too close to the previous sample to tell a rate
    }
  }

  /** Where a window began: its reset less its length, less a second for the reset's rounding up. */
  private static Instant start(Instant reset, Duration length) {
    return reset.minus(length).minusSeconds(1);
  }

  /** A call's weight: its list price; an unknown model at the table's lowest, so a capacity errs low. */
  private double costOf(String model, JsonNode usage) {
    Tokens t = Tokens.fromUsage(usage);
    return prices.cost(model, t, false).orElseGet(() -> prices.models().stream()
        .map(p -> prices.cost(p.model(), t, false).orElseThrow()).min(Double::compare).orElse(0.0));
  }

  /** The length of a window the estimates count ({@code 5h}, {@code 7d} by default), or empty for others. */
  private Optional<Duration> length(String window) {
    return Optional.ofNullable(lengths.get(window));
  }
}
