package dev.promptq.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.promptq.job.Attempt;
import dev.promptq.job.Job;
import dev.promptq.job.JobResult;
import dev.promptq.job.Outcome;
import dev.promptq.job.Route;
import dev.promptq.job.RoutePolicy;
import dev.promptq.job.Wait;
import dev.promptq.testkit.junit.SharedKafka;
import dev.promptq.testkit.kafka.EmbeddedKafka;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Each row of the failure table (DESIGN.md) through a real worker, broker and simulator: the job
 * asks the simulator for the row in its prompt ({@code [sim:route:row]}).
 */
@ExtendWith(SharedKafka.class)
class FailureTableIT {
  private static final Duration WAIT = Duration.ofSeconds(60);

  private static JobResult run(TestPipeline p, String id, String prompt, RoutePolicy policy) {
    return p.client().submitAndAwait(Job.of(id, p.request(prompt)).withRoute(policy), WAIT).join();
  }

  private static List<Route> attemptRoutes(JobResult r) {
    return r.attempts().stream().map(Attempt::route).toList();
  }

  private static Worker worker(TestPipeline p, String id, Duration refusalCooldown) {
    return p.startWorker(p.workerConfig(id).router(TestPipeline.fastRouter(refusalCooldown)).build());
  }

  @Test
  void success(EmbeddedKafka kafka) {
    try (TestPipeline p = TestPipeline.withDirectives(kafka, Duration.ofSeconds(3))) {
      worker(p, "w", Duration.ofMinutes(10));
      JobResult r = run(p, "ok", "hello", RoutePolicy.SUBSCRIPTION_FIRST);
      assertEquals(Outcome.SUCCEEDED, r.outcome());
      assertEquals(List.of(Route.SUBSCRIPTION), attemptRoutes(r));
    }
  }

  @Test
  void a400AboutTheRequestIsErroredWithoutFallback(EmbeddedKafka kafka) {
    try (TestPipeline p = TestPipeline.withDirectives(kafka, Duration.ofSeconds(3))) {
      worker(p, "w", Duration.ofMinutes(10));
      JobResult r = run(p, "bad", "[sim:subscription:invalid_request]", RoutePolicy.SUBSCRIPTION_FIRST);
      assertEquals(Outcome.ERRORED, r.outcome());
      assertEquals("invalid_request_error", r.error().type());
      assertEquals(List.of(Route.SUBSCRIPTION), p.callRoutes(), "one call, never the API");
    }
  }

  @ParameterizedTest(name = "{0}: fall back, and the group holds the subscription off")
  @ValueSource(strings = {"credential_refused", "organization_disabled", "token_expired"})
  void aRefusedRouteFallsBackAndIsHeldOffGroupWideEvenForANewWorker(String row, EmbeddedKafka kafka) {
    try (TestPipeline p = TestPipeline.withDirectives(kafka, Duration.ofSeconds(3))) {
      Worker first = worker(p, "w1", Duration.ofMinutes(10));
      JobResult refused = run(p, "refused", "[sim:subscription:" + row + "]", RoutePolicy.SUBSCRIPTION_FIRST);
      assertEquals(Outcome.SUCCEEDED, refused.outcome());
      assertEquals(List.of(Route.SUBSCRIPTION, Route.API), attemptRoutes(refused));

      first.close();
      worker(p, "w2", Duration.ofMinutes(10));  // reads the group's route state before its first call
      JobResult next = run(p, "next", "hello", RoutePolicy.SUBSCRIPTION_FIRST);
      assertEquals(Outcome.SUCCEEDED, next.outcome());
      assertEquals("w2", next.workerId());
      assertEquals(List.of(Route.API), attemptRoutes(next), "the new worker skips the refused subscription");
      assertEquals(1, p.calls(Route.SUBSCRIPTION));
    }
  }

  @Test
  void a403AboutTheRequestFallsBackForThatJobAndHoldsNothingOffForTheGroup(EmbeddedKafka kafka) {
    try (TestPipeline p = TestPipeline.withDirectives(kafka, Duration.ofSeconds(3))) {
      worker(p, "w1", Duration.ofMinutes(10));
      JobResult declined = run(p, "declined", "[sim:subscription:permission_denied]", RoutePolicy.SUBSCRIPTION_FIRST);
      assertEquals(Outcome.SUCCEEDED, declined.outcome());
      assertEquals(List.of(Route.SUBSCRIPTION, Route.API), attemptRoutes(declined));

      JobResult next = run(p, "next", "hello", RoutePolicy.SUBSCRIPTION_FIRST);
      assertEquals(List.of(Route.SUBSCRIPTION), attemptRoutes(next), "no job can close a route for the group");
    }
  }

