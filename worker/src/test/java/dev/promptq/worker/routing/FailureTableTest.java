package dev.promptq.worker.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.promptq.job.Route;
import dev.promptq.worker.anthropic.CallOutcome;
import dev.promptq.worker.routing.VerdictPolicy.Action;
import dev.promptq.worker.routing.VerdictPolicy.Closure;
import dev.promptq.worker.routing.VerdictPolicy.Count;
import dev.promptq.worker.routing.VerdictPolicy.Decision;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The whole failure table (README, "What happens when"), one test per row, on the policy alone:
 * an answer in, what the job and the route do next out. No broker, no simulator, no clock but a
 * fixed one.
 */
class FailureTableTest {
  private static final Instant NOW = Instant.parse("2026-12-02T12:00:00Z");
  private static final Instant RESET = Instant.parse("2026-12-02T15:00:00Z");
  private static final RouterSettings SETTINGS = RouterSettings.defaults();
  private static final ObjectMapper JSON = new ObjectMapper();

  private final VerdictPolicy policy = new VerdictPolicy(SETTINGS, Clock.fixed(NOW, ZoneOffset.UTC));

  /** A job's history: fresh unless a test says otherwise. */
  private record History(boolean refreshedOnce, boolean alternative, int rateLimitedWaits, int failures)
      implements VerdictPolicy.History {
    static History fresh() {
      return new History(false, false, 0, 0);
    }

    @Override
    public boolean hasAlternativeTo(Route route) {
      return alternative;
    }

    @Override
    public int failuresOn(Route route) {
      return failures;
    }
  }

  private static CallOutcome answer(Route route, int status, String type, String message, Map<String, String> headers)
      throws Exception {
    String body = type == null ? "{\"type\":\"message\",\"content\":[]}"
        : "{\"type\":\"error\",\"error\":{\"type\":\"" + type + "\",\"message\":\"" + message + "\"}}";
    return new CallOutcome.Answered(route, status, JSON.readTree(body), headers, 3);
  }

  private Decision decide(Route route, CallOutcome outcome, History history) {
    return policy.decide(route, outcome, false, history, NOW);
  }

  private Decision decideRefreshable(CallOutcome outcome, History history) {
    return policy.decide(Route.SUBSCRIPTION, outcome, true, history, NOW);
  }

  @Test
  void a2xxSucceeds() throws Exception {
    Decision d = decide(Route.SUBSCRIPTION, answer(Route.SUBSCRIPTION, 200, null, null, Map.of()), History.fresh());
    assertInstanceOf(Action.Succeed.class, d.action());
    assertEquals(Optional.empty(), d.closure());
    assertEquals(Count.NONE, d.count());
  }

  @Test
  void a400AboutTheRequestFailsTheJobWithoutFallbackOrClosure() throws Exception {
    Decision d = decide(Route.SUBSCRIPTION, answer(Route.SUBSCRIPTION, 400, "invalid_request_error",
        "max_tokens: field required", Map.of()), new History(false, true, 0, 0));
    assertInstanceOf(Action.Fail.class, d.action());
    assertEquals(Optional.empty(), d.closure());
  }

  @Test
  void a404Or413FailsTheJobLikeA400() throws Exception {
    for (int status : new int[] {404, 413}) {
      Decision d = decide(Route.API, answer(Route.API, status, "not_found_error", "model: nope", Map.of()),
          History.fresh());
      assertInstanceOf(Action.Fail.class, d.action(), "HTTP " + status);
    }
  }

  @Test
  void a400RefusingTheCredentialHoldsTheRouteOffForTheGroupAndFallsBack() throws Exception {
    Decision d = decide(Route.SUBSCRIPTION, answer(Route.SUBSCRIPTION, 400, "invalid_request_error",
        "This credential is only authorized for use with Claude Code", Map.of()), History.fresh());
    assertInstanceOf(Action.Step.class, d.action());
    assertEquals(Optional.of(new Closure(NOW.plus(SETTINGS.refusalCooldown()), "route_refused", true)), d.closure());
  }

