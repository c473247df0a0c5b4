package dev.promptq.gateway.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.promptq.job.ApiError;
import dev.promptq.job.JobResult;
import dev.promptq.job.Outcome;
import dev.promptq.job.Route;
import java.util.List;
import org.junit.jupiter.api.Test;

class ResultAnswerTest {

  private static JobResult result(Outcome outcome, ApiError error) {
    return new JobResult("j", outcome, Route.API, outcome == Outcome.SUCCEEDED
        ? JsonNodeFactory.instance.objectNode().put("id", "msg") : null, error, List.of(), null, null, "w", null, null,
        null);
  }

  @Test
  void aSuccessIsA200() {
    assertEquals(200, ResultAnswer.of(result(Outcome.SUCCEEDED, null)).status());
  }

  @Test
  void theApisOwnErrorKeepsItsStatusAndType() {
    ResultAnswer a = ResultAnswer.of(result(Outcome.ERRORED, new ApiError("invalid_request_error", "bad field", 400)));
    assertEquals(new ResultAnswer(400, "invalid_request_error", "bad field"), a);
    assertEquals(new ResultAnswer(529, "overloaded_error", "busy"),
        ResultAnswer.of(result(Outcome.ERRORED, new ApiError("overloaded_error", "busy", 529))));
    assertEquals(429, ResultAnswer.of(result(Outcome.ERRORED, new ApiError("rate_limit_error", "slow", 429))).status());
  }

  @Test
  void aWorkersRefusalWithAStatusKeepsItAndGetsTheApisTypeForIt() {
    ResultAnswer none = ResultAnswer.of(result(Outcome.ERRORED, new ApiError("no_route", "no API key here", 404)));
    assertEquals(404, none.status());
    assertEquals("not_found_error", none.errorType());
    assertTrue(none.message().contains("no API key here"), none.message());
  }

  @Test
  void aWorkersOwnRefusalGetsTheApisTypeForItsMeaning() {
    ResultAnswer budget = ResultAnswer.of(result(Outcome.ERRORED, new ApiError("api_budget_exhausted", "spent", 0)));
    assertEquals(429, budget.status());
    assertEquals("rate_limit_error", budget.errorType());
    assertTrue(budget.message().contains("api_budget_exhausted"), budget.message());
    assertEquals(403, ResultAnswer.of(result(Outcome.ERRORED, new ApiError("model_not_allowed", "no", 0))).status());
    assertEquals(new ResultAnswer(502, "api_error", "promptq (connection_error): reset"),
        ResultAnswer.of(result(Outcome.ERRORED, new ApiError("connection_error", "reset", 0))));
  }

  @Test
  void anExpiredJobIsAnOverloadedAnswerSayingWhy() {
    ResultAnswer a = ResultAnswer.of(result(Outcome.EXPIRED, new ApiError("expired", "deadline passed", 0)));
    assertEquals(529, a.status());
    assertEquals("overloaded_error", a.errorType());
    assertTrue(a.message().contains("deadline passed"), a.message());
  }
}
