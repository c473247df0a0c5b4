package dev.promptq.worker.claudecli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.promptq.job.Attempt;
import dev.promptq.job.Route;
import dev.promptq.worker.anthropic.CallOutcome;
import dev.promptq.worker.routing.AnswerClassifier;
import dev.promptq.worker.routing.Verdict;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * The CLI's stream-json output becomes the answer the API would have given over HTTP. The
 * fixtures are what Claude Code 2.1.197 printed against a local server answering 200, 429 (quota
 * spent, reset 1790000000), 401 and 529.
 */
class CliOutputTest {
  private final AnswerClassifier classifier = new AnswerClassifier(Clock.systemUTC());

  private static CallOutcome read(String fixture, int exitCode) throws IOException {
    CliOutput out = new CliOutput();
    try (InputStream in = CliOutputTest.class.getResourceAsStream("/claude-cli/" + fixture)) {
      new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().forEach(out::line);
    }
    return out.outcome(Route.SUBSCRIPTION, exitCode, "claude-sonnet-4-6", 42);
  }

  @Test
  void aSuccessBecomesAMessagesShapedAnswerWithUsageAndTheClisCost() throws IOException {
    CallOutcome.Answered a = assertInstanceOf(CallOutcome.Answered.class, read("success.jsonl", 0));
    assertEquals(200, a.status());
    assertEquals(Attempt.CLAUDE_CLI, a.transport());
    assertEquals(0.000141, a.cliCostUsd(), 1e-12);
    assertEquals("msg_1", a.body().path("id").asText());
    assertEquals("message", a.body().path("type").asText());
    assertEquals("assistant", a.body().path("role").asText());
    assertEquals("Hello world", a.body().path("content").get(0).path("text").asText());
    assertEquals("end_turn", a.body().path("stop_reason").asText());
    assertEquals(12, a.body().path("usage").path("input_tokens").asLong());
    assertEquals(7, a.body().path("usage").path("output_tokens").asLong());
    assertEquals("allowed", a.headers().get("anthropic-ratelimit-unified-status"));
    assertInstanceOf(Verdict.Success.class, classifier.classify(a));
  }

  @Test
  void aQuotaRejectionSpendsTheQuotaUntilTheResetTheCliReported() throws IOException {
    CallOutcome.Answered a = assertInstanceOf(CallOutcome.Answered.class, read("quota-spent-429.jsonl", 1));
    assertEquals(429, a.status());
    assertEquals("rate_limit_error", a.errorType());
    Verdict.QuotaSpent q = assertInstanceOf(Verdict.QuotaSpent.class, classifier.classify(a));
    assertEquals(Instant.ofEpochSecond(1790000000L), q.resetAt());
  }

  @Test
  void anExpiredTokenIsUnauthorizedAndAnOverloadIsTransient() throws IOException {
    CallOutcome.Answered unauthorized = assertInstanceOf(CallOutcome.Answered.class, read("unauthorized-401.jsonl", 1));
    assertEquals("authentication_error", unauthorized.errorType());
    assertInstanceOf(Verdict.Unauthorized.class, classifier.classify(unauthorized));
    CallOutcome.Answered overloaded = assertInstanceOf(CallOutcome.Answered.class, read("overloaded-529.jsonl", 1));
    assertTrue(overloaded.errorMessage().contains("529"), overloaded.errorMessage());
    assertInstanceOf(Verdict.Transient.class, classifier.classify(overloaded));
  }

  @Test
  void aProcessThatPrintsNoResultIsACliErrorRetriedLikeATransientFailure() {
    CliOutput out = new CliOutput();
    out.line("{\"type\":\"system\",\"subtype\":\"init\"}");
    out.line("not json");
    CallOutcome.NoAnswer n = assertInstanceOf(CallOutcome.NoAnswer.class,
        out.outcome(Route.SUBSCRIPTION, 3, "m", 5));
    assertEquals("cli_error", n.kind());
    assertEquals("claude exited 3 without a result (1 unreadable lines)", n.detail());
    assertInstanceOf(Verdict.Transient.class, classifier.classify(n));
  }

  @Test
  void anErrorWithoutAnApiStatusIsACliError() {
    CliOutput out = new CliOutput();
    out.line("{\"type\":\"result\",\"subtype\":\"error_max_turns\",\"is_error\":true,\"api_error_status\":null}");
    CallOutcome.NoAnswer n = assertInstanceOf(CallOutcome.NoAnswer.class, out.outcome(Route.SUBSCRIPTION, 1, "m", 5));
    assertEquals("Claude Code: error_max_turns: error_max_turns", n.detail());
  }
}
