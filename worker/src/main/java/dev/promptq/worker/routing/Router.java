package dev.promptq.worker.routing;

import com.fasterxml.jackson.databind.JsonNode;
import dev.promptq.config.Secret;
import dev.promptq.job.ApiError;
import dev.promptq.job.Job;
import dev.promptq.job.JobResult;
import dev.promptq.job.Outcome;
import dev.promptq.job.Route;
import dev.promptq.job.RouteNote;
import dev.promptq.worker.anthropic.CallOutcome;
import dev.promptq.worker.anthropic.MessagesTransport;
import dev.promptq.worker.anthropic.Transports;
import dev.promptq.worker.credentials.SubscriptionGate;
import dev.promptq.worker.credentials.SubscriptionTokens;
import dev.promptq.worker.quota.ApiLimits;
import dev.promptq.worker.quota.QuotaGovernor;
import dev.promptq.worker.spend.ApiSpend;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one job to its result along the failure table: checks its deadline, asks the
 * {@link RouteAdmission} which route of its policy may take a call now, calls it, and carries out
 * what the {@link VerdictPolicy} decides: succeed, fail, retry after backoff, fall back, or wait.
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
  /**
   * The error type of the result a job ends with when it goes to the batch lane instead of the
   * synchronous API; never published: the job handler writes the job to the lane instead.
   */
  public static final String TO_LANE = "to_batch_lane";

  private final Transports transports;
  private final Optional<Secret> apiKey;
  private final SubscriptionTokens subscription;
  private final VerdictPolicy policy;
  private final RouteAdmission admission;
  private final RouteGates gates;
  private final RouteHolds holds;
  private final ApiSpend spend;
  private final QuotaGovernor quota;
  private final RouterSettings settings;
  private final OperatorPolicy operator;
  private final String workerId;
  private final Clock clock;
  private final Waits waiting = new Waits();
  private final CallLedger ledger;
  private final LaneOffer lane;
  private volatile CanceledBatches canceled = new CanceledBatches();

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
    this.policy = new VerdictPolicy(settings, clock);
    this.admission = new RouteAdmission(gates, quota, spend);
    this.ledger = new CallLedger(quota, spend);
    this.gates = gates;
    this.holds = new RouteHolds(gates, notices, workerId, clock);
    this.lane = new LaneOffer(operator, spend);
    this.spend = spend;
    this.settings = settings;
    this.workerId = workerId;
    this.clock = clock;
  }

  /** Runs {@code job}, written to Kafka at {@code enqueuedAt}. */
  public CompletableFuture<JobResult> run(Job job, Instant enqueuedAt) {
    return run(job, enqueuedAt, () -> false);
  }

  /**
   * Runs {@code job} unless {@code handedBack} turns true before it calls a route (its partition
   * went to another worker, which will run it): then it ends {@code canceled} without a call.
   */
  public CompletableFuture<JobResult> run(Job job, Instant enqueuedAt, BooleanSupplier handedBack) {
    return run(job, enqueuedAt, handedBack, false);
  }

  /**
   * Lets {@code subscription_first} jobs that can wait go to the batch lane rather than the
   * synchronous API: those whose deadline is at least {@code minDeadline} away.
   */
  public void offerLane(Duration minDeadline) {
    lane.offer(minDeadline);
  }

  /** Ends the jobs of the batches in {@code c} {@code canceled}, without a call, when they come to run. */
  public void honour(CanceledBatches c) {
    this.canceled = c;
  }

  /**
   * As {@link #run(Job, Instant, BooleanSupplier)}; a job that would call the synchronous API but
   * can wait for a Message Batch ends {@code errored} {@link #TO_LANE} without a call, unless
   * {@code laneTried} (its batch did not answer it).
   */
  public CompletableFuture<JobResult> run(Job job, Instant enqueuedAt, BooleanSupplier handedBack, boolean laneTried) {
    JobRun run = plan(job, enqueuedAt, handedBack);
    run.mayLane = !laneTried;
    Optional<ApiError> refused = Preflight.refusal(operator, canceled, run);
    if (refused.isPresent()) {
      boolean gone = refused.get().type().equals(Preflight.BATCH_CANCELED);
      return done(finish(run, gone ? Outcome.CANCELED : Outcome.ERRORED, null, null, refused.get()));
    }
    quota.demand().add(1);  // the group shares the routes' limits by the workers holding jobs
    CompletableFuture<JobResult> running;
    try {
      running = step(run);
    } catch (RuntimeException | Error bug) {
      running = CompletableFuture.failedFuture(bug);  // a bug never escapes to the polling thread
    }
    running = running.whenComplete((r, e) -> quota.demand().add(-1));
    return running.exceptionally(bug -> {
      log.error("internal error while running job {}", job.id(), bug);
      return finish(run, Outcome.ERRORED, null, null,
          new ApiError("internal_error", "promptq worker error: " + bug.getClass().getSimpleName(), 0));
    });
  }

  /**
   * The routes of the job's policy this worker can use (it holds their credential, and their
   * transport can carry the request; {@link Transports#plan}), each with its transport.
   */
  private JobRun plan(Job job, Instant enqueuedAt, BooleanSupplier handedBack) {
    Map<Route, MessagesTransport> usable = new LinkedHashMap<>();
    List<RouteNote> notes = new ArrayList<>();
    for (Route r : job.route().routes()) {
      if (r == Route.API ? apiKey.isEmpty() : !subscription.available()) {
        continue;
      }
      Transports.Plan plan = transports.plan(r, job.request(), job.betas());
      plan.note().ifPresent(notes::add);
      if (plan instanceof Transports.Plan.Carry carry) {
        usable.put(r, carry.transport());
      }
    }
    return new JobRun(job, enqueuedAt, clock.instant(), handedBack, usable, notes, waiting, workerId);
  }

  /**
   * Whether {@code job} may leave for the batch lane: the operator's caps allow it, it asks for no
   * stream, and no API budget it counts against is spent. A job that may not is {@link #run}
   * instead, which ends it with the reason.
   */
  public boolean laneMayTake(Job job) {
    return lane.mayTake(job);
  }

  /** Jobs waiting for a route (a gate, a budget, a backoff) rather than calling one, now. */
  public int waitingJobs() {
    return waiting.total();
  }

  /** What the jobs waiting now wait for ({@code subscription_paced}, {@code backoff}, ...), with how many each. */
  public java.util.Map<String, Integer> waitingFor() {
    return waiting.byReason();
  }

  /** Picks a route and calls it, or waits for one, or ends the job. */
  private CompletableFuture<JobResult> step(JobRun run) {
    Instant now = clock.instant();
    if (run.handedBack.getAsBoolean()) {
      return done(finish(run, Outcome.CANCELED, null, null, new ApiError("handed_back",
          "the job's partition moved to another worker before it called", 0)));
    }
    Instant tooOld = run.enqueuedAt.plus(settings.maxJobAge());
    if (!now.isBefore(tooOld)) {
      run.endWait(now);
      return done(finish(run, Outcome.EXPIRED, run.lastRoute, null, new ApiError("max_age_exceeded",
          "no route served the job within job.max.age.ms (" + settings.maxJobAge() + " since it was enqueued at "
              + run.enqueuedAt + ")" + run.waitedFor(), 0)));
    }
    if (run.job.deadline() != null && !now.isBefore(run.job.deadline())) {
      return done(finish(run, Outcome.EXPIRED, null, null, new ApiError("expired",
          "deadline " + run.job.deadline() + " passed " + (run.attempts.isEmpty() ? "before the job started"
              : "before an answer"), 0)));
    }
    RouteAdmission.Choice choice = admission.choose(run.routes, run.excluded, run.job, run.apiNeed);
    if (choice instanceof RouteAdmission.Call c) {
      run.endWait(now);
      if (c.permit().route() == Route.API && lane.canWait(run, now)) {
        admission.release(c.permit());
        ledger.cancel(c.reserved());
        return done(finish(run, Outcome.ERRORED, null, null, new ApiError(TO_LANE, "waits for a Message Batch", 0)));
      }
      return call(run, c.permit(), c.reserved());
    }
    if (choice instanceof RouteAdmission.NoRoute none) {
      ApiError error = none.budgetSpent() != null ? new ApiError("api_budget_exhausted", none.budgetSpent(), 0)
          : run.lastError;
      return done(finish(run, Outcome.ERRORED, run.lastRoute, null, error));
    }
    RouteAdmission.Wait w = (RouteAdmission.Wait) choice;
    RouteGates.Blocked firstBlocked = w.firstBlocked();
    Instant wake = firstBlocked == null ? null : firstBlocked.until();
    if (w.budgetSpent() != null && spend.dayBudgetSpent()) {
      wake = earliest(wake, spend.nextDay());
    }
    wake = earliest(wake, run.job.deadline());
    wake = earliest(wake, tooOld);
    run.beginWait(w.reason(), now);
    List<CompletableFuture<Void>> wakes = new ArrayList<>(w.permits());
    wakes.add(firstBlocked != null ? gates.nextChange(firstBlocked.version(), wake) : gates.at(wake));
    return CompletableFuture.anyOf(wakes.toArray(CompletableFuture[]::new)).thenCompose(v -> {
      w.permits().forEach(f -> f.cancel(false));  // a permit this job no longer waits for goes to the next waiter
      return step(run);
    });
  }

  private CompletableFuture<JobResult> call(JobRun run, RouteGates.Permit permit, ApiLimits.Reservation reserved) {
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
      sent = run.transports.get(route).send(route, secret, run.job.request(), run.job.betas());
    } catch (RuntimeException | Error bug) {
      admission.release(permit);  // the call never started: its slot must not stay taken
      ledger.cancel(reserved);
      throw bug;
    }
    sent.whenComplete((outcome, bug) -> {
      if (bug != null) {
        admission.release(permit);
        ledger.cancel(reserved);
      }
    });
    return sent.thenCompose(outcome -> {
      VerdictPolicy.Decision d = policy.decide(route, outcome,
          route == Route.SUBSCRIPTION && subscription.refreshable(), run, clock.instant());
      CallLedger.Entry booked = ledger.record(route, outcome, reserved, run.job);
      // before the permit goes back, so no waiting job calls a closed route
      d.closure().ifPresent(c -> holds.close(route, c, d.verdict().error()));
      gates.exit(permit, d.verdict(), booked.unified());
      run.attempted(outcome, d.verdict(), booked.cost());
      run.count(route, d.count());
      return next(run, route, outcome, d);
    });
  }

  /** Carries out what the policy decided after an answer on {@code route}. */
  private CompletableFuture<JobResult> next(JobRun run, Route route, CallOutcome outcome, VerdictPolicy.Decision d) {
    VerdictPolicy.Action action = d.action();
    if (action instanceof VerdictPolicy.Action.Succeed) {
      return done(finish(run, Outcome.SUCCEEDED, route, ((CallOutcome.Answered) outcome).body(), null));
    }
    if (action instanceof VerdictPolicy.Action.Fail) {
      return done(finish(run, Outcome.ERRORED, route, null, d.verdict().error()));
    }
    run.failed(route, d.verdict().error());
    if (action instanceof VerdictPolicy.Action.RefreshCredentials) {
      // Ask the group for new credentials and retry once with them; meanwhile the route is
      // closed on this worker, so no other job spends a call on the refused token.
      run.refreshedOnce = true;
      run.beginWait(SubscriptionGate.REFRESHING, clock.instant());
      return subscription.rejected(run.token).thenCompose(fresh -> {
        if (!fresh) {
          // No new credentials came: hold the route off group-wide as a refusal, so other jobs
          // do not each meet the same 401. New credentials reopen it at once.
          holds.holdOffGroupWide(route, clock.instant().plus(settings.refusalCooldown()), SubscriptionGate.UNAUTHORIZED,
              d.verdict().error());
        }
        return step(run);
      });
    }
    if (action instanceof VerdictPolicy.Action.TryNextRoute) {
      run.excluded.add(route);
      return step(run);
    }
    if (action instanceof VerdictPolicy.Action.Retry retry) {
      Duration delay = settings.jitteredBackoff(retry.failures());
      if (retry.retryAfter() != null && retry.retryAfter().compareTo(delay) > 0) {
        delay = retry.retryAfter();
      }
      return waitThenStep(run, "backoff", delay);
    }
    if (action instanceof VerdictPolicy.Action.AwaitReachable) {
      // Nothing was sent or billed: no attempt spent; a backoff (and the breaker) instead. An
      // outage delays jobs up to job.max.age.ms.
      return waitThenStep(run, "unreachable", settings.jitteredBackoff(Math.min(run.unreachable, 10)));
    }
    return step(run);  // Step: the route is closed now, so the next step falls back or waits
  }

  /** Records a wait for {@code reason}, and takes the job's next step after {@code delay}. */
  private CompletableFuture<JobResult> waitThenStep(JobRun run, String reason, Duration delay) {
    run.beginWait(reason, clock.instant());
    CompletableFuture<Void> elapsed = new CompletableFuture<>();
    gates.schedule(() -> elapsed.complete(null), delay);
    return elapsed.thenCompose(v -> step(run));
  }

  private JobResult finish(JobRun run, Outcome outcome, Route route, JsonNode message, ApiError error) {
    return run.finish(outcome, route, message, error, clock.instant());
  }

  private static Instant earliest(Instant a, Instant b) {
    return a == null ? b : b == null ? a : a.isBefore(b) ? a : b;
  }

  private static <T> CompletableFuture<T> done(T value) {
    return CompletableFuture.completedFuture(value);
  }
}