  @Test
  void aRefusedRouteComesBackAfterTheCoolDownWithAProbe(EmbeddedKafka kafka) {
    try (TestPipeline p = TestPipeline.withDirectives(kafka, Duration.ofSeconds(3))) {
      worker(p, "w", Duration.ofSeconds(2));
      run(p, "refused", "[sim:subscription:credential_refused*1]", RoutePolicy.SUBSCRIPTION_FIRST);
      assertEquals(List.of(Route.API), attemptRoutes(run(p, "during", "hi", RoutePolicy.SUBSCRIPTION_FIRST)));

      org.awaitility.Awaitility.await().atMost(WAIT).pollInterval(Duration.ofMillis(500)).until(() ->
          attemptRoutes(run(p, "after-" + System.nanoTime(), "hi", RoutePolicy.SUBSCRIPTION_FIRST))
              .equals(List.of(Route.SUBSCRIPTION)));
    }
  }

  @Test
  void aSpentQuotaFallsBackUntilTheResetThenTheSubscriptionServesAgain(EmbeddedKafka kafka) {
    try (TestPipeline p = TestPipeline.withDirectives(kafka, Duration.ofSeconds(3))) {
      worker(p, "w", Duration.ofMinutes(10));
      Instant start = Instant.now();
      JobResult spent = run(p, "spent", "[sim:subscription:quota_spent*1]", RoutePolicy.SUBSCRIPTION_FIRST);
      assertEquals(List.of(Route.SUBSCRIPTION, Route.API), attemptRoutes(spent));
      assertEquals("rate_limit_error", spent.attempts().get(0).errorType());

      JobResult during = run(p, "during", "hi", RoutePolicy.SUBSCRIPTION_FIRST);
      assertEquals(List.of(Route.API), attemptRoutes(during), "no subscription call before the reset");

      JobResult waited = run(p, "waited", "hi", RoutePolicy.SUBSCRIPTION_ONLY);
      assertEquals(Outcome.SUCCEEDED, waited.outcome());
      assertEquals(List.of(Route.SUBSCRIPTION), attemptRoutes(waited));
      assertEquals("subscription_quota_spent", waited.waits().get(0).reason());
      assertTrue(Duration.between(start, waited.finishedAt()).toMillis() >= 2000,
          "a subscription_only job waits for the reset");
      assertEquals(2, p.calls(Route.SUBSCRIPTION));
    }
  }

  @ParameterizedTest(name = "{0} concerns this request only")
  @ValueSource(strings = {"throttled", "extra_usage"})
  void a429WithoutQuotaHeadersFallsBackForThisJobOnly(String row, EmbeddedKafka kafka) {
    try (TestPipeline p = TestPipeline.withDirectives(kafka, Duration.ofSeconds(3))) {
      worker(p, "w", Duration.ofMinutes(10));
      JobResult throttled = run(p, "throttled", "[sim:subscription:" + row + "]", RoutePolicy.SUBSCRIPTION_FIRST);
      assertEquals(List.of(Route.SUBSCRIPTION, Route.API), attemptRoutes(throttled));

      JobResult next = run(p, "next", "hello", RoutePolicy.SUBSCRIPTION_FIRST);
      assertEquals(List.of(Route.SUBSCRIPTION), attemptRoutes(next), "the subscription still serves others");
    }
  }

  @Test
  void extraUsageIsErroredForSubscriptionOnlyWithoutRetries(EmbeddedKafka kafka) {
    try (TestPipeline p = TestPipeline.withDirectives(kafka, Duration.ofSeconds(3))) {
      worker(p, "w", Duration.ofMinutes(10));
      JobResult r = run(p, "long", "[sim:subscription:extra_usage]", RoutePolicy.SUBSCRIPTION_ONLY);
      assertEquals(Outcome.ERRORED, r.outcome());
      assertEquals("rate_limit_error", r.error().type());
      assertEquals(List.of(Route.SUBSCRIPTION), p.callRoutes());
    }
  }

  @Test
  void anApiRateLimitIsWaitedOutPerRetryAfter(EmbeddedKafka kafka) {
    try (TestPipeline p = TestPipeline.withDirectives(kafka, Duration.ofSeconds(3))) {
      worker(p, "w", Duration.ofMinutes(10));
      JobResult r = run(p, "limited", "[sim:api:rate_limited*1]", RoutePolicy.API_ONLY);
      assertEquals(Outcome.SUCCEEDED, r.outcome());
      assertEquals(List.of(Route.API, Route.API), attemptRoutes(r));
      assertEquals(429, r.attempts().get(0).status());
      Wait wait = r.waits().get(0);
      assertEquals("rate_limited", wait.reason());
      assertTrue(wait.millis() >= 900, "retry-after: 1 honoured, waited " + wait.millis() + " ms");
    }
  }

