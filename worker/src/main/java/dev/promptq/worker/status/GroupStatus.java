package dev.promptq.worker.status;

import dev.promptq.worker.ops.WorkerActivity;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * One look at a worker group: its members, the lag of every job partition, the group-wide route
 * states and today's API spend, as read from Kafka. Immutable.
 *
 * @param state the consumer group's state ({@code Stable}, {@code Empty}, ...)
 * @param members who consumes, and which job partitions each owns
 * @param partitions per job partition: committed offset, end offset (read_committed), lag
 * @param routes per route closed now: until and reason; routes not listed are open
 * @param apiSpendToday the group's API spend today (UTC), USD
 * @param activity what each worker reported doing in the last 15 s, by worker id
 * @param credentials the group's shared subscription credentials, as far as they show without the
 *     key; null when the group shares none
 */
public record GroupStatus(
    String group,
    String state,
    List<Member> members,
    List<PartitionLag> partitions,
    Map<String, RouteState> routes,
    double apiSpendToday,
    SharedCredentials credentials,
    Map<String, Quota> quotas,
    List<RecentError> recentErrors,
    Map<String, WorkerActivity> activity,
    List<OpenBatch> openBatches,
    Instant at) {

  /** A status without the batch lane's open batches. */
  public GroupStatus(String group, String state, List<Member> members, List<PartitionLag> partitions,
      Map<String, RouteState> routes, double apiSpendToday, SharedCredentials credentials, Map<String, Quota> quotas,
      List<RecentError> recentErrors, Map<String, WorkerActivity> activity, Instant at) {
    this(group, state, members, partitions, routes, apiSpendToday, credentials, quotas, recentErrors, activity,
        List.of(), at);
  }

  /** A Message Batch of the batch lane, submitted and not yet published, as its record says. */
  public record OpenBatch(String id, int requests, Instant submittedAt, String worker) {}

  public GroupStatus {
    openBatches = List.copyOf(openBatches);
    members = List.copyOf(members);
    partitions = List.copyOf(partitions);
    routes = Map.copyOf(routes);
    quotas = Map.copyOf(quotas);
    recentErrors = List.copyOf(recentErrors);
    activity = Map.copyOf(activity);
  }

  /** Jobs per second the group finished over the last minute, as its workers report it. */
  public double jobsPerSecond() {
    return activity.values().stream().mapToInt(WorkerActivity::finishedLastMinute).sum() / 60.0;
  }

  /** How long the lag takes to clear at {@link #jobsPerSecond()}; null when nothing moves. */
  public java.time.Duration timeToClear() {
    double rate = jobsPerSecond();
    return rate <= 0 ? null : java.time.Duration.ofSeconds((long) Math.ceil(totalLag() / rate));
  }

  /** One of the group's recent errors, as its worker reported it. */
  public record RecentError(Instant at, String worker, String kind, String job, String detail) {}

  /**
   * A route's budget as the workers report it (views at most {@code 15 s} old).
   *
   * @param perWindow the group's pace, requests per window (the sum of the workers' shares)
   * @param used the group's calls in the last window
   * @param utilization the API's own figure for the subscription when reported, else used / budget
   * @param reset when the subscription's window resets, if reported
   */
  public record Quota(int budget, long windowMs, double perWindow, int used, double utilization, Instant reset,
      String status, int workers) {
    public int remaining() {
      return Math.max(0, budget - used);
    }
  }

  /** A group member: its client id, host and owned job partitions. */
  public record Member(String clientId, String host, List<Integer> partitions) {}

  /** @param committed -1 when nothing is committed yet */
  public record PartitionLag(int partition, long committed, long end, long lag) {}

  /** A closed route: until when, why, and which worker learned it. */
  public record RouteState(Instant until, String reason, String reporter) {}

  /**
   * The group's shared credentials: {@code live} or {@code revoked}, when the access token expires,
   * where they came from, and the worker that last claimed a refresh.
   */
  public record SharedCredentials(String state, Instant expiresAt, String source, String by, Instant at,
      String error, String lastRefresher) {}

  public long totalLag() {
    return partitions.stream().mapToLong(PartitionLag::lag).sum();
  }

  /** The status as JSON, for scripts ({@code ./promptq status --json}). */
  public ObjectNode toJson(ObjectMapper mapper) {
    ObjectNode n = mapper.createObjectNode();
    n.put("group", group);
    n.put("state", state);
    n.put("at", at.toString());
    ArrayNode ms = n.putArray("members");
    for (Member m : members) {
      ObjectNode mn = ms.addObject().put("client_id", m.clientId()).put("host", m.host());
      m.partitions().forEach(mn.putArray("partitions")::add);
    }
    n.put("lag", totalLag());
    n.put("jobs_per_second", Math.round(jobsPerSecond() * 100) / 100.0);
    if (timeToClear() != null) {
      n.put("lag_clears_in_s", timeToClear().toSeconds());
    }
    ArrayNode ws = n.putArray("workers");
    for (WorkerActivity a : activity.values()) {
      ObjectNode w = ws.addObject().put("worker", a.worker()).put("in_flight", a.inFlight()).put("waiting", a.waiting())
          .put("finished_last_minute", a.finishedLastMinute()).put("credentials", a.credentials())
          .put("at", a.at().toString());
      a.closedRoutes().forEach(w.putArray("closed_routes")::add);
      ObjectNode wf = w.putObject("waiting_for");
      a.waitingFor().forEach(wf::put);
      ObjectNode r = w.putObject("by_route");
      a.byRoute().forEach(r::put);
      ObjectNode wins = w.putObject("windows");
      a.windows().forEach((name, win) -> wins.putObject(name).put("utilization", win.utilization())
          .put("reset", win.reset() == null ? null : win.reset().toString()));
      w.put("binding_window", a.bindingWindow());
    }
    ArrayNode obs = n.putArray("open_batches");
    for (OpenBatch b : openBatches) {
      obs.addObject().put("id", b.id()).put("requests", b.requests()).put("submitted_at", b.submittedAt().toString())
          .put("age_s", java.time.Duration.between(b.submittedAt(), at).toSeconds()).put("worker", b.worker());
    }
    ArrayNode ps = n.putArray("partitions");
    for (PartitionLag p : partitions) {
      ObjectNode pn = ps.addObject().put("partition", p.partition());
      if (p.committed() < 0) {
        pn.putNull("committed");  // nothing committed yet
      } else {
        pn.put("committed", p.committed());
      }
      pn.put("end", p.end()).put("lag", p.lag());
    }
    ObjectNode rs = n.putObject("routes");
    for (String route : List.of("subscription", "api")) {
      RouteState r = routes.get(route);
      ObjectNode rn = rs.putObject(route).put("open", r == null);
      if (r != null) {
        rn.put("until", r.until().toString()).put("reason", r.reason()).put("reporter", r.reporter());
      }
    }
    n.put("api_spend_today_usd", apiSpendToday);
    ObjectNode qs = n.putObject("quotas");
    quotas.forEach((route, q) -> {
      ObjectNode qn = qs.putObject(route).put("budget", q.budget()).put("window_ms", q.windowMs())
          .put("pace_per_window", Math.round(q.perWindow() * 10) / 10.0).put("used", q.used())
          .put("remaining", q.remaining()).put("utilization", Math.round(q.utilization() * 1000) / 1000.0)
          .put("workers", q.workers());
      if (q.reset() != null) {
        qn.put("reset", q.reset().toString());
      }
      if (q.status() != null) {
        qn.put("status", q.status());
      }
    });
    ArrayNode errors = n.putArray("recent_errors");
    for (RecentError e : recentErrors) {
      errors.addObject().put("at", e.at().toString()).put("worker", e.worker()).put("kind", e.kind())
          .put("job", e.job()).put("detail", e.detail());
    }
    if (credentials != null) {
      ObjectNode c = n.putObject("credentials").put("state", credentials.state());
      if (credentials.expiresAt() != null) {
        c.put("expires_at", credentials.expiresAt().toString());
      }
      c.put("source", credentials.source()).put("by", credentials.by()).put("at", credentials.at().toString());
      if (credentials.error() != null) {
        c.put("error", credentials.error());
      }
      if (credentials.lastRefresher() != null) {
        c.put("last_refresher", credentials.lastRefresher());
      }
    }
    return n;
  }
}
