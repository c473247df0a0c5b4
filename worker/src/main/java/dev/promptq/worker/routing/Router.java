package dev.promptq.worker.routing;

import dev.promptq.worker.quota.UnifiedRateLimit;
import com.fasterxml.jackson.databind.JsonNode;
import dev.promptq.config.Secret;
import dev.promptq.job.ApiError;
import dev.promptq.job.Attempt;
import dev.promptq.job.Job;
import dev.promptq.job.JobResult;
import dev.promptq.job.Outcome;
import dev.promptq.job.Route;
import dev.promptq.job.RouteNote;
import dev.promptq.job.Wait;
import dev.promptq.worker.anthropic.CallOutcome;
import dev.promptq.worker.anthropic.MessagesTransport;
import dev.promptq.worker.anthropic.Transports;
import dev.promptq.worker.credentials.SubscriptionGate;
import dev.promptq.worker.credentials.SubscriptionTokens;
import dev.promptq.worker.quota.QuotaGovernor;
import dev.promptq.worker.spend.ApiSpend;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one job to its result along the failure table: checks its deadline, picks the first route
 * of its policy that may take a call now (credentials, route gates, API budget), calls it, and
 * acts on the {@link Verdict}: succeed, fail, retry after backoff, fall back, or wait for a route.
 *
 * <ul>
 *   <li>{@code subscription_first}: the subscription, else the API; when the API budget is spent,
 *       it waits for the subscription instead;
 *   <li>{@code subscription_only}: waits while the subscription is closed; never spends API money;
 *   <li>{@code api_only}: never touches the subscription; fails {@code api_budget_exhausted} when
 *       the budget is spent.
 * </ul>
 * Each route's transport is chosen once per job ({@link Transports#plan}): a request the
 * subscription's transport cannot carry skips that route (or goes over HTTP), with a note in the
 * result.
 *
 * <p>What one worker learns about a route that concerns the whole group (quota spent until a reset,
 * credential refused) goes to the {@link RouteNotice.Publisher}.
 *
 * <p>Thread-safe; the returned futures complete on HTTP or timer threads and never complete
 * exceptionally (a bug becomes an {@code errored} result of type {@code internal_error}).
 */
public final class Router {
  private static final Logger log = LoggerFactory.getLogger(Router.class);
  /** The gate's reason while a 401 holds a route off; new credentials reopen it. */
  static final String UNAUTHORIZED = SubscriptionGate.UNAUTHORIZED;

  private final Transports transports;
  private final Optional<Secret> apiKey;
  private final SubscriptionTokens subscription;
  private final AnswerClassifier classifier;
  private final RouteGates gates;
  private final RouteNotice.Publisher notices;
  private final ApiSpend spend;
  private final QuotaGovernor quota;
  private final RouterSettings settings;
  private final OperatorPolicy operator;
  private final String workerId;
  private final Clock clock;
  private final AtomicInteger waiting = new AtomicInteger();

  /**
   * @param transports what carries calls on each route
   * @param apiKey the api route's credential, if this worker has one
   * @param subscription the subscription's access tokens
   */
  public Router(Transports transports, Optional<Secret> apiKey, SubscriptionTokens subscription, RouteGates gates,
      RouteNotice.Publisher notices, ApiSpend spend, QuotaGovernor quota, RouterSettings settings, OperatorPolicy operator,
      String workerId, Clock clock) {
    this.quota = quota;
    this.operator = operator;
    this.transports = transports;
    this.apiKey = apiKey;
    this.subscription = subscription;
    this.classifier = new AnswerClassifier(clock);
    this.gates = gates;
    this.notices = notices;
    this.spend = spend;
    this.settings = settings;
    this.workerId = workerId;
    this.clock = clock;
  }

  /**
   * Runs {@code job}.
   *
   * @param enqueuedAt when the job was written to Kafka
   */
  public CompletableFuture<JobResult> run(Job job, Instant enqueuedAt) {
    return run(job, enqueuedAt, () -> false);
  }

