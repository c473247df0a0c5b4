package dev.promptq.worker.routing;

import dev.promptq.job.Route;
import dev.promptq.worker.anthropic.CallOutcome;
import dev.promptq.worker.credentials.SubscriptionGate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * The failure table as a pure decision: one answer in, what the job and the route do next out. No
 * I/O; the {@link Router} carries the decision out. The first half, answer to {@link Verdict}, is
 * the {@link AnswerClassifier}'s; the second half, verdict to action, is this class's:
 *
 * <table>
 *   <tr><th>verdict</th><th>route</th><th>job</th></tr>
 *   <tr><td>{@code Success}</td><td>-</td><td>succeeds</td></tr>
 *   <tr><td>{@code RequestRejected}</td><td>-</td><td>fails, no fallback</td></tr>
 *   <tr><td>{@code Unauthorized}, refreshable credentials</td><td>-</td><td>asks the group for new
 *       credentials and retries once; a second 401 takes the next route</td></tr>
 *   <tr><td>{@code Unauthorized}, nothing refreshes</td><td>held off group-wide for the refusal
 *       cool-down</td><td>next route, or waits</td></tr>
 *   <tr><td>{@code RouteRefused}</td><td>held off group-wide for the refusal cool-down</td><td>next
 *       route, or waits</td></tr>
 *   <tr><td>{@code RouteDeclined}</td><td>-</td><td>next route</td></tr>
 *   <tr><td>{@code QuotaSpent}</td><td>held off group-wide until the reset</td><td>next route, or
 *       waits</td></tr>
 *   <tr><td>{@code RequestThrottled}</td><td>-</td><td>next route when there is one or it may not
 *       retry, else retries after backoff</td></tr>
 *   <tr><td>{@code RateLimited}</td><td>closed on this worker for {@code retry-after}</td><td>waits,
 *       then the next route after too many such waits</td></tr>
 *   <tr><td>{@code Transient}, unreachable</td><td>-</td><td>waits without spending attempts</td></tr>
 *   <tr><td>{@code Transient}</td><td>-</td><td>retries after backoff, the next route once its
 *       attempts are spent or {@code retry-after} exceeds the longest backoff</td></tr>
 * </table>
 * Thread-safe.
 */
final class VerdictPolicy {
  private final AnswerClassifier classifier;
  private final RouterSettings settings;

  VerdictPolicy(RouterSettings settings, Clock clock) {
    this.classifier = new AnswerClassifier(clock);
    this.settings = settings;
  }

  /** What the job has been through so far, before this answer. */
  interface History {
    boolean refreshedOnce();

    /** True if a route of the job's policy other than {@code route} is not excluded yet. */
    boolean hasAlternativeTo(Route route);

    int rateLimitedWaits();

    /** Retryable failures on {@code route}. */
    int failuresOn(Route route);
  }

  /** A route held off: for the group (a notice to every worker) or on this worker only. */
  record Closure(Instant until, String reason, boolean groupWide) {}

  /** Which of the job's tallies this answer adds to. */
  enum Count { NONE, RATE_LIMITED_WAIT, FAILURE_ON_ROUTE, UNREACHABLE }

  /** What the job does next. */
  sealed interface Action {
    /** The job succeeds with the answer. */
    record Succeed() implements Action {}

    /** The job fails with the verdict's error: the request would fail on every route. */
    record Fail() implements Action {}

    /** Ask the group for new credentials, then try again. */
    record RefreshCredentials() implements Action {}

    /** This route is done for this job: the next route of its policy, or the last error. */
    record TryNextRoute() implements Action {}

    /** Take the next step: the route is closed now, so it falls back or waits. */
    record Step() implements Action {}

    /** Wait a backoff (at least {@code retryAfter} when known), then try the same route again. */
    record Retry(Duration retryAfter, int failures) implements Action {}

    /** Nothing was sent: wait a backoff without spending an attempt. */
    record AwaitReachable() implements Action {}
  }

  /** The whole decision for one answer. */
  record Decision(Verdict verdict, Optional<Closure> closure, Count count, Action action) {}

