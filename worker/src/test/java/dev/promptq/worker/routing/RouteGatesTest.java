package dev.promptq.worker.routing;

import dev.promptq.worker.quota.UnifiedRateLimit;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.promptq.job.ApiError;
import dev.promptq.job.Route;
import dev.promptq.testkit.time.ManualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RouteGatesTest {
  private static final Instant T0 = Instant.parse("2026-11-24T12:00:00Z");
  private final ManualClock clock = new ManualClock(T0);
  private final RouterSettings settings = new RouterSettings(3, Duration.ofMillis(10), Duration.ofSeconds(1), 10, 3,
      Duration.ofSeconds(30), Duration.ofMinutes(10), Duration.ofSeconds(5), 0.9);
  private final RouteGates gates = new RouteGates(settings, clock, "w1");
  private static final Verdict SUCCESS = new Verdict.Success();
  private static final Verdict TRANSIENT = new Verdict.Transient(new ApiError("overloaded_error", "m", 529), null);

  @AfterEach
  void close() {
    gates.close();
  }

  private RouteGates.Permit enter(Route r) {
    RouteGates.Entry e = gates.enter(r);
    assertTrue(e instanceof RouteGates.Permit, r + " should take a call: " + e);
    return (RouteGates.Permit) e;
  }

  private RouteGates.Blocked blocked(Route r) {
    RouteGates.Entry e = gates.enter(r);
    assertTrue(e instanceof RouteGates.Blocked, r + " should take no call now");
    return (RouteGates.Blocked) e;
  }

  @Test
  void anOpenRouteTakesManyCallsAtOnce() {
    for (int i = 0; i < 100; i++) {
      enter(Route.SUBSCRIPTION);
    }
  }

  @Test
  void aClosedRouteTakesNoCallUntilItsEndThenOneProbeUntilASuccess() {
    assertTrue(gates.close(Route.SUBSCRIPTION, T0.plusSeconds(60), "subscription_quota_spent"));
    blocked(Route.SUBSCRIPTION);
    RouteGates.Blocked b = blocked(Route.SUBSCRIPTION);
    assertEquals("subscription_quota_spent", b.reason());
    assertEquals(T0.plusSeconds(60), b.until());
    enter(Route.API);  // other routes are not affected

    clock.advance(Duration.ofSeconds(60));
    RouteGates.Permit probe = enter(Route.SUBSCRIPTION);
    blocked(Route.SUBSCRIPTION);  // one probe at a time
    assertNull(blocked(Route.SUBSCRIPTION).until());
    gates.exit(probe, SUCCESS, Optional.empty());
    enter(Route.SUBSCRIPTION);
    enter(Route.SUBSCRIPTION);
  }

  @Test
  void aClosureIsExtendedNeverShortened() {
    gates.close(Route.API, T0.plusSeconds(60), "a");
    assertFalse(gates.close(Route.API, T0.plusSeconds(30), "b"));
    assertEquals("a", blocked(Route.API).reason());
    assertFalse(gates.close(Route.API, T0.plusSeconds(90), "c"), "already closed: not newly closed");
    assertEquals(T0.plusSeconds(90), blocked(Route.API).until());
  }

  @Test
  void consecutiveTransientFailuresOpenTheBreaker() {
    for (int i = 0; i < 2; i++) {
      gates.exit(enter(Route.SUBSCRIPTION), TRANSIENT, Optional.empty());
    }
    gates.exit(enter(Route.SUBSCRIPTION), SUCCESS, Optional.empty());  // a success resets the count
    for (int i = 0; i < 2; i++) {
      gates.exit(enter(Route.SUBSCRIPTION), TRANSIENT, Optional.empty());
    }
    assertFalse(gates.isClosed(Route.SUBSCRIPTION));
    gates.exit(enter(Route.SUBSCRIPTION), TRANSIENT, Optional.empty());
    assertTrue(gates.isClosed(Route.SUBSCRIPTION));
    assertEquals("breaker_open", blocked(Route.SUBSCRIPTION).reason());
    assertEquals(T0.plus(settings.breakerOpen()), blocked(Route.SUBSCRIPTION).until());
  }

  @Test
  void brokenPooledConnectionsDoNotOpenTheBreakerButRefusedConnectionsDo() {
    Verdict broken = new Verdict.Transient(new ApiError("connection_error", "EOFException", 0), null);
    Verdict refused = new Verdict.Transient(new ApiError("unreachable", "ConnectException", 0), null);
    for (int i = 0; i < 10; i++) {
      gates.exit(enter(Route.SUBSCRIPTION), broken, Optional.empty());
    }
    assertFalse(gates.isClosed(Route.SUBSCRIPTION), "a server closing idle connections says nothing of its health");
    for (int i = 0; i < 3; i++) {
      gates.exit(enter(Route.SUBSCRIPTION), refused, Optional.empty());
    }
    assertEquals("breaker_open", blocked(Route.SUBSCRIPTION).reason());
  }

  @Test
  void nearTheQuotaTheSubscriptionTakesOneCallAtATimeUntilTheReset() {
    Instant reset = T0.plusSeconds(600);
    RouteGates.Permit p = enter(Route.SUBSCRIPTION);
    gates.exit(p, SUCCESS, Optional.of(new UnifiedRateLimit("allowed_warning", reset, 0.92)));
    RouteGates.Permit one = enter(Route.SUBSCRIPTION);
    blocked(Route.SUBSCRIPTION);
    assertEquals("near_quota_one_at_a_time", blocked(Route.SUBSCRIPTION).reason());
    gates.exit(one, SUCCESS, Optional.of(new UnifiedRateLimit("allowed_warning", reset, 0.95)));

    clock.advance(Duration.ofSeconds(600));
    enter(Route.SUBSCRIPTION);
    enter(Route.SUBSCRIPTION);
  }

  @Test
  void aNearlySpentWeekMakesTheSubscriptionCautiousUntilTheWeeksResetThoughTheSessionHasRoom() {
    Instant sessionReset = T0.plusSeconds(600);
    Instant weekReset = T0.plus(Duration.ofDays(3));
    UnifiedRateLimit u = UnifiedRateLimit.from(java.util.Map.of(
        "anthropic-ratelimit-unified-status", "allowed_warning",
        "anthropic-ratelimit-unified-reset", Long.toString(weekReset.getEpochSecond()),
        "anthropic-ratelimit-unified-5h-utilization", "0.10",
        "anthropic-ratelimit-unified-5h-reset", Long.toString(sessionReset.getEpochSecond()),
        "anthropic-ratelimit-unified-7d-utilization", "0.93",
        "anthropic-ratelimit-unified-7d-reset", Long.toString(weekReset.getEpochSecond()),
        "anthropic-ratelimit-unified-7d-sonnet-utilization", "0.99")).orElseThrow();
    gates.exit(enter(Route.SUBSCRIPTION), SUCCESS, Optional.of(u));
    enter(Route.SUBSCRIPTION);
    assertEquals("near_quota_one_at_a_time", blocked(Route.SUBSCRIPTION).reason());
    clock.advance(Duration.ofSeconds(601));
    assertEquals("near_quota_one_at_a_time", blocked(Route.SUBSCRIPTION).reason(),
        "the session's reset does not end the week's caution");
  }

  @Test
  void aSpentPerModelWindowAloneDoesNotSlowEveryCall() {
    UnifiedRateLimit u = UnifiedRateLimit.from(java.util.Map.of(
        "anthropic-ratelimit-unified-status", "allowed",
        "anthropic-ratelimit-unified-5h-utilization", "0.20",
        "anthropic-ratelimit-unified-7d-utilization", "0.30",
        "anthropic-ratelimit-unified-7d-sonnet-utilization", "0.99")).orElseThrow();
    gates.exit(enter(Route.SUBSCRIPTION), SUCCESS, Optional.of(u));
    enter(Route.SUBSCRIPTION);
    enter(Route.SUBSCRIPTION);
  }

  @Test
  void aLowUtilisationEndsTheCautionEarly() {
    gates.exit(enter(Route.SUBSCRIPTION), SUCCESS,
        Optional.of(new UnifiedRateLimit("allowed", T0.plusSeconds(600), 0.95)));
    gates.exit(enter(Route.SUBSCRIPTION), SUCCESS,
        Optional.of(new UnifiedRateLimit("allowed", T0.plusSeconds(900), 0.01)));
    enter(Route.SUBSCRIPTION);
    enter(Route.SUBSCRIPTION);
  }

  @Test
  void aGroupNoticeClosesTheRouteUntilItsEndPlusThisWorkersJitterAndIsIdempotent() {
    RouteNotice n = new RouteNotice(Route.SUBSCRIPTION, T0.plusSeconds(60), "route_refused", "w2", T0);
    assertTrue(gates.apply(n));
    Instant until = blocked(Route.SUBSCRIPTION).until();
    assertTrue(!until.isBefore(T0.plusSeconds(60)) && !until.isAfter(T0.plusSeconds(65)), until.toString());
    assertFalse(gates.apply(n), "read twice, changes nothing");
    assertEquals(until, blocked(Route.SUBSCRIPTION).until());
  }

  @Test
  void aNoticeThatHasEndedChangesNothing() {
    assertFalse(gates.apply(new RouteNotice(Route.SUBSCRIPTION, T0.minusSeconds(60), "route_refused", "w2", T0)));
    enter(Route.SUBSCRIPTION);
  }

  @Test
  void aJobWaitingForTheProbeSlotWakesWhenTheProbeEnds() throws Exception {
    gates.close(Route.SUBSCRIPTION, T0.plusSeconds(1), "subscription_quota_spent");
    clock.advance(Duration.ofSeconds(1));
    RouteGates.Permit probe = enter(Route.SUBSCRIPTION);
    RouteGates.Blocked waiting = blocked(Route.SUBSCRIPTION);
    assertEquals("probe_in_flight", waiting.reason());
    CompletableFuture<Void> change = gates.nextChange(waiting.version(), null);
    gates.exit(probe, SUCCESS, Optional.empty());
    change.get(5, TimeUnit.SECONDS);
    enter(Route.SUBSCRIPTION);
    enter(Route.SUBSCRIPTION);  // open again after the probe's success
  }

  @Test
  void aJobWaitingForAClosedRouteWakesWhenAnotherRouteCloses() throws Exception {
    gates.close(Route.SUBSCRIPTION, T0.plusSeconds(3600), "subscription_quota_spent");
    CompletableFuture<Void> change = gates.nextChange(blocked(Route.SUBSCRIPTION).version(), null);
    gates.close(Route.API, T0.plusSeconds(5), "rate_limited");
    change.get(5, TimeUnit.SECONDS);
  }

  @Test
  void aWaiterThatMissedAChangeWakesAtOnce() throws Exception {
    gates.close(Route.SUBSCRIPTION, T0.plusSeconds(3600), "subscription_quota_spent");
    long seen = blocked(Route.SUBSCRIPTION).version();
    gates.close(Route.API, T0.plusSeconds(10), "rate_limited");
    gates.nextChange(seen, null).get(5, TimeUnit.SECONDS);
  }
}
