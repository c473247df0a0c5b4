package dev.promptq.worker.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import dev.promptq.job.ApiError;
import dev.promptq.job.Route;
import dev.promptq.testkit.sim.SimFault;
import dev.promptq.testkit.sim.SimResponse;
import dev.promptq.worker.anthropic.CallOutcome;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** One test per row of the failure table (DESIGN.md), fed with the answers the real API gives. */
class AnswerClassifierTest {
  private static final Instant NOW = Instant.parse("2026-11-24T12:00:00Z");
  private static final Instant RESET = Instant.parse("2026-11-24T15:00:00Z");
  private final AnswerClassifier classifier = new AnswerClassifier(Clock.fixed(NOW, ZoneOffset.UTC));
  private final ObjectMapper mapper = new ObjectMapper();

  private Verdict classify(Route route, SimFault fault) throws Exception {
    SimResponse r = fault.response(RESET);
    return classifier.classify(new CallOutcome.Answered(route, r.status(), mapper.readTree(r.body()), r.headers(), 5));
  }

  @Test
  void twoHundredIsSuccess() throws Exception {
    assertInstanceOf(Verdict.Success.class, classifier.classify(
        new CallOutcome.Answered(Route.SUBSCRIPTION, 200, mapper.readTree("{\"type\":\"message\"}"), Map.of(), 5)));
  }

  @Test
  void a400AboutTheRequestFailsTheJobWithoutFallback() throws Exception {
    Verdict.RequestRejected v = assertInstanceOf(Verdict.RequestRejected.class,
        classify(Route.SUBSCRIPTION, SimFault.INVALID_REQUEST));
    assertEquals("invalid_request_error", v.error().type());
    assertEquals(400, v.error().status());
  }

  @ParameterizedTest(name = "{0} {1} is about the request")
  @CsvSource({"404, not_found_error", "413, request_too_large", "422, invalid_request_error"})
  void otherClientErrorsAreAboutTheRequest(int status, String type) throws Exception {
    Verdict v = classifier.classify(new CallOutcome.Answered(Route.API, status,
        mapper.readTree("{\"type\":\"error\",\"error\":{\"type\":\"" + type + "\",\"message\":\"m\"}}"), Map.of(), 1));
    assertEquals(new ApiError(type, "m", status), assertInstanceOf(Verdict.RequestRejected.class, v).error());
  }

  @Test
  void a400RefusingTheOauthCredentialRefusesTheRoute() throws Exception {
    Verdict.RouteRefused v = assertInstanceOf(Verdict.RouteRefused.class,
        classify(Route.SUBSCRIPTION, SimFault.CREDENTIAL_REFUSED));
    assertEquals(400, v.error().status());
  }

  @Test
  void a400SayingTheApiCreditIsGoneRefusesTheRoute() throws Exception {
    assertInstanceOf(Verdict.RouteRefused.class, classify(Route.API, SimFault.CREDIT_TOO_LOW));
  }

  @Test
  void a403AboutTheRequestDeclinesTheRouteForThatJobOnly() throws Exception {
    assertInstanceOf(Verdict.RouteDeclined.class, classify(Route.SUBSCRIPTION, SimFault.PERMISSION_DENIED));
  }

  @Test
  void a403RefusingTheCredentialRefusesTheRoute() throws Exception {
    Verdict v = classifier.classify(new CallOutcome.Answered(Route.API, 403, mapper.readTree(
        "{\"type\":\"error\",\"error\":{\"type\":\"permission_error\",\"message\":\"This organization has been "
            + "disabled.\"}}"), Map.of(), 5));
    assertInstanceOf(Verdict.RouteRefused.class, v);
  }

  @Test
  void retryAfterAsAnHttpDateIsReadAsTheTimeUntilThen() throws Exception {
    Verdict.Transient v = assertInstanceOf(Verdict.Transient.class, classifier.classify(new CallOutcome.Answered(
        Route.API, 529, mapper.readTree("{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"x\"}}"),
        Map.of("retry-after", "Tue, 24 Nov 2026 12:00:42 GMT"), 5)));
    assertEquals(Duration.ofSeconds(42), v.retryAfter());
  }