  /**
   * Runs {@code job} unless {@code handedBack} turns true before it calls a route (its partition
   * went to another worker, which will run it): then it ends {@code canceled} without a call.
   */
  public CompletableFuture<JobResult> run(Job job, Instant enqueuedAt, BooleanSupplier handedBack) {
    Run run = new Run(job, enqueuedAt, clock.instant(), handedBack);
    Optional<ApiError> refused = operator.refusal(job);
    if (refused.isPresent()) {
      return CompletableFuture.completedFuture(run.finish(Outcome.ERRORED, null, null, refused.get()));
    }
    JsonNode stream = job.request().get("stream");
    if (stream != null && stream.asBoolean(false)) {
      return CompletableFuture.completedFuture(run.finish(Outcome.ERRORED, null, null,
          new ApiError("invalid_request_error", "stream: true is not supported; promptq returns whole messages", 0)));
    }
    if (run.routes.isEmpty() && !run.notes.isEmpty()) {
      RouteNote why = run.notes.get(0);
      return CompletableFuture.completedFuture(run.finish(Outcome.ERRORED, null, null,
          new ApiError(why.reason(), why.detail(), 0)));
    }
    if (run.routes.isEmpty()) {
      return CompletableFuture.completedFuture(run.finish(Outcome.ERRORED, null, null,
          new ApiError("no_route", "route policy " + job.route().wireName() + " allows "
              + job.route().routes().stream().map(Route::wireName).toList()
              + " but this worker has no credentials for them", 0)));
    }
    CompletableFuture<JobResult> running;
    try {
      running = step(run);
    } catch (RuntimeException | Error bug) {
      running = CompletableFuture.failedFuture(bug);  // a bug never escapes to the polling thread
    }
    return running.exceptionally(bug -> {
      log.error("internal error while running job {}", job.id(), bug);
      return run.finish(Outcome.ERRORED, null, null,
          new ApiError("internal_error", "promptq worker error: " + bug.getClass().getSimpleName(), 0));
    });
  }

  /** Jobs waiting for a route (a gate, a budget, a backoff) rather than calling one, now. */
  public int waitingJobs() {
    return waiting.get();
  }

  /** Picks a route and calls it, or waits for one, or ends the job. */
  private CompletableFuture<JobResult> step(Run run) {
    Instant now = clock.instant();
    if (run.handedBack.getAsBoolean()) {
      return done(run.finish(Outcome.CANCELED, null, null, new ApiError("handed_back",
          "the job's partition moved to another worker before it called", 0)));
    }
    Instant tooOld = run.enqueuedAt.plus(settings.maxJobAge());
    if (!now.isBefore(tooOld)) {
      run.endWait(now);
      return done(run.finish(Outcome.EXPIRED, run.lastRoute, null, new ApiError("max_age_exceeded",
          "no route served the job within job.max.age.ms (" + settings.maxJobAge() + " since it was enqueued at "
              + run.enqueuedAt + ")" + run.waitedFor(), 0)));
    }
    if (run.job.deadline() != null && !now.isBefore(run.job.deadline())) {
      return done(run.finish(Outcome.EXPIRED, null, null, new ApiError("expired",
          "deadline " + run.job.deadline() + " passed " + (run.attempts.isEmpty() ? "before the job started"
              : "before an answer"), 0)));
    }
    RouteGates.Blocked firstBlocked = null;
    String firstReason = null;
    String budgetSpent = null;
    List<CompletableFuture<Void>> permitWaits = new ArrayList<>();
    for (Route route : run.routes) {
      if (run.excluded.contains(route)) {
        continue;
      }
      if (route == Route.API) {
        budgetSpent = spend.spentBudget(run.job.batch()).orElse(null);
        if (budgetSpent != null) {
          continue;
        }
      }
      RouteGates.Entry entry = gates.enter(route);
      if (entry instanceof RouteGates.Permit permit) {
        if (quota.tryAcquire(route)) {
          run.endWait(now);
          return call(run, permit);
        }
        // Open, but this worker's share of the route's budget has no permit due: try the next
        // route of the policy, or wait for the permit.
        gates.release(permit);
        permitWaits.add(quota.nextPermit(route));
        firstReason = firstReason == null ? route.wireName() + "_paced" : firstReason;
        continue;
      }
      RouteGates.Blocked blocked = (RouteGates.Blocked) entry;
      if (firstBlocked == null) {
        firstBlocked = blocked;
      }
      firstReason = firstReason == null ? blocked.reason() : firstReason;
      if (blocked.until() == null || blocked.reason().equals(SubscriptionGate.REFRESHING)) {
        // open but taking one call at a time, or new credentials on their way (a refresh takes
        // well under a second): wait rather than pay for a fallback
        break;
      }
    }
    if (firstBlocked == null && permitWaits.isEmpty()) {
      ApiError error = budgetSpent != null ? new ApiError("api_budget_exhausted", budgetSpent, 0) : run.lastError;
      return done(run.finish(Outcome.ERRORED, run.lastRoute, null, error));
    }
    Instant wake = firstBlocked == null ? null : firstBlocked.until();
    if (budgetSpent != null && spend.dayBudgetSpent()) {
      wake = earliest(wake, spend.nextDay());
    }
    wake = earliest(wake, run.job.deadline());
    wake = earliest(wake, tooOld);
    run.beginWait(budgetSpent != null ? "api_budget_spent" : firstReason, now);
    List<CompletableFuture<Void>> wakes = new ArrayList<>(permitWaits);
    wakes.add(firstBlocked != null ? gates.nextChange(firstBlocked.version(), wake) : gates.at(wake));
    return CompletableFuture.anyOf(wakes.toArray(CompletableFuture[]::new)).thenCompose(v -> {
      permitWaits.forEach(f -> f.cancel(false));  // a permit this job no longer waits for goes to the next waiter
      return step(run);
    });
  }

