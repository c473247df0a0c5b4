package dev.promptq.worker.routing;

import dev.promptq.job.Route;
import java.time.Instant;
import java.util.Objects;

/**
 * Group-wide route state, as published on the control topic under {@code route/<route>}: the
 * route is not to be used before {@code until}.
 *
 * @param reason {@code subscription_quota_spent}, {@code route_refused} or {@code unauthorized}
 * @param reporter the worker id that learned it
 * @param at when it learned it
 */
public record RouteNotice(Route route, Instant until, String reason, String reporter, Instant at) {
  public RouteNotice {
    Objects.requireNonNull(route, "route");
    Objects.requireNonNull(until, "until");
    Objects.requireNonNull(reason, "reason");
  }

  /** Where a worker publishes what it learned about a route; the control topic in production. */
  @FunctionalInterface
  public interface Publisher {
    void publish(RouteNotice notice);
  }
}
