package dev.promptq.testkit.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.promptq.config.Secret;
import dev.promptq.job.Route;
import dev.promptq.testkit.time.ManualClock;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The simulator answers every row of the failure table on demand, and models a window quota. */
class SimulatorFailuresTest {
  private static final String KEY = "sk-ant-api03-test-key";
  private static final String TOKEN = "sk-ant-oat01-test-token";
  private static final Instant T0 = Instant.parse("2026-11-24T12:00:00.250Z");

  private final ObjectMapper mapper = new ObjectMapper();
  private final HttpClient http = HttpClient.newHttpClient();
  private final ManualClock clock = new ManualClock(T0);
  private AnthropicSimulator sim;

  @AfterEach
  void stop() {
    if (sim != null) {
      sim.close();
    }
  }

  private static String body(String prompt) {
    return "{\"model\":\"claude-test\",\"max_tokens\":64,\"messages\":[{\"role\":\"user\",\"content\":\""
        + prompt + "\"}]}";
  }

  private HttpResponse<String> send(Route route, String prompt) throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(sim.baseUrl() + "/v1/messages"))
        .header("content-type", "application/json").header("anthropic-version", "2023-06-01")
        .POST(HttpRequest.BodyPublishers.ofString(body(prompt)));
    if (route == Route.API) {
      b.header("x-api-key", KEY);
    } else {
      b.header("authorization", "Bearer " + TOKEN).header("anthropic-beta", "oauth-2025-04-20");
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private JsonNode error(HttpResponse<String> r) throws IOException {
    return mapper.readTree(r.body()).path("error");
  }

  private AnthropicSimulatorBuilder builder() {
    return AnthropicSimulator.builder().apiKey(Secret.of(KEY)).oauthToken(Secret.of(TOKEN)).clock(clock);
  }

  @Test
  void aDirectiveInThePromptAnswersThatRow() throws Exception {
    sim = builder().responder(new Directives(clock, Duration.ofSeconds(30))).build().start();
    HttpResponse<String> r = send(Route.SUBSCRIPTION, "[sim:overloaded] hi");
    assertEquals(529, r.statusCode());
    assertEquals("overloaded_error", error(r).path("type").asText());

    HttpResponse<String> quota = send(Route.SUBSCRIPTION, "[sim:quota_spent]");
    assertEquals(429, quota.statusCode());
    assertEquals("rejected", quota.headers().firstValue("anthropic-ratelimit-unified-status").orElseThrow());
    assertEquals(Long.toString(T0.plusSeconds(31).getEpochSecond()),
        quota.headers().firstValue("anthropic-ratelimit-unified-reset").orElseThrow(), "epoch seconds, rounded up");
  }

  @Test
  void aDirectiveCanNameARouteAndACount() throws Exception {
    sim = builder().responder(new Directives(clock, Duration.ofSeconds(30))).build().start();
    String prompt = "[sim:subscription:server_error*2] x";
    assertEquals(200, send(Route.API, prompt).statusCode(), "another route is not affected");
    assertEquals(500, send(Route.SUBSCRIPTION, prompt).statusCode());
    assertEquals(500, send(Route.SUBSCRIPTION, prompt).statusCode());
    assertEquals(200, send(Route.SUBSCRIPTION, prompt).statusCode(), "only the first two");
  }

  @Test
  void anUnknownDirectiveIsABadRequestNamingTheRows() throws Exception {
    sim = builder().responder(new Directives(clock, Duration.ofSeconds(30))).build().start();
    HttpResponse<String> r = send(Route.API, "[sim:nonsense]");
    assertEquals(400, r.statusCode());
    assertTrue(error(r).path("message").asText().contains("quota_spent"));
  }

  @Test
  void everyRowHasTheRealShape() {
    for (SimFault f : SimFault.values()) {
      SimResponse r = f.response(T0);
      if (f == SimFault.TIMEOUT || f == SimFault.DISCONNECT) {
        continue;
      }
      assertTrue(r.status() >= 400, f.wireName());
      assertTrue(r.body().startsWith("{\"type\":\"error\",\"error\":{\"type\":"), f.wireName());
    }
    assertEquals("1", SimFault.RATE_LIMITED.response(T0).headers().get("retry-after"));
    assertTrue(SimFault.DISCONNECT.response(T0).disconnect());
  }

  @Test
  void aDisconnectClosesTheConnectionWithoutAnAnswer() {
    sim = builder().responder(new Directives(clock, Duration.ofSeconds(30))).build().start();
    assertThrows(IOException.class, () -> send(Route.API, "[sim:disconnect]"));
    assertEquals("disconnect", sim.calls().get(0).errorType());
  }

  @Test
  void theWindowQuotaAnswersUnifiedHeadersAndRejectsBeyondTheLimitUntilTheWindowEnds() throws Exception {
    sim = builder().subscriptionQuota(10, Duration.ofMinutes(5)).build().start();
    HttpResponse<String> first = send(Route.SUBSCRIPTION, "a");
    assertEquals(200, first.statusCode());
    Map<String, java.util.List<String>> h = first.headers().map();
    assertEquals("allowed", h.get("anthropic-ratelimit-unified-status").get(0));
    assertEquals("0.1000", h.get("anthropic-ratelimit-unified-5h-utilization").get(0));
    assertEquals("five_hour", h.get("anthropic-ratelimit-unified-representative-claim").get(0));
    long reset = Long.parseLong(h.get("anthropic-ratelimit-unified-reset").get(0));
    assertEquals(T0.plus(Duration.ofMinutes(5)).getEpochSecond() + 1, reset);

    for (int i = 2; i <= 10; i++) {
      HttpResponse<String> r = send(Route.SUBSCRIPTION, "a");
      assertEquals(200, r.statusCode());
      assertEquals(i >= 8 ? "allowed_warning" : "allowed",
          r.headers().firstValue("anthropic-ratelimit-unified-status").orElseThrow(), "request " + i);
    }
    HttpResponse<String> over = send(Route.SUBSCRIPTION, "a");
    assertEquals(429, over.statusCode());
    assertEquals("rate_limit_error", error(over).path("type").asText());
    assertEquals("rejected", over.headers().firstValue("anthropic-ratelimit-unified-status").orElseThrow());
    assertEquals(200, send(Route.API, "a").statusCode(), "the API route has no window quota");
    assertTrue(send(Route.API, "a").headers().firstValue("anthropic-ratelimit-unified-status").isEmpty());

    clock.advance(Duration.ofMinutes(5));
    assertEquals(200, send(Route.SUBSCRIPTION, "a").statusCode(), "a new window");
    assertEquals(1, sim.quotaUsed());
  }

  @Test
  void aFaultAnswerIsNotCountedInTheQuota() throws Exception {
    sim = builder().subscriptionQuota(2, Duration.ofMinutes(5))
        .responder(new Directives(clock, Duration.ofSeconds(30))).build().start();
    assertEquals(529, send(Route.SUBSCRIPTION, "[sim:overloaded]").statusCode());
    assertEquals(0, sim.quotaUsed());
  }

  @Test
  void randomFaultsFollowTheirProbabilities() throws Exception {
    sim = builder().responder(new RandomFaults(Map.of(SimFault.OVERLOADED, 1.0), Route.SUBSCRIPTION, clock,
        Duration.ofSeconds(30))).build().start();
    assertEquals(529, send(Route.SUBSCRIPTION, "a").statusCode());
    assertEquals(200, send(Route.API, "a").statusCode());
    assertThrows(IllegalArgumentException.class, () -> new RandomFaults(
        Map.of(SimFault.OVERLOADED, 0.7, SimFault.SERVER_ERROR, 0.7), null, clock, Duration.ZERO));
  }
}
