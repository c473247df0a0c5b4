package dev.promptq.testkit.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.promptq.config.Secret;
import dev.promptq.job.Route;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The simulator is strict where the real Messages API is strict, so it catches client bugs. */
class AnthropicSimulatorTest {
  private static final String KEY = "sk-ant-api03-test-key";
  private static final String TOKEN = "sk-ant-oat01-test-token";
  private static final String BODY =
      "{\"model\":\"claude-test\",\"max_tokens\":64,\"messages\":[{\"role\":\"user\",\"content\":\"Hello there\"}]}";

  private final ObjectMapper mapper = new ObjectMapper();
  private final HttpClient http = HttpClient.newHttpClient();
  private AnthropicSimulator sim;

  @BeforeEach
  void start() {
    sim = AnthropicSimulator.builder().apiKey(Secret.of(KEY)).oauthToken(Secret.of(TOKEN)).build().start();
  }

  @AfterEach
  void stop() {
    sim.close();
  }

  private HttpRequest.Builder request(String body) {
    return HttpRequest.newBuilder(URI.create(sim.baseUrl() + "/v1/messages"))
        .header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body));
  }

  private HttpRequest.Builder api(String body) {
    return request(body).header("anthropic-version", "2023-06-01").header("x-api-key", KEY);
  }

  private HttpRequest.Builder subscription(String body) {
    return request(body).header("anthropic-version", "2023-06-01")
        .header("authorization", "Bearer " + TOKEN).header("anthropic-beta", "oauth-2025-04-20");
  }

  private record Reply(int status, JsonNode json, HttpResponse<String> raw) {}

  private Reply send(HttpRequest.Builder b) throws IOException, InterruptedException {
    HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    return new Reply(r.statusCode(), mapper.readTree(r.body()), r);
  }

  private void assertError(Reply r, int status, String type, String messageStart) {
    assertEquals(status, r.status(), r.json().toString());
    assertEquals("error", r.json().path("type").asText());
    assertEquals(type, r.json().path("error").path("type").asText());
    assertTrue(r.json().path("error").path("message").asText().startsWith(messageStart), r.json().toString());
  }

  @Test
  void answersAnApiKeyRequestWithARealMessage() throws Exception {
    Reply r = send(api(BODY));

    assertEquals(200, r.status());
    JsonNode m = r.json();
    assertTrue(m.path("id").asText().startsWith("msg_"));
    assertEquals("message", m.path("type").asText());
    assertEquals("assistant", m.path("role").asText());
    assertEquals("claude-test", m.path("model").asText());
    assertEquals("text", m.path("content").get(0).path("type").asText());
    assertTrue(m.path("content").get(0).path("text").asText().contains("Hello there"));
    assertEquals("end_turn", m.path("stop_reason").asText());
    assertTrue(m.path("usage").path("input_tokens").asInt() > 0);
    assertTrue(m.path("usage").path("output_tokens").asInt() > 0);
    assertTrue(r.raw().headers().firstValue("request-id").isPresent());
    assertEquals(1, sim.successes(Route.API));
  }

  @Test
  void answersASubscriptionRequestWithBearerAndTheOauthBeta() throws Exception {
    assertEquals(200, send(subscription(BODY)).status());
    assertEquals(1, sim.successes(Route.SUBSCRIPTION));
  }

  @Test
  void refusesARequestWithoutAnthropicVersion() throws Exception {
    assertError(send(request(BODY).header("x-api-key", KEY)), 400, "invalid_request_error", "anthropic-version");
  }

  @Test
  void refusesBothCredentialsOnOneRequest() throws Exception {
    assertError(send(subscription(BODY).header("x-api-key", KEY)), 400, "invalid_request_error", "send either");
  }

  @Test
  void refusesARequestWithNoCredential() throws Exception {
    assertError(send(request(BODY).header("anthropic-version", "2023-06-01")), 401, "authentication_error",
        "x-api-key header is required");
  }

  @Test
  void refusesUnknownCredentialsWithoutEchoingThem() throws Exception {
    Reply badKey = send(request(BODY).header("anthropic-version", "2023-06-01").header("x-api-key", "sk-wrong-key"));
    assertError(badKey, 401, "authentication_error", "invalid x-api-key");
    assertFalse(badKey.raw().body().contains("sk-wrong-key"));
    Reply badToken = send(request(BODY).header("anthropic-version", "2023-06-01")
        .header("authorization", "Bearer sk-wrong-token").header("anthropic-beta", "oauth-2025-04-20"));
    assertError(badToken, 401, "authentication_error", "Invalid bearer token");
  }

  @Test
  void refusesABearerTokenWithoutTheOauthBeta() throws Exception {
    Reply r = send(request(BODY).header("anthropic-version", "2023-06-01").header("authorization", "Bearer " + TOKEN));
    assertError(r, 401, "authentication_error", "OAuth authentication is currently not supported");
  }

  @Test
  void checksTheBodyLikeTheRealApi() throws Exception {
    assertError(send(api("{\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}")),
        400, "invalid_request_error", "model: Field required");
    assertError(send(api("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}")),
        400, "invalid_request_error", "max_tokens: Field required");
    assertError(send(api("{\"model\":\"m\",\"max_tokens\":5,\"messages\":[]}")),
        400, "invalid_request_error", "messages: at least one message");
    assertError(send(api("{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"robot\",\"content\":\"x\"}]}")),
        400, "invalid_request_error", "messages.0.role");
    assertError(send(api("{\"model\":\"m\",\"max_tokens\":5,\"prompt\":\"x\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}")),
        400, "invalid_request_error", "prompt: Extra inputs are not permitted");
    assertError(send(api("{not json")), 400, "invalid_request_error", "There was an error parsing");
    assertError(send(api(BODY).setHeader("content-type", "text/plain")), 400, "invalid_request_error", "content-type");
    assertEquals(0, sim.successes(Route.API));
  }

  @Test
  void answersUnknownPathsWithNotFound() throws Exception {
    Reply r = send(HttpRequest.newBuilder(URI.create(sim.baseUrl() + "/v1/complete"))
        .POST(HttpRequest.BodyPublishers.ofString("{}")));
    assertError(r, 404, "not_found_error", "Not found");
    HttpResponse<Void> head = http.send(HttpRequest.newBuilder(URI.create(sim.baseUrl() + "/"))
        .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding());
    assertEquals(404, head.statusCode());
    assertEquals(java.util.Map.of("POST /v1/complete", 1L, "HEAD /", 1L), sim.unknownRequests());
    assertTrue(sim.calls().isEmpty(), "unknown paths are not Messages calls");
  }

  @Test
  void streamsASuccessAsServerSentEventsInTheRealApisOrder() throws Exception {
    String body = "{\"model\":\"claude-test\",\"max_tokens\":64,\"stream\":true,"
        + "\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"<context/>\"},"
        + "{\"type\":\"text\",\"text\":\"Hello there\"}]}]}";
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(sim.baseUrl() + "/v1/messages?beta=true"))
        .header("content-type", "application/json").header("anthropic-version", "2023-06-01")
        .header("authorization", "Bearer " + TOKEN).header("anthropic-beta", "claude-code-20250219,oauth-2025-04-20")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());

    assertEquals(200, r.statusCode());
    assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("text/event-stream"));
    List<String> names = new ArrayList<>();
    StringBuilder text = new StringBuilder();
    JsonNode finalDelta = null;
    for (String event : r.body().split("\n\n")) {
      String[] lines = event.split("\n");
      String name = lines[0].substring("event: ".length());
      JsonNode data = mapper.readTree(lines[1].substring("data: ".length()));
      assertEquals(name, data.path("type").asText());
      if (!names.contains(name)) {
        names.add(name);
      }
      if (name.equals("content_block_delta")) {
        assertEquals("text_delta", data.path("delta").path("type").asText());
        text.append(data.path("delta").path("text").asText());
      }
      if (name.equals("message_delta")) {
        finalDelta = data;
      }
    }
    assertEquals(List.of("message_start", "content_block_start", "ping", "content_block_delta", "content_block_stop",
        "message_delta", "message_stop"), names);
    assertEquals("Simulated answer to: Hello there", text.toString(), "the prompt is the last text block");
    assertEquals("end_turn", finalDelta.path("delta").path("stop_reason").asText());
    assertTrue(finalDelta.path("usage").path("output_tokens").asLong() > 0);
    assertEquals(1, sim.successes(Route.SUBSCRIPTION));
  }

  @Test
  void respondersDecideBeforeTheDefaultAnswer() throws Exception {
    sim.close();
    sim = AnthropicSimulator.builder().apiKey(Secret.of(KEY))
        .responder(req -> Optional.of(SimResponse.error(529, "overloaded_error", "Overloaded")))
        .build().start();
    assertError(send(api(BODY)), 529, "overloaded_error", "Overloaded");
    assertEquals(529, sim.calls().get(0).status());
    assertEquals("overloaded_error", sim.calls().get(0).errorType());
  }

  @Test
  void latencyDelaysAnswersWithoutHoldingAThreadEach() throws Exception {
    sim.setLatency(Duration.ofMillis(300));
    List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
    long start = System.nanoTime();
    for (int i = 0; i < 50; i++) {
      calls.add(http.sendAsync(api(BODY).build(), HttpResponse.BodyHandlers.ofString()));
    }
    for (CompletableFuture<HttpResponse<String>> c : calls) {
      assertEquals(200, c.join().statusCode());
    }
    long elapsedMs = (System.nanoTime() - start) / 1_000_000;
    assertTrue(elapsedMs >= 300, "answers came before the latency: " + elapsedMs);
    // 50 concurrent answers with 8 HTTP threads: only possible if waiting does not hold a thread.
    assertTrue(sim.maxConcurrentRequests() > 8, "max concurrent " + sim.maxConcurrentRequests());
  }
}