  /**
   * Decides what follows {@code outcome} on {@code route}.
   *
   * @param refreshable true if a 401 on this route is cured by the group's refresh
   * @param now the time of the answer
   */
  Decision decide(Route route, CallOutcome outcome, boolean refreshable, History history, Instant now) {
    Verdict verdict = classifier.classify(outcome);
    return new Decision(verdict, closure(verdict, refreshable, now), count(verdict),
        action(route, verdict, refreshable, history));
  }

  private Optional<Closure> closure(Verdict verdict, boolean refreshable, Instant now) {
    if (verdict instanceof Verdict.QuotaSpent q) {
      return Optional.of(new Closure(q.resetAt(), "subscription_quota_spent", true));
    }
    if (verdict instanceof Verdict.RouteRefused) {
      return Optional.of(new Closure(now.plus(settings.refusalCooldown()), "route_refused", true));
    }
    if (verdict instanceof Verdict.Unauthorized && !refreshable) {
      return Optional.of(new Closure(now.plus(settings.refusalCooldown()), SubscriptionGate.UNAUTHORIZED, true));
    }
    if (verdict instanceof Verdict.RateLimited r) {
      return Optional.of(new Closure(now.plus(r.retryAfter()), "rate_limited", false));
    }
    return Optional.empty();
  }

  private static Count count(Verdict verdict) {
    if (verdict instanceof Verdict.RateLimited) {
      return Count.RATE_LIMITED_WAIT;
    }
    if (verdict instanceof Verdict.Transient t) {
      return unreachable(t) ? Count.UNREACHABLE : Count.FAILURE_ON_ROUTE;
    }
    if (verdict instanceof Verdict.RequestThrottled t && t.retryable()) {
      return Count.FAILURE_ON_ROUTE;
    }
    return Count.NONE;
  }

  private Action action(Route route, Verdict verdict, boolean refreshable, History history) {
    if (verdict instanceof Verdict.Success) {
      return new Action.Succeed();
    }
    if (verdict instanceof Verdict.RequestRejected) {
      return new Action.Fail();
    }
    if (verdict instanceof Verdict.Unauthorized && refreshable) {
      // refused again with new credentials: not a matter of expiry
      return history.refreshedOnce() ? new Action.TryNextRoute() : new Action.RefreshCredentials();
    }
    if (verdict instanceof Verdict.RouteDeclined) {
      return new Action.TryNextRoute();  // this request only: nothing is held off for the group
    }
    if (verdict instanceof Verdict.QuotaSpent || verdict instanceof Verdict.RouteRefused
        || verdict instanceof Verdict.Unauthorized) {
      return new Action.Step();  // the closure holds the route off: the next step falls back or waits
    }
    if (verdict instanceof Verdict.RequestThrottled t) {
      if (!t.retryable() || history.hasAlternativeTo(route)) {
        return new Action.TryNextRoute();
      }
      return retryOrNext(history.failuresOn(route) + 1, t.retryAfter());
    }
    if (verdict instanceof Verdict.RateLimited) {
      return history.rateLimitedWaits() + 1 > settings.maxRateLimitedWaits() ? new Action.TryNextRoute()
          : new Action.Step();
    }
    Verdict.Transient t = (Verdict.Transient) verdict;
    if (unreachable(t)) {
      return new Action.AwaitReachable();
    }
    return retryOrNext(history.failuresOn(route) + 1, t.retryAfter());
  }

  /** Retries unless the route's attempts are spent or it asks for a wait longer than the longest backoff. */
  private Action retryOrNext(int failures, Duration retryAfter) {
    if (failures >= settings.maxAttemptsPerRoute()
        || (retryAfter != null && retryAfter.compareTo(settings.maxBackoff()) > 0)) {
      return new Action.TryNextRoute();
    }
    return new Action.Retry(retryAfter, failures);
  }

  private static boolean unreachable(Verdict.Transient t) {
    return CallOutcome.UNREACHABLE.equals(t.error().type());
  }
}