  @Test
  void a402RefusesTheRouteForTheGroup() throws Exception {
    Decision d = decide(Route.API, answer(Route.API, 402, "billing_error", "payment required", Map.of()),
        History.fresh());
    assertInstanceOf(Action.Step.class, d.action());
    assertEquals("route_refused", d.closure().orElseThrow().reason());
    assertEquals(true, d.closure().orElseThrow().groupWide());
  }

  @Test
  void a403AboutTheRequestSendsOnlyThisJobToItsNextRoute() throws Exception {
    Decision d = decide(Route.SUBSCRIPTION, answer(Route.SUBSCRIPTION, 403, "permission_error",
        "model claude-opus-4-6 is not available to you", Map.of()), History.fresh());
    assertInstanceOf(Action.TryNextRoute.class, d.action());
    assertEquals(Optional.empty(), d.closure(), "a job's request must not close a route for the group");
  }

  @Test
  void a403RefusingTheCredentialHoldsTheRouteOffForTheGroup() throws Exception {
    Decision d = decide(Route.API, answer(Route.API, 403, "permission_error",
        "This organization has been disabled.", Map.of()), History.fresh());
    assertInstanceOf(Action.Step.class, d.action());
    assertEquals("route_refused", d.closure().orElseThrow().reason());
  }

  @Test
  void a401WithRefreshableCredentialsAsksTheGroupForNewOnesWithoutClosingTheRoute() throws Exception {
    Decision d = decideRefreshable(answer(Route.SUBSCRIPTION, 401, "authentication_error", "invalid token",
        Map.of()), History.fresh());
    assertInstanceOf(Action.RefreshCredentials.class, d.action());
    assertEquals(Optional.empty(), d.closure());
  }

  @Test
  void a401AgainAfterARefreshTakesTheNextRoute() throws Exception {
    Decision d = decideRefreshable(answer(Route.SUBSCRIPTION, 401, "authentication_error", "invalid token",
        Map.of()), new History(true, true, 0, 0));
    assertInstanceOf(Action.TryNextRoute.class, d.action());
  }

  @Test
  void a401ThatNothingRefreshesHoldsTheRouteOffForTheGroup() throws Exception {
    Decision d = decide(Route.API, answer(Route.API, 401, "authentication_error", "invalid x-api-key", Map.of()),
        History.fresh());
    assertInstanceOf(Action.Step.class, d.action());
    assertEquals(Optional.of(new Closure(NOW.plus(SETTINGS.refusalCooldown()), dev.promptq.worker.credentials.SubscriptionGate.UNAUTHORIZED, true)),
        d.closure());
  }

  @Test
  void a429WithTheUnifiedQuotaRejectedHoldsTheSubscriptionOffUntilItsReset() throws Exception {
    Decision d = decide(Route.SUBSCRIPTION, answer(Route.SUBSCRIPTION, 429, "rate_limit_error", "rate limited",
        Map.of("anthropic-ratelimit-unified-status", "rejected",
            "anthropic-ratelimit-unified-reset", String.valueOf(RESET.getEpochSecond()))), History.fresh());
    assertInstanceOf(Action.Step.class, d.action());
    assertEquals(Optional.of(new Closure(RESET, "subscription_quota_spent", true)), d.closure());
  }

  @Test
  void a429AskingForExtraUsageSendsTheJobToItsNextRouteWithoutRetrying() throws Exception {
    Decision d = decide(Route.SUBSCRIPTION, answer(Route.SUBSCRIPTION, 429, "rate_limit_error",
        "You have run out of extra usage", Map.of()), History.fresh());
    assertInstanceOf(Action.TryNextRoute.class, d.action());
    assertEquals(Optional.empty(), d.closure());
  }