  @Test
  void a401IsUnauthorized() throws Exception {
    Verdict.Unauthorized v = assertInstanceOf(Verdict.Unauthorized.class,
        classify(Route.SUBSCRIPTION, SimFault.TOKEN_EXPIRED));
    assertEquals("authentication_error", v.error().type());
  }

  @Test
  void a429WithUnifiedStatusRejectedSpendsTheQuotaUntilTheReset() throws Exception {
    Verdict.QuotaSpent v = assertInstanceOf(Verdict.QuotaSpent.class, classify(Route.SUBSCRIPTION, SimFault.QUOTA_SPENT));
    assertEquals(RESET, v.resetAt());
  }

  @Test
  void aQuotaRejectionWithoutResetHeaderHoldsOffForTheDefault() throws Exception {
    Verdict v = classifier.classify(new CallOutcome.Answered(Route.SUBSCRIPTION, 429,
        mapper.readTree("{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"m\"}}"),
        Map.of("anthropic-ratelimit-unified-status", "rejected"), 1));
    assertEquals(NOW.plus(AnswerClassifier.QUOTA_RESET_UNKNOWN), assertInstanceOf(Verdict.QuotaSpent.class, v).resetAt());
  }

  @Test
  void a429WithoutQuotaHeadersConcernsThisRequestOnly() throws Exception {
    Verdict.RequestThrottled v = assertInstanceOf(Verdict.RequestThrottled.class,
        classify(Route.SUBSCRIPTION, SimFault.THROTTLED));
    assertTrue(v.retryable());
  }

  @Test
  void a429AskingForExtraUsageConcernsThisRequestAndIsNotRetriedOnTheSubscription() throws Exception {
    Verdict.RequestThrottled v = assertInstanceOf(Verdict.RequestThrottled.class,
        classify(Route.SUBSCRIPTION, SimFault.EXTRA_USAGE));
    assertFalse(v.retryable());
  }

  @Test
  void a429OnTheApiRouteHonoursRetryAfter() throws Exception {
    Verdict.RateLimited v = assertInstanceOf(Verdict.RateLimited.class, classify(Route.API, SimFault.RATE_LIMITED));
    assertEquals(Duration.ofSeconds(1), v.retryAfter());
  }

  @Test
  void a500IsTransient() throws Exception {
    assertInstanceOf(Verdict.Transient.class, classify(Route.API, SimFault.SERVER_ERROR));
  }

  @Test
  void a529IsTransient() throws Exception {
    Verdict.Transient v = assertInstanceOf(Verdict.Transient.class, classify(Route.SUBSCRIPTION, SimFault.OVERLOADED));
    assertEquals("overloaded_error", v.error().type());
    assertNull(v.retryAfter());
  }

  @Test
  void aTransientAnswerCarriesItsRetryAfter() throws Exception {
    Verdict v = classifier.classify(new CallOutcome.Answered(Route.API, 529, MissingNode.getInstance(),
        Map.of("retry-after", "2.5"), 1));
    assertEquals(Duration.ofMillis(2500), assertInstanceOf(Verdict.Transient.class, v).retryAfter());
  }

  @Test
  void timeoutsAndConnectionErrorsAreTransient() {
    Verdict v = classifier.classify(new CallOutcome.NoAnswer(Route.API, "timeout", "SocketTimeoutException", 10));
    assertEquals("timeout", assertInstanceOf(Verdict.Transient.class, v).error().type());
    assertInstanceOf(Verdict.Transient.class,
        classifier.classify(new CallOutcome.NoAnswer(Route.SUBSCRIPTION, "connection_error", "EOFException", 1)));
  }

  @Test
  void anErrorWithoutABodyIsNamedByItsStatus() {
    CallOutcome.Answered a = new CallOutcome.Answered(Route.API, 502, MissingNode.getInstance(), Map.of(), 1);
    assertEquals(new ApiError("http_502", "HTTP 502 without an error body", 502),
        assertInstanceOf(Verdict.Transient.class, classifier.classify(a)).error());
  }
}
