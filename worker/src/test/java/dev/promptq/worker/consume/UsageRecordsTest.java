package dev.promptq.worker.consume;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.promptq.job.ApiError;
import dev.promptq.job.Attempt;
import dev.promptq.job.Job;
import dev.promptq.job.JobResult;
import dev.promptq.job.Outcome;
import dev.promptq.job.Route;
import dev.promptq.usage.Tokens;
import dev.promptq.usage.UsageCodec;
import dev.promptq.usage.UsageRecord;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class UsageRecordsTest {
  private static final Instant T = Instant.parse("2026-12-02T10:00:00Z");
  private final ObjectMapper mapper = new ObjectMapper();
  private final UsageRecords usage = new UsageRecords(new UsageCodec(mapper), "p.usage", () -> Map.of("5h", 0.4));

  private Job job(String model) {
    ObjectNode request = mapper.createObjectNode().put("model", model).put("max_tokens", 10);
    request.putArray("messages").addObject().put("role", "user").put("content", "secret prompt text");
    return Job.of("j1", request).withBatch("nightly");
  }

  @Test
  void aSucceededJobRecordsTheAnswersModelTokensRouteTransportAndCosts() throws Exception {
    ObjectNode message = mapper.createObjectNode().put("model", "claude-sonnet-5-20261015");
    message.putObject("usage").put("input_tokens", 12).put("output_tokens", 34).put("cache_read_input_tokens", 5);
    JobResult result = new JobResult("j1", Outcome.SUCCEEDED, Route.API, message, null, List.of(
        new Attempt(Route.SUBSCRIPTION, 429, "rate_limit_error", 5, null, Attempt.CLAUDE_CLI, 0.01),
        new Attempt(Route.API, 200, null, 7, 0.002)), message.get("usage"), null, "w1", T, T, T.plusSeconds(2));
    UsageRecord r = usage.record(job("claude-sonnet-5"), result);
    assertEquals("claude-sonnet-5-20261015", r.model(), "the answer's model, not the request's alias");
    assertEquals(new Tokens(12, 34, 0, 0, 5), r.tokens());
    assertEquals("api", r.route());
    assertEquals(Attempt.HTTP, r.transport(), "the transport of the route that answered");
    assertEquals(0.002, r.apiCostUsd(), 1e-12);
    assertEquals(0.01, r.cliCostUsd(), 1e-12);
    assertEquals("nightly", r.batch());
    assertEquals(Map.of("5h", 0.4), r.windows());
    assertEquals(T.plusSeconds(2), r.finishedAt());

    var record = usage.of(job("claude-sonnet-5"), result).record();
    assertEquals("p.usage", record.topic());
    assertEquals(T.plusSeconds(2).toEpochMilli(), record.timestamp());
    String json = new String(record.value(), StandardCharsets.UTF_8);
    assertFalse(json.contains("secret prompt text"), "no prompt in a usage record: " + json);
  }

  @Test
  void aJobWithoutAnAnswerRecordsTheRequestsModelAndNoTokensAndAHostileModelIsLeftOut() {
    JobResult errored = new JobResult("j1", Outcome.ERRORED, null, null, new ApiError("timeout", "no answer", 0),
        List.of(new Attempt(Route.SUBSCRIPTION, 0, "timeout", 30_000)), null, null, "w1", T, T, T);
    UsageRecord r = usage.record(job("claude-haiku-4-5"), errored);
    assertEquals("claude-haiku-4-5", r.model());
    assertEquals(Tokens.NONE, r.tokens());
    assertNull(r.route());
    assertEquals("errored", r.outcome());
    assertNull(usage.record(job("claude\u001b[2Jhaiku"), errored).model(), "control characters never reach a report");
    assertNull(usage.record(job("x".repeat(200)), errored).model());
  }

  @Test
  void aReaderOfTheTopicGetsPrintableTextWhoeverWroteIt() {
    UsageCodec codec = new UsageCodec(mapper);
    UsageRecord r = codec.decode(("{\"id\":\"a\",\"finished_at\":\"2026-12-02T10:00:00Z\",\"outcome\":\"succeeded\","
        + "\"model\":\"evil\\u001b[2J\",\"batch\":\"b\\n\"}").getBytes(StandardCharsets.UTF_8));
    assertEquals("evil?[2J", r.model());
    assertEquals("b?", r.batch());
  }
}
