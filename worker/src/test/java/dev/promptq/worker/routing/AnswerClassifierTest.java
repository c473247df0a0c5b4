package dev.promptq.worker.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.promptq.job.ApiError;
import dev.promptq.job.Route;
import dev.promptq.worker.anthropic.CallOutcome;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class AnswerClassifierTest {
  private final AnswerClassifier classifier = new AnswerClassifier();
  private final ObjectMapper mapper = new ObjectMapper();

  private CallOutcome answer(int status, String type) throws Exception {
    JsonNode body = type == null ? mapper.readTree("{\"type\":\"message\"}")
        : mapper.readTree("{\"type\":\"error\",\"error\":{\"type\":\"" + type + "\",\"message\":\"m\"}}");
    return new CallOutcome.Answered(Route.SUBSCRIPTION, status, body, Map.of(), 5);
  }

  @Test
  void twoHundredIsSuccess() throws Exception {
    assertInstanceOf(Verdict.Success.class, classifier.classify(answer(200, null)));
  }

  @ParameterizedTest(name = "{0} {1} is about the request")
  @CsvSource({"400, invalid_request_error", "404, not_found_error", "413, request_too_large"})
  void errorsAboutTheRequestAreNotRetriedElsewhere(int status, String type) throws Exception {
    Verdict v = classifier.classify(answer(status, type));
    assertEquals(new ApiError(type, "m", status), assertInstanceOf(Verdict.RequestRejected.class, v).error());
  }

  @ParameterizedTest(name = "{0} {1} fails the route")
  @CsvSource({"401, authentication_error", "403, permission_error", "429, rate_limit_error", "500, api_error",
      "529, overloaded_error", "400, some_other_error"})
  void otherErrorsFailTheRouteOnly(int status, String type) throws Exception {
    assertInstanceOf(Verdict.RouteFailed.class, classifier.classify(answer(status, type)));
  }

  @Test
  void noAnswerFailsTheRoute() {
    Verdict v = classifier.classify(new CallOutcome.NoAnswer(Route.API, "timeout", "SocketTimeoutException", 10));
    assertEquals("timeout", assertInstanceOf(Verdict.RouteFailed.class, v).error().type());
  }

  @Test
  void anErrorWithoutABodyIsNamedByItsStatus() {
    CallOutcome.Answered a = new CallOutcome.Answered(Route.API, 502, com.fasterxml.jackson.databind.node.MissingNode.getInstance(), Map.of(), 1);
    assertEquals(new ApiError("http_502", "HTTP 502 without an error body", 502),
        ((Verdict.RouteFailed) classifier.classify(a)).error());
  }
}
