package dev.promptq.testkit.sim;

import java.util.Map;

/** What limits the simulator's subscription route: a request-counted quota or usage-weighted windows. */
interface SubscriptionLimits {

  /** The outcome of admitting one request: admitted, or refused with the 429's headers. */
  record Admission(boolean admitted, Map<String, String> headers) {}

  /** Admits a request for {@code model}, or refuses it when a window that counts it is spent. */
  Admission admit(String model);

  /**
   * Settles an admitted request once its answer is known: counts a success (by its usage), gives
   * back an error; returns the headers the answer carries.
   */
  Map<String, String> settle(Admission admission, String model, SimResponse response);

  /** Requests counted in the current windows. */
  int used();
}