  @Test
  void anotherSubscription429FallsBackWhenTheJobHasAnotherRoute() throws Exception {
    Decision d = decide(Route.SUBSCRIPTION, answer(Route.SUBSCRIPTION, 429, "rate_limit_error", "slow down",
        Map.of()), new History(false, true, 0, 0));
    assertInstanceOf(Action.TryNextRoute.class, d.action());
  }

  @Test
  void anotherSubscription429IsRetriedAfterItsRetryAfterWhenTheJobHasNoOtherRoute() throws Exception {
    Decision d = decide(Route.SUBSCRIPTION, answer(Route.SUBSCRIPTION, 429, "rate_limit_error", "slow down",
        Map.of("retry-after", "7")), History.fresh());
    assertEquals(new Action.Retry(Duration.ofSeconds(7), 1), d.action());
    assertEquals(Count.FAILURE_ON_ROUTE, d.count());
  }

  @Test
  void a429OnTheApiClosesTheRouteOnThisWorkerForItsRetryAfter() throws Exception {
    Decision d = decide(Route.API, answer(Route.API, 429, "rate_limit_error", "rate limited",
        Map.of("retry-after", "12")), History.fresh());
    assertInstanceOf(Action.Step.class, d.action());
    assertEquals(Optional.of(new Closure(NOW.plusSeconds(12), "rate_limited", false)), d.closure());
    assertEquals(Count.RATE_LIMITED_WAIT, d.count());
  }

  @Test
  void a429OnTheApiAfterTooManyWaitsTakesTheNextRoute() throws Exception {
    Decision d = decide(Route.API, answer(Route.API, 429, "rate_limit_error", "rate limited",
        Map.of("retry-after", "1")), new History(false, false, SETTINGS.maxRateLimitedWaits(), 0));
    assertInstanceOf(Action.TryNextRoute.class, d.action());
  }

  @Test
  void overloadedServerErrorsAndConflictsAreRetriedWithBackoff() throws Exception {
    for (int status : new int[] {408, 409, 500, 529}) {
      Decision d = decide(Route.API, answer(Route.API, status, "overloaded_error", "Overloaded", Map.of()),
          History.fresh());
      assertEquals(new Action.Retry(null, 1), d.action(), "HTTP " + status);
      assertEquals(Count.FAILURE_ON_ROUTE, d.count());
      assertEquals(Optional.empty(), d.closure());
    }
  }

  @Test
  void aTransientFailureTakesTheNextRouteOnceTheRoutesAttemptsAreSpent() throws Exception {
    Decision d = decide(Route.API, answer(Route.API, 529, "overloaded_error", "Overloaded", Map.of()),
        new History(false, false, 0, SETTINGS.maxAttemptsPerRoute() - 1));
    assertInstanceOf(Action.TryNextRoute.class, d.action());
  }

  @Test
  void aTransientFailureAskingForALongerWaitThanTheLongestBackoffTakesTheNextRoute() throws Exception {
    long tooLong = SETTINGS.maxBackoff().toSeconds() + 1;
    Decision d = decide(Route.API, answer(Route.API, 529, "overloaded_error", "Overloaded",
        Map.of("retry-after", String.valueOf(tooLong))), History.fresh());
    assertInstanceOf(Action.TryNextRoute.class, d.action());
  }

  @Test
  void noAnswerInTimeIsRetriedWithBackoff() {
    Decision d = decide(Route.SUBSCRIPTION, new CallOutcome.NoAnswer(Route.SUBSCRIPTION, "timeout",
        "no answer within PT10M", 600_000), History.fresh());
    assertEquals(new Action.Retry(null, 1), d.action());
  }

  @Test
  void anUnreachableRouteWaitsWithoutSpendingAnAttempt() {
    Decision d = decide(Route.API, new CallOutcome.NoAnswer(Route.API, CallOutcome.UNREACHABLE,
        "Connection refused", 2), new History(false, false, 0, SETTINGS.maxAttemptsPerRoute() - 1));
    assertInstanceOf(Action.AwaitReachable.class, d.action());
    assertEquals(Count.UNREACHABLE, d.count());
  }
}
