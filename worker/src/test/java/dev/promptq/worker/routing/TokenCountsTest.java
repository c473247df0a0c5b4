package dev.promptq.worker.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.promptq.config.Secret;
import dev.promptq.job.Endpoint;
import dev.promptq.job.Job;
import dev.promptq.job.JobResult;
import dev.promptq.job.Outcome;
import dev.promptq.job.Route;
import dev.promptq.testkit.sim.AnthropicSimulator;
import dev.promptq.worker.anthropic.MessagesClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class TokenCountsTest {
  private static final Secret KEY = Secret.of("sk-ant-api03-count-test");
  private final AnthropicSimulator sim = AnthropicSimulator.builder().apiKey(KEY).build().start();
  private final MessagesClient http = new MessagesClient(sim.baseUrl(), 4, Duration.ofSeconds(10));

  @AfterEach
  void close() {
    http.close();
    sim.close();
  }

  private static Job count(String json) throws Exception {
    return Job.of("c-1", (ObjectNode) new ObjectMapper().readTree(json)).withEndpoint(Endpoint.COUNT_TOKENS);
  }

  private JobResult run(Optional<Secret> key, Job job) {
    return new TokenCounts(http, key, OperatorPolicy.permissive(), "w", Clock.systemUTC()).run(job, Instant.now()).join();
  }

  @Test
  void aCountIsOneFreeCallOnTheApiRouteAndItsAnswerIsTheResultsMessage() throws Exception {
    JobResult r = run(Optional.of(KEY), count("{\"model\":\"claude-haiku-4-5\",\"messages\":[{\"role\":\"user\","
        + "\"content\":\"how many tokens is this?\"}]}"));
    assertEquals(Outcome.SUCCEEDED, r.outcome(), String.valueOf(r.error()));
    assertEquals(Route.API, r.route());
    assertTrue(r.message().path("input_tokens").asInt() > 0, r.message().toString());
    assertEquals(0.0, r.apiCostUsd());
    assertEquals(1, sim.tokenCounts());
    assertEquals(0, sim.calls().size(), "no message was asked for");
  }

  @Test
  void whatTheApiRefusesEndsErroredWithItsStatusAndType() throws Exception {
    JobResult r = run(Optional.of(KEY), count("{\"model\":\"claude-haiku-4-5\",\"max_tokens\":5,"
        + "\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"));
    assertEquals(Outcome.ERRORED, r.outcome());
    assertEquals("invalid_request_error", r.error().type());
    assertEquals(400, r.error().status());
  }

  @Test
  void aWorkerWithoutAnApiKeyAnswersNoRouteWithoutACall() throws Exception {
    JobResult r = run(Optional.empty(), count("{\"model\":\"claude-haiku-4-5\",\"messages\":[{\"role\":\"user\","
        + "\"content\":\"x\"}]}"));
    assertEquals(Outcome.ERRORED, r.outcome());
    assertEquals("no_route", r.error().type());
    assertEquals(404, r.error().status(), "the endpoint is not served here");
    assertNull(r.route());
    assertEquals(0, sim.tokenCounts());
  }
}
