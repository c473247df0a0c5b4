package dev.promptq.testkit.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.promptq.usage.PriceTable;
import dev.promptq.usage.Tokens;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The subscription's usage-weighted windows ({@link SimWindow}s). A request is admitted while
 * every window that counts its model has room (utilisation below 1); its answer's usage, priced at
 * API list prices, is then added to each of those windows, so a window can end above 1 (a large
 * answer after a nearly full window), as the real utilisation can. Every answer carries each
 * window's status, utilisation and reset, and the unified status, reset and representative claim
 * of the window most used. Thread-safe.
 */
final class UsageWindows implements SubscriptionLimits {
  private final List<SimWindow> windows;
  private final double warnAt;
  private final Clock clock;
  private final PriceTable prices = PriceTable.defaults();
  private final ObjectMapper mapper = new ObjectMapper();
  private final Map<String, State> states = new HashMap<>();
  private int calls;

  /** One window's count: fixed (a start and a sum) or sliding (the charges in the last length). */
  private static final class State {
    Instant end = Instant.MIN;
    double used;
    final ArrayDeque<Instant> at = new ArrayDeque<>();
    final ArrayDeque<Double> usd = new ArrayDeque<>();
  }

  UsageWindows(List<SimWindow> windows, double warnAt, Clock clock) {
    if (windows.isEmpty()) {
      throw new IllegalArgumentException("at least one window");
    }
    this.windows = List.copyOf(windows);
    this.warnAt = warnAt;
    this.clock = clock;
    windows.forEach(w -> states.put(w.name(), new State()));
  }

  @Override
  public synchronized Admission admit(String model) {
    Instant now = clock.instant();
    for (SimWindow w : windows) {
      if (w.counts(model) && roll(w, now) >= w.capacityUsd()) {
        return new Admission(false, headers(now, model));
      }
    }
    calls++;
    return new Admission(true, Map.of());
  }

  @Override
  public synchronized Map<String, String> settle(Admission admission, String model, SimResponse response) {
    Instant now = clock.instant();
    if (response.status() != 200) {
      calls--;
      return headers(now, model);
    }
    double usd = costOf(model, response.body());
    for (SimWindow w : windows) {
      if (w.counts(model)) {
        roll(w, now);
        State s = states.get(w.name());
        s.used += usd;
        if (w.sliding()) {
          s.at.addLast(now);
          s.usd.addLast(usd);
        }
      }
    }
    return headers(now, model);
  }

  @Override
  public synchronized int used() {
    return calls;
  }

  /** What {@code window} has counted now, in USD at list prices. */
  synchronized double usedUsd(String window) {
    SimWindow w = windows.stream().filter(x -> x.name().equals(window)).findFirst().orElseThrow();
    return roll(w, clock.instant());
  }

  private double costOf(String model, String body) {
    try {
      JsonNode usage = mapper.readTree(body).path("usage");
      // a model the table does not know weighs as a mid-priced one, so tests may use any name
      return prices.cost(model, Tokens.fromUsage(usage), false)
          .orElseGet(() -> prices.cost("claude-sonnet-4-6", Tokens.fromUsage(usage), false).orElseThrow());
    } catch (IOException e) {
      return 0;
    }
  }

  /** Brings the window's count up to {@code now}; returns it. */
  private double roll(SimWindow w, Instant now) {
    State s = states.get(w.name());
    if (w.sliding()) {
      while (!s.at.isEmpty() && !s.at.peekFirst().plus(w.length()).isAfter(now)) {
        s.at.pollFirst();
        s.used -= s.usd.pollFirst();
      }
      s.used = s.at.isEmpty() ? 0 : s.used;
      s.end = s.at.isEmpty() ? now.plus(w.length()) : s.at.peekFirst().plus(w.length());
    } else if (!now.isBefore(s.end)) {
      s.end = now.plus(w.length());
      s.used = 0;
    }
    return s.used;
  }

  private Map<String, String> headers(Instant now, String model) {
    Map<String, String> h = new LinkedHashMap<>();
    SimWindow binding = null;
    double most = -1;
    for (SimWindow w : windows) {
      double u = roll(w, now) / w.capacityUsd();
      String status = u >= 1 ? "rejected" : u >= warnAt ? "allowed_warning" : "allowed";
      String prefix = "anthropic-ratelimit-unified-" + w.name();
      h.put(prefix + "-status", status);
      h.put(prefix + "-utilization", String.format(Locale.ROOT, "%.4f", u));
      h.put(prefix + "-reset", Long.toString(seconds(states.get(w.name()).end)));
      if (w.counts(model) && u > most) {
        most = u;
        binding = w;
      }
    }
    if (binding == null) {
      binding = windows.get(0);
      most = roll(binding, now) / binding.capacityUsd();
    }
    h.put("anthropic-ratelimit-unified-status", most >= 1 ? "rejected" : most >= warnAt ? "allowed_warning" : "allowed");
    h.put("anthropic-ratelimit-unified-reset", Long.toString(seconds(states.get(binding.name()).end)));
    h.put("anthropic-ratelimit-unified-representative-claim", binding.claim());
    return h;
  }

  private static long seconds(Instant t) {
    return t.getEpochSecond() + (t.getNano() > 0 ? 1 : 0);
  }
}