  @ParameterizedTest(name = "{0}: retried with backoff, then the API")
  @ValueSource(strings = {"overloaded", "server_error", "timeout", "disconnect"})
  void transientFailuresAreRetriedThenFallBack(String row, EmbeddedKafka kafka) {
    try (TestPipeline p = TestPipeline.withDirectives(kafka, Duration.ofSeconds(3))) {
      p.startWorker(p.workerConfig("w").router(TestPipeline.fastRouter(Duration.ofMinutes(10)))
          .callTimeout(Duration.ofMillis(800)).build());
      JobResult r = run(p, "flaky", "[sim:subscription:" + row + "]", RoutePolicy.SUBSCRIPTION_FIRST);
      assertEquals(Outcome.SUCCEEDED, r.outcome());
      assertEquals(List.of(Route.SUBSCRIPTION, Route.SUBSCRIPTION, Route.SUBSCRIPTION, Route.API), attemptRoutes(r));
      assertEquals(2, r.waits().stream().filter(w -> w.reason().equals("backoff")).count());
    }
  }

  @Test
  void aTransientFailureThatClearsIsServedByTheSubscription(EmbeddedKafka kafka) {
    try (TestPipeline p = TestPipeline.withDirectives(kafka, Duration.ofSeconds(3))) {
      worker(p, "w", Duration.ofMinutes(10));
      JobResult r = run(p, "blip", "[sim:subscription:overloaded*1]", RoutePolicy.SUBSCRIPTION_FIRST);
      assertEquals(List.of(Route.SUBSCRIPTION, Route.SUBSCRIPTION), attemptRoutes(r));
      assertEquals(Route.SUBSCRIPTION, r.route());
    }
  }

  @Test
  void aSustainedOutageOpensTheBreakerInsteadOfRetryingEveryJob(EmbeddedKafka kafka) {
    try (TestPipeline p = TestPipeline.withDirectives(kafka, Duration.ofSeconds(3))) {
      worker(p, "w", Duration.ofMinutes(10));
      for (int i = 0; i < 10; i++) {
        JobResult r = run(p, "outage-" + i, "[sim:subscription:overloaded] " + i, RoutePolicy.SUBSCRIPTION_FIRST);
        assertEquals(Route.API, r.route());
      }
      // 5 failures open the breaker (2 s): jobs 0-1 make 3 subscription calls each, job 2 makes the
      // 5th and falls back, the rest go straight to the API until a probe after 2 s.
      assertTrue(p.calls(Route.SUBSCRIPTION) <= 7, "subscription calls: " + p.calls(Route.SUBSCRIPTION));
    }
  }

  @Test
  void aStoppingWorkerHandsBackAJobWaitingForARouteWithoutWaitingOutItsGrace(EmbeddedKafka kafka) {
    try (TestPipeline p = TestPipeline.withDirectives(kafka, Duration.ofSeconds(3))) {
      Worker first = p.startWorker(p.workerConfig("w1").router(TestPipeline.fastRouter(Duration.ofMinutes(10)))
          .shutdownGrace(Duration.ofSeconds(30)).build());
      run(p, "refused", "[sim:subscription:credential_refused]", RoutePolicy.SUBSCRIPTION_FIRST);
      CompletableFuture<JobResult> waiting = p.client().submitAndAwait(Job.of("patient", p.request("hi"))
          .withRoute(RoutePolicy.SUBSCRIPTION_ONLY).withDeadline(Instant.now().plusSeconds(15)), WAIT);
      org.awaitility.Awaitility.await().atMost(WAIT).until(() -> first.inFlight() == 1);

      long start = System.nanoTime();
      first.close();
      long closeMs = (System.nanoTime() - start) / 1_000_000;
      assertTrue(closeMs < 15_000, "closed in " + closeMs + " ms, not after its 30 s grace");

      worker(p, "w2", Duration.ofMinutes(10));
      JobResult r = waiting.join();
      assertEquals("w2", r.workerId(), "handed back, answered once, by the next owner");
      assertEquals(Outcome.EXPIRED, r.outcome());
      assertEquals("route_refused", r.waits().get(0).reason());
    }
  }

  @Test
  void aJobPastItsDeadlineExpiresWithoutACall(EmbeddedKafka kafka) {
    try (TestPipeline p = TestPipeline.withDirectives(kafka, Duration.ofSeconds(3))) {
      worker(p, "w", Duration.ofMinutes(10));
      JobResult r = p.client().submitAndAwait(Job.of("late", p.request("hi"))
          .withDeadline(Instant.now().minusSeconds(1)), WAIT).join();
      assertEquals(Outcome.EXPIRED, r.outcome());
      assertEquals(0, p.sim.calls().size());
    }
  }
}
