package dev.promptq.worker.ops;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.promptq.job.JobCodec;
import java.time.Instant;
import java.util.List;

/**
 * What {@code /health} says about a worker, as data: up while its loop runs, ready when it also
 * reaches Kafka, reads the control topic and owns partitions; with its credentials, transport and
 * routes. Counts and states only: no secret is ever part of it.
 *
 * @param refresh what the worker's refresher knows, or null when this worker never refreshes
 */
public record HealthReport(boolean up, String worker, String group, int partitions, int inFlight,
    boolean kafkaReachable, boolean controlReading, long loopFaults, Subscription subscription, boolean apiKey,
    Transport transport, List<RouteState> routes) {

  private static final ObjectMapper JSON = JobCodec.newMapper();

  /**
   * The subscription's credentials on this worker.
   *
   * @param expiresAt null when unknown
   * @param revokedError the token endpoint's error once revoked, else null
   * @param refreshProblem what keeps this worker's refresher from refreshing, or null
   */
  public record Subscription(String state, Instant expiresAt, String revokedError, boolean refresher,
      String refreshProblem) {}

  /** The subscription's transport; {@code version}, {@code running}, {@code queued} only for Claude Code. */
  public record Transport(String name, String version, Integer running, Integer queued) {}

  /** A route: open, or closed for {@code reason} until {@code until}. */
  public record RouteState(String route, boolean open, String reason, Instant until) {}

  /** Ready for work: up, Kafka reachable, the control topic read, partitions owned. */
  public boolean ready() {
    return up && kafkaReachable && controlReading && partitions > 0;
  }

  /** The JSON body of {@code /health}. */
  public OpsServer.Health toHealth() {
    ObjectNode h = JSON.createObjectNode();
    h.put("status", up ? "UP" : "DOWN");
    h.put("worker", worker);
    h.put("group", group);
    h.put("partitions", partitions);
    h.put("in_flight", inFlight);
    h.putObject("kafka").put("reachable", kafkaReachable);
    h.putObject("control").put("reading", controlReading);
    h.put("loop_faults", loopFaults);
    h.put("ready", ready());
    ObjectNode creds = h.putObject("credentials");
    ObjectNode sub = creds.putObject("subscription").put("state", subscription.state());
    if (subscription.expiresAt() != null) {
      sub.put("expires_at", subscription.expiresAt().toString());
    }
    if (subscription.revokedError() != null) {
      sub.put("error", subscription.revokedError()).put("fix", "sign in again and run ./promptq credentials import");
    }
    sub.put("refresher", subscription.refresher());
    if (subscription.refreshProblem() != null) {
      sub.put("refresh_problem", subscription.refreshProblem());
    }
    creds.put("api", apiKey);
    ObjectNode t = h.putObject("subscription_transport").put("name", transport.name());
    if (transport.version() != null) {
      t.put("version", transport.version()).put("running", transport.running()).put("queued", transport.queued());
    }
    ObjectNode rs = h.putObject("routes");
    for (RouteState r : routes) {
      ObjectNode route = rs.putObject(r.route());
      if (r.open()) {
        route.put("open", true);
      } else {
        route.put("open", false).put("reason", r.reason()).put("until", r.until().toString());
      }
    }
    return new OpsServer.Health(up, h.toString());
  }
}
