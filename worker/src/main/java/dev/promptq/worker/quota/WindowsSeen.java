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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The subscription's windows as this worker last saw them: per window the latest utilisation,
 * status and reset any answer reported, and the binding window (the fullest one; a window whose
 * reset has passed no longer counts). Logs one INFO line when the binding window changes;
 * registers {@code promptq.quota.window.utilization} and {@code .reset} per window as answers name
 * them. Thread-safe.
 */
public final class WindowsSeen {
  private static final Logger log = LoggerFactory.getLogger(WindowsSeen.class);

  private final MeterRegistry meters;
  private final Map<String, UnifiedRateLimit.Window> windows = new TreeMap<>();
  private final Set<String> registered = new HashSet<>();
  private String binding;

  WindowsSeen(MeterRegistry meters) {
    this.meters = meters;
  }

  /** Takes the windows of one subscription answer. */
  void observe(UnifiedRateLimit u, Instant now) {
    String changed = null;
    UnifiedRateLimit.Window top = null;
    synchronized (this) {
      u.windows().forEach(windows::put);
      Optional<Map.Entry<String, UnifiedRateLimit.Window>> fullest = fullest(now);
      String b = fullest.map(Map.Entry::getKey).orElse(null);
      if (b != null && !b.equals(binding)) {
        binding = b;
        changed = b;
        top = fullest.get().getValue();
      }
    }
    u.windows().keySet().forEach(this::register);
    if (changed != null) {
      log.info("subscription: the binding window is now {} ({}% used, resets {}){}", changed,
          Math.round(top.utilization() * 100), top.reset() == null ? "at an unknown time" : "at " + top.reset(),
          u.claim() == null ? "" : "; the answer's representative claim: " + u.claim());
    }
  }

  /** Every window seen, by name, with its latest report. */
  public synchronized Map<String, UnifiedRateLimit.Window> windows() {
    return Map.copyOf(windows);
  }

  /** The fullest window whose reset has not passed, or empty before any answer named one. */
  public synchronized Optional<String> binding(Instant now) {
    return fullest(now).map(Map.Entry::getKey);
  }

  /** The utilisation of each window seen, by name. */
  public synchronized Map<String, Double> utilizations() {
    Map<String, Double> u = new TreeMap<>();
    windows.forEach((name, w) -> u.put(name, w.utilization()));
    return u;
  }

  private Optional<Map.Entry<String, UnifiedRateLimit.Window>> fullest(Instant now) {
    return windows.entrySet().stream().filter(e -> e.getValue().reset() == null || e.getValue().reset().isAfter(now))
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
  }

  private synchronized double value(String window, boolean reset) {
    UnifiedRateLimit.Window w = windows.get(window);
    if (w == null) {
      return Double.NaN;
    }
    return reset ? (w.reset() == null ? Double.NaN : w.reset().getEpochSecond()) : w.utilization();
  }
}
