package dev.promptq.worker.routing;

import com.fasterxml.jackson.databind.JsonNode;
import dev.promptq.job.ApiError;
import dev.promptq.job.Attempt;
import dev.promptq.job.Job;
import dev.promptq.job.JobResult;
import dev.promptq.job.Outcome;
import dev.promptq.job.Route;
import dev.promptq.worker.quota.ApiLimits;
import dev.promptq.job.RouteNote;
import dev.promptq.job.Wait;
import dev.promptq.worker.anthropic.CallOutcome;
import dev.promptq.worker.anthropic.MessagesTransport;
import dev.promptq.worker.credentials.SubscriptionTokens;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;

/**
 * The state of one job's run through the {@link Router}: its usable routes, what it tried, what it
 * waited for. Confined to one thread at a time by the router's future chain.
 */
final class JobRun implements VerdictPolicy.History {
  final Job job;
  final Instant enqueuedAt;
  final Instant started;
  final BooleanSupplier handedBack;
  /** The routes of the job's policy this worker can use, in order. */
  final List<Route> routes;
  /** What a call on the api reserves of its rate limits: the request's estimated input and its max_tokens. */
  final ApiLimits.Reservation apiNeed;
  /** The transport of each route in {@link #routes}. */
  final Map<Route, MessagesTransport> transports;
  final List<RouteNote> notes;
  final Set<Route> excluded = EnumSet.noneOf(Route.class);
  final List<Attempt> attempts = new ArrayList<>();
  private final Map<Route, Integer> failures = new EnumMap<>(Route.class);
  private final List<Wait> recordedWaits = new ArrayList<>();
  private final Waits waits;
  private final String workerId;
  private int rateLimitedWaits;
  int unreachable;
  boolean refreshedOnce;
  /** False once the batch lane has had the job (it goes to the synchronous API then). */
  boolean mayLane;
  SubscriptionTokens.Token token;
  Route lastRoute;
  ApiError lastError;
  private String waitReason;
  private Instant waitSince;

  /**
   * @param waitingJobs the router's jobs waiting now, which this run adds to while it waits
   */
  JobRun(Job job, Instant enqueuedAt, Instant started, BooleanSupplier handedBack, Map<Route, MessagesTransport> routes,
      List<RouteNote> notes, Waits waitingJobs, String workerId) {
    this.job = job;
    this.enqueuedAt = enqueuedAt;
    this.started = started;
    this.handedBack = handedBack;
    this.transports = routes;
    this.routes = List.copyOf(routes.keySet());
    this.apiNeed = routes.containsKey(Route.API) ? ApiLimits.estimate(job.request()) : ApiLimits.Reservation.NONE;
    this.notes = notes;
    this.waits = waitingJobs;
    this.workerId = workerId;
  }

  @Override
  public boolean refreshedOnce() {
    return refreshedOnce;
  }

  @Override
  public boolean hasAlternativeTo(Route route) {
    return routes.stream().anyMatch(r -> r != route && !excluded.contains(r));
  }

  @Override
  public int rateLimitedWaits() {
    return rateLimitedWaits;
  }

  @Override
  public int failuresOn(Route route) {
    return failures.getOrDefault(route, 0);
  }

  /** Adds the answer on {@code route} to the tally the policy named. */
  void count(Route route, VerdictPolicy.Count count) {
    switch (count) {
      case RATE_LIMITED_WAIT -> rateLimitedWaits++;
      case FAILURE_ON_ROUTE -> failures.merge(route, 1, Integer::sum);
      case UNREACHABLE -> unreachable++;
      case NONE -> { }
    }
  }

  /** Adds the call that ended in {@code outcome} to the job's attempts. */
  void attempted(CallOutcome outcome, Verdict verdict, Double cost) {
    if (outcome instanceof CallOutcome.Answered a) {
      attempts.add(new Attempt(a.route(), a.status(), verdict instanceof Verdict.Success ? null : a.errorType(),
          a.latencyMs(), cost, a.transport(), a.cliCostUsd()));
    } else {
      CallOutcome.NoAnswer n = (CallOutcome.NoAnswer) outcome;
      attempts.add(new Attempt(n.route(), 0, n.kind(), n.latencyMs(), null, n.transport(), null));
    }
  }

  void failed(Route route, ApiError error) {
    lastRoute = route;
    lastError = error;
  }

  void beginWait(String reason, Instant now) {
    if (reason.equals(waitReason)) {
      return;
    }
    endWait(now);
    waitReason = reason;
    waitSince = now;
    waits.begin(reason);
  }

  void endWait(Instant now) {
    if (waitReason != null) {
      recordedWaits.add(new Wait(waitReason, Duration.between(waitSince, now).toMillis()));
      waits.end(waitReason);
      waitReason = null;
    }
  }

  /** What this job waited for, for an expiry's message: {@code "; it waited for: quota (12 s), ..."}. */
  String waitedFor() {
    Map<String, Long> byReason = new LinkedHashMap<>();
    for (Wait w : recordedWaits) {
      byReason.merge(w.reason(), w.millis(), Long::sum);
    }
    if (byReason.isEmpty()) {
      return "";
    }
    StringBuilder b = new StringBuilder("; it waited for: ");
    byReason.forEach((reason, ms) -> b.append(reason).append(" (").append(Duration.ofMillis(ms)).append("), "));
    b.setLength(b.length() - 2);
    if (lastError != null) {
      b.append("; last error: ").append(lastError.type()).append(lastError.status() > 0 ? " " + lastError.status() : "");
    }
    return b.toString();
  }

  JobResult finish(Outcome outcome, Route route, JsonNode message, ApiError error, Instant now) {
    endWait(now);
    JsonNode usage = message == null ? null : message.get("usage");
    return new JobResult(job.id(), outcome, route, message, error, attempts, usage, job.metadata(), workerId,
        enqueuedAt, started, now, recordedWaits, notes);
  }
}