  private CompletableFuture<JobResult> call(Run run, RouteGates.Permit permit) {
    Route route = permit.route();
    CompletableFuture<CallOutcome> sent;
    try {
      Secret secret;
      if (route == Route.API) {
        secret = apiKey.orElseThrow();
        run.token = null;
      } else {
        // The gate is closed while there is no token: its absence here is a bug
        run.token = subscription.current().orElseThrow(() -> new IllegalStateException("no subscription token"));
        secret = run.token.secret();
      }
      sent = run.transports.get(route).send(route, secret, run.job.request());
    } catch (RuntimeException | Error bug) {
      gates.release(permit);  // the call never started: its slot must not stay taken
      throw bug;
    }
    sent.whenComplete((outcome, bug) -> {
      if (bug != null) {
        gates.release(permit);
      }
    });
    return sent.thenCompose(outcome -> {
      Verdict verdict = classifier.classify(outcome);
      Optional<UnifiedRateLimit> unified = Optional.empty();
      Double cost = null;
      if (outcome instanceof CallOutcome.Answered a) {
        if (route == Route.SUBSCRIPTION) {
          unified = UnifiedRateLimit.from(a.headers());
          unified.ifPresent(quota::observe);
        } else if (a.body().has("usage")) {
          cost = spend.costOf(run.job.request().path("model").asText(), a.body().get("usage"));
          spend.record(cost, run.job.batch());
        }
      }
      closeRouteFor(route, verdict);  // before the permit goes back, so no waiting job calls a closed route
      gates.exit(permit, verdict, unified);
      run.attempts.add(attemptOf(outcome, verdict, cost));
      return next(run, route, outcome, verdict);
    });
  }

  /** What the job does after {@code verdict} on {@code route}. */
  private CompletableFuture<JobResult> next(Run run, Route route, CallOutcome outcome, Verdict verdict) {
    if (verdict instanceof Verdict.Success) {
      return done(run.finish(Outcome.SUCCEEDED, route, ((CallOutcome.Answered) outcome).body(), null));
    }
    if (verdict instanceof Verdict.RequestRejected r) {
      return done(run.finish(Outcome.ERRORED, route, null, r.error()));
    }
    run.failed(route, verdict.error());
    if (verdict instanceof Verdict.Unauthorized && refreshes(route)) {
      if (run.refreshedOnce) {
        run.excluded.add(route);  // refused again with new credentials: not a matter of expiry
        return step(run);
      }
      // Ask the group for new credentials and retry once with them; meanwhile the route is
      // closed on this worker, so no other job spends a call on the refused token.
      run.refreshedOnce = true;
      run.beginWait(SubscriptionGate.REFRESHING, clock.instant());
      Verdict.Unauthorized refused = (Verdict.Unauthorized) verdict;
      return subscription.rejected(run.token).thenCompose(fresh -> {
        if (!fresh) {
          // No new credentials came (no refresher in the group, or it cannot refresh now): hold
          // the route off group-wide as a refusal, so other jobs do not each meet the same 401.
          // New credentials reopen it at once.
          holdOffGroupWide(route, clock.instant().plus(settings.refusalCooldown()), UNAUTHORIZED, refused.error());
        }
        return step(run);
      });
    }
    if (verdict instanceof Verdict.RouteDeclined) {
      run.excluded.add(route);  // this request only: the next route of the policy, or the error
      return step(run);
    }
    if (verdict instanceof Verdict.QuotaSpent || verdict instanceof Verdict.RouteRefused
        || verdict instanceof Verdict.Unauthorized) {
      return step(run);  // closeRouteFor closed the route: the next step falls back or waits
    }
    if (verdict instanceof Verdict.RequestThrottled t) {
      if (!t.retryable() || run.hasAlternativeTo(route)) {
        run.excluded.add(route);
        return step(run);
      }
      return retryLater(run, route, t.retryAfter());
    }
    if (verdict instanceof Verdict.RateLimited) {
      if (++run.rateLimitedWaits > settings.maxRateLimitedWaits()) {
        run.excluded.add(route);
      }
      return step(run);
    }
    Verdict.Transient t = (Verdict.Transient) verdict;
    if (CallOutcome.UNREACHABLE.equals(t.error().type())) {
      return waitForReachable(run, route);
    }
    return retryLater(run, route, t.retryAfter());
  }

