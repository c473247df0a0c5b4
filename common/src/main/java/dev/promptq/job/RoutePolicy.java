package dev.promptq.job;

import java.util.List;

/** Which routes a job may use, in order. */
public enum RoutePolicy {
  /** The subscription, then the API key when the subscription cannot serve. The default. */
  SUBSCRIPTION_FIRST("subscription_first", List.of(Route.SUBSCRIPTION, Route.API)),
  /** The subscription only: never spends API money. */
  SUBSCRIPTION_ONLY("subscription_only", List.of(Route.SUBSCRIPTION)),
  /** The API key only: never touches the subscription. */
  API_ONLY("api_only", List.of(Route.API)),
  /**
   * The API key through Message Batches: half the price, answered when the batch ends (most
   * within an hour, all within 24 hours). Never touches the subscription.
   */
  API_BATCH("api_batch", List.of(Route.API));

  private final String wireName;
  private final List<Route> routes;

  RoutePolicy(String wireName, List<Route> routes) {
    this.wireName = wireName;
    this.routes = routes;
  }

  public String wireName() {
    return wireName;
  }

  /** The routes this policy allows, most preferred first. */
  public List<Route> routes() {
    return routes;
  }

  /** Returns the policy named {@code name}, or throws {@link IllegalArgumentException}. */
  public static RoutePolicy fromWireName(String name) {
    for (RoutePolicy p : values()) {
      if (p.wireName.equals(name)) {
        return p;
      }
    }
    throw new IllegalArgumentException(
        "unknown route policy: " + name + " (expected subscription_first, subscription_only, api_only or api_batch)");
  }
}
