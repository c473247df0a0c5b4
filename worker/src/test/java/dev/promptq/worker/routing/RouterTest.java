package dev.promptq.worker.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.promptq.config.Secret;
import dev.promptq.job.Job;
import dev.promptq.job.JobResult;
import dev.promptq.job.Outcome;
import dev.promptq.job.Route;
import dev.promptq.job.RoutePolicy;
import dev.promptq.worker.anthropic.CallOutcome;
import dev.promptq.worker.anthropic.MessagesTransport;
import dev.promptq.worker.anthropic.Transports;
import dev.promptq.worker.credentials.SubscriptionTokens;
import dev.promptq.worker.quota.QuotaGovernor;
import dev.promptq.worker.quota.QuotaSettings;
import dev.promptq.worker.spend.ApiSpend;
import dev.promptq.usage.PriceTable;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The router's decisions, without Kafka or HTTP: a scripted transport and fake credentials. */
class RouterTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final RouterSettings SETTINGS = new RouterSettings(2, Duration.ofMillis(1), Duration.ofMillis(10), 2,
      50, Duration.ofSeconds(30), Duration.ofMinutes(10), Duration.ZERO, 0.9);

  private final Clock clock = Clock.systemUTC();
  private final RouteGates gates = new RouteGates(SETTINGS, clock, "w1");
  private final QuotaGovernor quota = new QuotaGovernor(QuotaSettings.none(), clock, "w1", new SimpleMeterRegistry());
  private final List<RouteNotice> notices = new CopyOnWriteArrayList<>();

  @AfterEach
  void close() {
    gates.close();
    quota.close();
  }

  /** A transport answering each call with {@code answer}, recording which routes were called. */
  private static final class Scripted implements MessagesTransport {
    final List<Route> calls = new CopyOnWriteArrayList<>();
    final Function<Route, CallOutcome> answer;

    Scripted(Function<Route, CallOutcome> answer) {
      this.answer = answer;
    }

    @Override
    public String name() {
      return "http";
    }

    @Override
    public CompletableFuture<CallOutcome> send(Route route, Secret secret, ObjectNode body, List<String> betas) {
      calls.add(route);
      return CompletableFuture.completedFuture(answer.apply(route));
    }

    @Override
    public void close() {}
  }

  /** Subscription tokens of a group: refreshable, but nobody answers a 401 report. */
  private static final class NoRefresherAnswers implements SubscriptionTokens {
    int reports;

    @Override
    public boolean available() {
      return true;
    }

    @Override
    public Optional<Token> current() {
      return Optional.of(new Token(Secret.of("sk-ant-oat01-router-test"), 7));
    }

    @Override
    public boolean refreshable() {
      return true;
    }

    @Override
    public CompletableFuture<Boolean> rejected(Token token) {
      reports++;
      return CompletableFuture.completedFuture(false);
    }
  }

  private Router router(MessagesTransport transport, SubscriptionTokens tokens, RouterSettings settings) {
    return new Router(Transports.http(transport), Optional.of(Secret.of("sk-ant-api03-router-test")), tokens, gates,
        notices::add, new ApiSpend(PriceTable.defaults(), null, null, "w1", clock), quota, settings,
        OperatorPolicy.permissive(), "w1", clock);
  }

  private static Job job(String id, RoutePolicy policy) {
    ObjectNode request = MAPPER.createObjectNode().put("model", "claude-sonnet-4-6").put("max_tokens", 16);
    request.putArray("messages").addObject().put("role", "user").put("content", "hi");
    return Job.of(id, request).withRoute(policy);
  }

  private static CallOutcome ok(Route route) {
    JsonNode body = MAPPER.createObjectNode().put("type", "message").put("id", "msg_1");
    return new CallOutcome.Answered(route, 200, body, Map.of(), 3);
  }

  private static CallOutcome error(Route route, int status, String type, String message) {
    ObjectNode body = MAPPER.createObjectNode().put("type", "error");
    body.putObject("error").put("type", type).put("message", message);
    return new CallOutcome.Answered(route, status, body, Map.of(), 3);
  }

  private static JobResult await(CompletableFuture<JobResult> f) throws Exception {
    return f.get(10, TimeUnit.SECONDS);
  }

  @Test
  void a403AboutTheRequestSendsThatJobToItsNextRouteAndLeavesTheRouteOpenForOthers() throws Exception {
    Scripted t = new Scripted(r -> r == Route.SUBSCRIPTION
        ? error(r, 403, "permission_error", "Your credential does not have permission to use the specified resource.")
        : ok(r));
    Router router = router(t, new NoRefresherAnswers(), SETTINGS);

    JobResult first = await(router.run(job("declined-1", RoutePolicy.SUBSCRIPTION_FIRST), clock.instant()));
    JobResult second = await(router.run(job("declined-2", RoutePolicy.SUBSCRIPTION_FIRST), clock.instant()));

    assertEquals(Outcome.SUCCEEDED, first.outcome());
    assertEquals(Route.API, first.route());
    assertEquals(List.of(Route.SUBSCRIPTION, Route.API, Route.SUBSCRIPTION, Route.API), t.calls,
        "the second job tries the subscription again: one job's request closes nothing");
    assertTrue(notices.isEmpty(), "nothing held off for the group: " + notices);
    assertTrue(gates.closure(Route.SUBSCRIPTION).isEmpty());
  }

  @Test
  void a403RefusingTheCredentialHoldsTheRouteOffForTheGroup() throws Exception {
    Scripted t = new Scripted(r -> r == Route.SUBSCRIPTION
        ? error(r, 403, "permission_error", "This organization has been disabled.") : ok(r));
    Router router = router(t, new NoRefresherAnswers(), SETTINGS);

    await(router.run(job("refused-1", RoutePolicy.SUBSCRIPTION_FIRST), clock.instant()));
    await(router.run(job("refused-2", RoutePolicy.SUBSCRIPTION_FIRST), clock.instant()));

    assertEquals(List.of(Route.SUBSCRIPTION, Route.API, Route.API), t.calls);
    assertEquals("route_refused", notices.get(0).reason());
  }

  @Test
  void aTransportThatThrowsBeforeTheCallStartsGivesItsSlotBack() throws Exception {
    MessagesTransport throwing = new Scripted(r -> {
      throw new IllegalStateException("transport broken before the call");
    });
    Router router = router(throwing, new NoRefresherAnswers(), SETTINGS);
    // A gate after a closure takes one probe call at a time: a leaked slot would block it for good.
    gates.close(Route.SUBSCRIPTION, clock.instant().plusMillis(1), "breaker_open");
    while (gates.isClosed(Route.SUBSCRIPTION)) {
      Thread.onSpinWait();
    }

    JobResult first = await(router.run(job("throws-1", RoutePolicy.SUBSCRIPTION_ONLY), clock.instant()));

    assertEquals("internal_error", first.error().type());
    assertTrue(gates.enter(Route.SUBSCRIPTION) instanceof RouteGates.Permit,
        "the probe slot is free again after a call that never started");
  }

  @Test
  void a401ThatNoRefresherAnswersHoldsTheRouteOffForTheGroupInsteadOfEveryJobMeetingIt() throws Exception {
    Scripted t = new Scripted(r -> r == Route.SUBSCRIPTION
        ? error(r, 401, "authentication_error", "OAuth token has expired.") : ok(r));
    NoRefresherAnswers tokens = new NoRefresherAnswers();
    Router router = router(t, tokens, SETTINGS);

    JobResult first = await(router.run(job("unauth-1", RoutePolicy.SUBSCRIPTION_FIRST), clock.instant()));
    JobResult second = await(router.run(job("unauth-2", RoutePolicy.SUBSCRIPTION_FIRST), clock.instant()));

    assertEquals(Route.API, first.route());
    assertEquals(Route.API, second.route());
    assertEquals(List.of(Route.SUBSCRIPTION, Route.API, Route.API), t.calls, "one 401, then the route is held off");
    assertEquals(dev.promptq.worker.credentials.SubscriptionGate.UNAUTHORIZED, notices.get(0).reason());
    assertEquals(1, tokens.reports);
  }

  @Test
  void aJobOlderThanTheMaximumAgeExpiresWithoutACall() throws Exception {
    Scripted t = new Scripted(RouterTest::ok);
    Router router = router(t, new NoRefresherAnswers(), SETTINGS.withMaxJobAge(Duration.ofHours(24)));

    JobResult r = await(router.run(job("old", RoutePolicy.SUBSCRIPTION_FIRST), clock.instant().minus(Duration.ofHours(25))));

    assertEquals(Outcome.EXPIRED, r.outcome());
    assertEquals("max_age_exceeded", r.error().type());
    assertTrue(t.calls.isEmpty());
  }

  @Test
  void aJobWaitingForAClosedRouteExpiresAtItsMaximumAgeNamingWhatItWaitedFor() throws Exception {
    Scripted t = new Scripted(RouterTest::ok);
    Router router = router(t, new NoRefresherAnswers(), SETTINGS.withMaxJobAge(Duration.ofHours(24)));
    gates.close(Route.SUBSCRIPTION, clock.instant().plus(Duration.ofHours(3)), "subscription_quota_spent");

    JobResult r = await(router.run(job("waits", RoutePolicy.SUBSCRIPTION_ONLY),
        clock.instant().minus(Duration.ofHours(24)).plusMillis(200)));

    assertEquals(Outcome.EXPIRED, r.outcome());
    assertEquals("max_age_exceeded", r.error().type());
    assertTrue(r.error().message().contains("it waited for: subscription_quota_spent"), r.error().message());
    assertTrue(t.calls.isEmpty());
  }
}