  /**
   * The route could not be reached, so nothing was sent or billed: the job does not spend its
   * attempts on it, but waits (backoff, and the route's breaker, which opens after a few such
   * failures and lets one probe through at a time) or takes the next route of its policy. A
   * network outage thus delays jobs instead of failing them, up to {@code job.max.age.ms}.
   */
  private CompletableFuture<JobResult> waitForReachable(Run run, Route route) {
    return waitThenStep(run, "unreachable", backoff(Math.min(++run.unreachable, 10)));
  }

  /** Records a wait for {@code reason}, and takes the job's next step after {@code delay}. */
  private CompletableFuture<JobResult> waitThenStep(Run run, String reason, Duration delay) {
    run.beginWait(reason, clock.instant());
    CompletableFuture<Void> elapsed = new CompletableFuture<>();
    gates.schedule(() -> elapsed.complete(null), delay);
    return elapsed.thenCompose(v -> step(run));
  }

  /**
   * Closes {@code route} when the verdict says it cannot serve for a while: group-wide for a spent
   * quota (until its reset) and a refused or unauthorised credential (a cool-down; no refreshable
   * credential yet, so a 401 is treated as a refusal), on this worker for an API rate limit.
   */
  private void closeRouteFor(Route route, Verdict verdict) {
    Instant now = clock.instant();
    if (verdict instanceof Verdict.QuotaSpent q) {
      holdOffGroupWide(route, q.resetAt(), "subscription_quota_spent", q.error());
    } else if (verdict instanceof Verdict.RouteRefused r) {
      holdOffGroupWide(route, now.plus(settings.refusalCooldown()), "route_refused", r.error());
    } else if (verdict instanceof Verdict.Unauthorized u && !refreshes(route)) {
      holdOffGroupWide(route, now.plus(settings.refusalCooldown()), UNAUTHORIZED, u.error());
    } else if (verdict instanceof Verdict.RateLimited r) {
      gates.close(route, now.plus(r.retryAfter()), "rate_limited");
    }
  }

  /** True if a 401 on {@code route} is cured by the group's refresh rather than a cool-down. */
  private boolean refreshes(Route route) {
    return route == Route.SUBSCRIPTION && subscription.refreshable();
  }

  /** Retries {@code route} after backoff, or stops using it for this job when its attempts are spent. */
  private CompletableFuture<JobResult> retryLater(Run run, Route route, Duration retryAfter) {
    int failures = run.transientFailures.merge(route, 1, Integer::sum);
    if (failures >= settings.maxAttemptsPerRoute()
        || (retryAfter != null && retryAfter.compareTo(settings.maxBackoff()) > 0)) {
      run.excluded.add(route);
      return step(run);
    }
    Duration delay = backoff(failures);
    if (retryAfter != null && retryAfter.compareTo(delay) > 0) {
      delay = retryAfter;
    }
    return waitThenStep(run, "backoff", delay);
  }

  /** Full-jitter exponential backoff: uniform in [0, min(max, base * 2^(n-1))], at least 1 ms. */
  Duration backoff(int failures) {
    long cap = Math.min(settings.maxBackoff().toMillis(),
        settings.backoff().toMillis() << Math.min(failures - 1, 20));
    return Duration.ofMillis(1 + ThreadLocalRandom.current().nextLong(Math.max(1, cap)));
  }

