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
 *       the answers say more, and never more than half this worker's share of the binding
 *       window's remainder (at least one call while the share holds one): the group never has
 *       more calls in flight than the window has left, even when a worker's figures are a round
 *       of answers behind (a loaded machine delays them), and near a window's end each worker has
 *       one call in flight, so a figure that is wrong costs at most one rejected call per worker.
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
  private final FigureLag lag = new FigureLag();
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
      lag.answerTook(latencyMs);
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
          lag.sample(e.getKey(), group(e.getKey(), start).usd(), now);
          publish.add(new WindowUsage(e.getKey(), workerId, start, own.since(e.getKey(), start),
              e.getValue().utilization(), averageUsd, now));
        }
      }
    }
    publish.forEach(publisher::publish);
  }

  /**
   * Applies another worker's published use of a window. A worker that has no answer of its own
   * for that window yet (one that just joined) takes the window and the cost of a call from it, so
   * it starts from the group's estimate instead of sending its slow start into a spent window.
   */
  public synchronized void applyRemote(WindowUsage u) {
    if (u.worker().equals(workerId)) {
      return;
    }
    others.computeIfAbsent(u.window(), w -> new HashMap<>()).put(u.worker(), u);
    lag.figureArrived(u.at(), clock.instant());
    Optional<Duration> length = length(u.window());
    if (length.isPresent()) {
      Instant reset = u.start().plus(length.get()).plusSeconds(1);  // the inverse of start()
      UnifiedRateLimit.Window mine = latest.get(u.window());
      if (mine == null || mine.reset().plus(SAME_START).isBefore(reset)) {
        latest.put(u.window(), new UnifiedRateLimit.Window(null, u.utilization(), reset));
      }
    }
    if (Double.isNaN(averageUsd) && u.averageUsd() > 0) {
      averageUsd = u.averageUsd();
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
   * half of {@code share} of the binding window's remainder and at least one (so the group never
   * has more in flight than is left, even on figures a round old). None once this worker's share
   * is under a call (until the window resets:
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
        double mine = e.leftNowCalls() * s;
        settling |= Math.floor(mine + 1e-9) < 1;
        cap = Math.min(cap, Math.max(1, (int) Math.floor(mine / 2 + 1e-9)));
      }
    }
    if (spentUntil != null) {
      return new Cap(0, spentUntil, false);
    }
    if (settling) {
      return new Cap(0, now.plusMillis(lag.settleMillis()), true);
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
    double meanwhile = lag.meanwhileUsd(w, now);
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
