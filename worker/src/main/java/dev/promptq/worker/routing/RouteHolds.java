package dev.promptq.worker.routing;

import dev.promptq.job.ApiError;
import dev.promptq.job.Route;
import java.time.Clock;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Holds a route off as the failure table says: on this worker, or for the group through a notice. */
final class RouteHolds {
  /** The router's logger: operators grep for its hold-off lines under that name. */
  private static final Logger log = LoggerFactory.getLogger(Router.class);

  private final RouteGates gates;
  private final RouteNotice.Publisher notices;
  private final String workerId;
  private final Clock clock;

  RouteHolds(RouteGates gates, RouteNotice.Publisher notices, String workerId, Clock clock) {
    this.gates = gates;
    this.notices = notices;
    this.workerId = workerId;
    this.clock = clock;
  }

  /** Holds {@code route} off as the policy said: for the group, or on this worker only. */
  void close(Route route, VerdictPolicy.Closure c, ApiError error) {
    if (c.groupWide()) {
      holdOffGroupWide(route, c.until(), c.reason(), error);
    } else {
      gates.close(route, c.until(), c.reason());
    }
  }

  /** Closes {@code route} here until {@code until} and tells the group. */
  void holdOffGroupWide(Route route, Instant until, String reason, ApiError error) {
    RouteNotice notice = new RouteNotice(route, until, reason, workerId, clock.instant());
    if (gates.apply(notice)) {
      log.warn("{} route held off until {} ({}: {} {}); telling the group", route.wireName(), until, reason,
          error.status(), error.type());
    }
    notices.publish(notice);
  }
}