  private void holdOffGroupWide(Route route, Instant until, String reason, ApiError error) {
    RouteNotice notice = new RouteNotice(route, until, reason, workerId, clock.instant());
    if (gates.apply(notice)) {
      log.warn("{} route held off until {} ({}: {} {}); telling the group", route.wireName(), until, reason,
          error.status(), error.type());
    }
    notices.publish(notice);
  }

  private static Instant earliest(Instant a, Instant b) {
    return a == null ? b : b == null ? a : a.isBefore(b) ? a : b;
  }

  private static <T> CompletableFuture<T> done(T value) {
    return CompletableFuture.completedFuture(value);
  }

  private static Attempt attemptOf(CallOutcome outcome, Verdict verdict, Double cost) {
    if (outcome instanceof CallOutcome.Answered a) {
      return new Attempt(a.route(), a.status(), verdict instanceof Verdict.Success ? null : a.errorType(),
          a.latencyMs(), cost, a.transport(), a.cliCostUsd());
    }
    CallOutcome.NoAnswer n = (CallOutcome.NoAnswer) outcome;
    return new Attempt(n.route(), 0, n.kind(), n.latencyMs(), null, n.transport(), null);
  }

  /** The state of one job's run; confined to one thread at a time by the future chain. */
  private final class Run {
    final Job job;
    final Instant enqueuedAt;
    final Instant started;
    final List<Route> routes;
    /** The transport of each route in {@link #routes}. */
    final Map<Route, MessagesTransport> transports = new EnumMap<>(Route.class);
    final List<RouteNote> notes = new ArrayList<>();
    final Set<Route> excluded = EnumSet.noneOf(Route.class);
    final Map<Route, Integer> transientFailures = new EnumMap<>(Route.class);
    final List<Attempt> attempts = new ArrayList<>();
    final List<Wait> waits = new ArrayList<>();
    int rateLimitedWaits;
    int unreachable;
    boolean refreshedOnce;
    SubscriptionTokens.Token token;
    Route lastRoute;
    ApiError lastError;
    String waitReason;
    Instant waitSince;

    final BooleanSupplier handedBack;

    Run(Job job, Instant enqueuedAt, Instant started, BooleanSupplier handedBack) {
      this.handedBack = handedBack;
      this.job = job;
      this.enqueuedAt = enqueuedAt;
      this.started = started;
      List<Route> usable = new ArrayList<>();
      for (Route r : job.route().routes()) {
        if (r == Route.API ? apiKey.isEmpty() : !subscription.available()) {
          continue;
        }
        Transports.Plan plan = Router.this.transports.plan(r, job.request());
        plan.note().ifPresent(notes::add);
        if (plan instanceof Transports.Plan.Carry carry) {
          transports.put(r, carry.transport());
          usable.add(r);
        }
      }
      this.routes = List.copyOf(usable);
    }

    void failed(Route route, ApiError error) {
      lastRoute = route;
      lastError = error;
    }

    boolean hasAlternativeTo(Route route) {
      return routes.stream().anyMatch(r -> r != route && !excluded.contains(r));
    }

    void beginWait(String reason, Instant now) {
      if (reason.equals(waitReason)) {
        return;
      }
      endWait(now);
      waitReason = reason;
      waitSince = now;
      waiting.incrementAndGet();
    }

    /** What this job waited for, for an expiry's message: {@code "; it waited for: quota (12 s), ..."}. */
    String waitedFor() {
      Map<String, Long> byReason = new java.util.LinkedHashMap<>();
      for (Wait w : waits) {
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

    void endWait(Instant now) {
      if (waitReason != null) {
        waits.add(new Wait(waitReason, Duration.between(waitSince, now).toMillis()));
        waitReason = null;
        waiting.decrementAndGet();
      }
    }

    JobResult finish(Outcome outcome, Route route, JsonNode message, ApiError error) {
      Instant now = clock.instant();
      endWait(now);
      JsonNode usage = message == null ? null : message.get("usage");
      return new JobResult(job.id(), outcome, route, message, error, attempts, usage, job.metadata(), workerId,
          enqueuedAt, started, now, waits, notes);
    }
  }
}
