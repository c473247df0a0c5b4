package dev.promptq.worker.routing;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** The jobs of a router waiting for a route now, in all and by what they wait for. Thread-safe. */
final class Waits {
  private final AtomicInteger total = new AtomicInteger();
  private final Map<String, AtomicInteger> byReason = new ConcurrentHashMap<>();

  void begin(String reason) {
    total.incrementAndGet();
    byReason.computeIfAbsent(reason, r -> new AtomicInteger()).incrementAndGet();
  }

  void end(String reason) {
    total.decrementAndGet();
    byReason.get(reason).decrementAndGet();
  }

  int total() {
    return total.get();
  }

  /** Reasons jobs wait for now, with how many jobs wait for each (reasons no job waits for are left out). */
  Map<String, Integer> byReason() {
    Map<String, Integer> now = new TreeMap<>();
    byReason.forEach((reason, n) -> {
      int v = n.get();
      if (v > 0) {
        now.put(reason, v);
      }
    });
    return now;
  }
}
