package dev.promptq.worker.ops;

import java.time.Instant;
import java.util.Map;

/**
 * What one worker is doing, published on the control topic every few seconds for
 * {@code ./promptq status}.
 *
 * @param waitingFor what the waiting jobs wait for ({@code subscription_paced}, {@code backoff}, a gate's
 *     reason, ...), with how many jobs each
 * @param finishedLastMinute jobs this worker finished in the last 60 s
 * @param byRoute jobs finished since the worker started, by the route that answered ({@code none}
 *     for a result no route gave)
 * @param credentials where its subscription credentials come from: {@code static} (a
 *     {@code CLAUDE_CODE_OAUTH_TOKEN}), {@code live}, {@code missing} or {@code revoked} (the
 *     group's), or {@code none}
 * @param closedRoutes the routes closed on this worker now (what its {@code /health} says)
 * @param windows the subscription's windows as this worker's latest answers reported them, by name
 * @param bindingWindow the fullest of them whose reset has not passed, or null
 */
public record WorkerActivity(String worker, int inFlight, int waiting, Map<String, Integer> waitingFor,
    int finishedLastMinute, Map<String, Long> byRoute, String credentials, java.util.List<String> closedRoutes,
    Map<String, Window> windows, String bindingWindow, Instant at) {

  /**
   * One subscription window as an answer reported it, with what the worker estimated of it.
   *
   * @param utilization used / capacity (may exceed 1)
   * @param reset when it resets, or null when the answer did not say
   * @param capacityUsd its estimated capacity at API list prices, or NaN while unknown
   * @param leftCalls the calls it has left by the estimate, after the reserve, or NaN
   * @param evenPerMinute the group's calls a minute that spend them evenly until the reset, or NaN
   */
  public record Window(double utilization, Instant reset, double capacityUsd, double leftCalls, double evenPerMinute) {
    /** A window without an estimate. */
    public Window(double utilization, Instant reset) {
      this(utilization, reset, Double.NaN, Double.NaN, Double.NaN);
    }
  }

  public WorkerActivity {
    waitingFor = Map.copyOf(waitingFor);
    byRoute = Map.copyOf(byRoute);
    closedRoutes = java.util.List.copyOf(closedRoutes);
    windows = Map.copyOf(windows);
  }
}
