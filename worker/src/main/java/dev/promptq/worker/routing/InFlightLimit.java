package dev.promptq.worker.routing;

import dev.promptq.job.Route;
import dev.promptq.worker.quota.WindowEstimates;
import java.util.function.Supplier;

/** Whether the subscription's learned in-flight cap lets one more call start. */
final class InFlightLimit {
  /** The reason of a subscription blocked for a moment while the window's latest figures settle: jobs wait. */
  static final String SETTLING = "subscription_window_settling";

  private InFlightLimit() {}

  /**
   * Why a subscription call may not start with {@code inFlight} already running, or null when it
   * may. With a cap of 0 the window is spent (jobs take their next route; a gate closed until the
   * reset) or its figures are settling (jobs wait a moment).
   */
  static RouteGates.Blocked check(Supplier<WindowEstimates.Cap> limit, int inFlight, long version) {
    if (limit == null) {
      return null;
    }
    WindowEstimates.Cap cap = limit.get();
    if (cap.calls() <= 0) {
      return new RouteGates.Blocked(Route.SUBSCRIPTION, cap.settling() ? SETTLING : "subscription_window_spent",
          cap.until(), version);
    }
    return inFlight >= cap.calls()
        ? new RouteGates.Blocked(Route.SUBSCRIPTION, "subscription_in_flight_cap", null, version) : null;
  }
}
