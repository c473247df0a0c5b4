package dev.promptq.worker.quota;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The subscription's windows as this worker last saw them: per window the latest utilisation,
 * status and reset any answer reported, and the binding window: the one with the fewest calls
 * left by the {@link WindowEstimates} once any window has an estimate, else the fullest (a window
 * whose reset has passed no longer counts). Logs one INFO line when the binding window changes;
 * registers {@code promptq.quota.window.*} per window as answers name them: utilisation and reset
 * as reported, and the estimate's capacity, calls left and even pace. Thread-safe.
 */
public final class WindowsSeen {
  private static final Logger log = LoggerFactory.getLogger(WindowsSeen.class);

  private final MeterRegistry meters;
  private final Function<String, Optional<WindowEstimates.Estimate>> estimates;
  private final Map<String, UnifiedRateLimit.Window> windows = new TreeMap<>();
  private final Set<String> registered = new HashSet<>();
  private final java.time.Clock clock;
  private String binding;

  WindowsSeen(MeterRegistry meters, Function<String, Optional<WindowEstimates.Estimate>> estimates,
      java.time.Clock clock) {
    this.meters = meters;
    this.estimates = estimates;
    this.clock = clock;
  }

  /** Takes the windows of one subscription answer. */
  void observe(UnifiedRateLimit u, Instant now) {
    String changed = null;
    UnifiedRateLimit.Window top = null;
    synchronized (this) {
      u.windows().forEach(windows::put);
      String b = binding(now).orElse(null);
      if (b != null && !b.equals(binding)) {
        binding = b;
        changed = b;
        top = windows.get(b);
      }
    }
    u.windows().keySet().forEach(this::register);
    if (changed != null) {
      Optional<WindowEstimates.Estimate> e = estimates.apply(changed).filter(x -> !Double.isNaN(x.leftCalls()));
      log.info("subscription: the binding window is now {} ({}% used{}, resets {}){}", changed,
          Math.round(top.utilization() * 100), e.map(x -> String.format(java.util.Locale.ROOT,
              ", about %.0f calls left of $%.2f", x.leftCalls(), x.capacityUsd())).orElse(""),
          top.reset() == null ? "at an unknown time" : "at " + top.reset(),
          u.claim() == null ? "" : "; the answer's representative claim: " + u.claim());
    }
  }

  /** Every window seen, by name, with its latest report. */
  public synchronized Map<String, UnifiedRateLimit.Window> windows() {
    return Map.copyOf(windows);
  }

  /**
   * The window with the fewest calls left among those with an estimate, else the fullest, whose
   * reset has not passed; empty before any answer named one.
   */
  public synchronized Optional<String> binding(Instant now) {
    Optional<String> fewestLeft = windows.entrySet().stream().filter(e -> current(e.getValue(), now))
        .map(e -> estimates.apply(e.getKey())).flatMap(Optional::stream).filter(e -> !Double.isNaN(e.leftCalls()))
        .min(Comparator.comparingDouble(WindowEstimates.Estimate::leftCalls)
            .thenComparing(WindowEstimates.Estimate::window))
        .map(WindowEstimates.Estimate::window);
    return fewestLeft.isPresent() ? fewestLeft : fullest(now).map(Map.Entry::getKey);
  }

  private static boolean current(UnifiedRateLimit.Window w, Instant now) {
    return w.reset() == null || w.reset().isAfter(now);
  }

  /** The utilisation of each window seen, by name. */
  public synchronized Map<String, Double> utilizations() {
    Map<String, Double> u = new TreeMap<>();
    windows.forEach((name, w) -> u.put(name, w.utilization()));
    return u;
  }

  private Optional<Map.Entry<String, UnifiedRateLimit.Window>> fullest(Instant now) {
    return windows.entrySet().stream().filter(e -> current(e.getValue(), now))
        .max(Comparator.comparingDouble((Map.Entry<String, UnifiedRateLimit.Window> e) -> e.getValue().utilization())
            .thenComparing(Map.Entry::getKey));
  }

  private void register(String window) {
    synchronized (registered) {
      if (!registered.add(window)) {
        return;
      }
    }
    Gauge.builder("promptq.quota.window.utilization", this, s -> s.value(window, false))
        .description("The subscription window's utilisation as its last answer reported it (a fraction; may exceed 1)")
        .tag("window", window).register(meters);
    Gauge.builder("promptq.quota.window.reset", this, s -> s.value(window, true))
        .description("When the subscription window resets, as its last answer reported it (epoch seconds)")
        .baseUnit("seconds").tag("window", window).register(meters);
    Gauge.builder("promptq.quota.window.capacity", this, s -> s.estimated(window, WindowEstimates.Estimate::capacityUsd))
        .description("The subscription window's capacity estimated from the answers, at API list prices (NaN while unknown)")
        .baseUnit("usd").tag("window", window).register(meters);
    Gauge.builder("promptq.quota.window.left.calls", this, s -> s.estimated(window, WindowEstimates.Estimate::leftCalls))
        .description("The calls the subscription window has left by the estimate, after the reserve (NaN while unknown)")
        .tag("window", window).register(meters);
    Gauge.builder("promptq.quota.window.even.pace", this, s -> s.estimated(window,
            e -> e.evenPerMinute(s.clock.instant())))
        .description("Calls a minute that spend what the window has left evenly until its reset: the group's pace for "
            + "work that can only wait (NaN while unknown)")
        .tag("window", window).register(meters);
    Gauge.builder("promptq.quota.window.binding", this, s -> window.equals(s.lastBinding()) ? 1 : 0)
        .description("1 for the window with the fewest calls left (else the fullest), 0 for the others")
        .tag("window", window).register(meters);
  }

  private synchronized String lastBinding() {
    return binding;
  }

  private double estimated(String window, java.util.function.ToDoubleFunction<WindowEstimates.Estimate> figure) {
    return estimates.apply(window).map(figure::applyAsDouble).orElse(Double.NaN);
  }

  private synchronized double value(String window, boolean reset) {
    UnifiedRateLimit.Window w = windows.get(window);
    if (w == null) {
      return Double.NaN;
    }
    return reset ? (w.reset() == null ? Double.NaN : w.reset().getEpochSecond()) : w.utilization();
  }
}
