package dev.promptq.testkit.sim;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.promptq.job.JobCodec;
import dev.promptq.job.Route;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/** What the simulator answered, for tests: each call, successes per route, unknown paths, concurrency. Thread-safe. */
final class CallLog {
  private final ObjectMapper mapper = JobCodec.newMapper();
  private final Map<Route, AtomicLong> successes = new EnumMap<>(Route.class);
  private final ConcurrentLinkedQueue<RecordedCall> calls = new ConcurrentLinkedQueue<>();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger maxInFlight = new AtomicInteger();
  private final Map<String, AtomicLong> unknownRequests = new ConcurrentHashMap<>();

  CallLog() {
    for (Route r : Route.values()) {
      successes.put(r, new AtomicLong());
    }
  }

  /** A request to {@code /v1/messages} arrived. */
  void started() {
    maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
  }

  /** Its answer left, or it was dropped. */
  void ended() {
    inFlight.decrementAndGet();
  }

  /** A request to a path the simulator does not serve: {@code "METHOD /path"}. */
  void unknown(String request) {
    unknownRequests.computeIfAbsent(request, k -> new AtomicLong()).incrementAndGet();
  }

  /** An answer given (or a connection dropped) to a call on {@code route} (null when unknown). */
  void record(Route route, String model, SimResponse r, Instant at) {
    if (r.disconnect()) {
      calls.add(new RecordedCall(route, 0, "disconnect", model, at));
      return;
    }
    String errorType = null;
    if (r.status() != 200) {
      try {
        errorType = mapper.readTree(r.body()).path("error").path("type").asText(null);
      } catch (IOException ignored) {
        // errorType stays null for a body that is not JSON
      }
    } else if (route != null) {
      successes.get(route).incrementAndGet();
    }
    calls.add(new RecordedCall(route, r.status(), errorType, model, at));
  }

  List<RecordedCall> calls() {
    return new ArrayList<>(calls);
  }

  long successes(Route route) {
    return successes.get(route).get();
  }

  Map<String, Long> unknownRequests() {
    Map<String, Long> copy = new TreeMap<>();
    unknownRequests.forEach((k, v) -> copy.put(k, v.get()));
    return copy;
  }

  int maxConcurrent() {
    return maxInFlight.get();
  }
}
