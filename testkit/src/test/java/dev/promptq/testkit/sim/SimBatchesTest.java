package dev.promptq.testkit.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.promptq.config.Secret;
import dev.promptq.testkit.time.ManualClock;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The simulator's Message Batches API: as strict as the real one, on a clock the test moves. */
class SimBatchesTest {
  private static final String KEY = "sk-ant-api03-batch-test-key";
  private static final Instant T0 = Instant.parse("2026-12-02T12:00:00Z");

  private final ObjectMapper mapper = new ObjectMapper();
  private final HttpClient http = HttpClient.newHttpClient();
  private final ManualClock clock = new ManualClock(T0);
  private AnthropicSimulator sim;

  private void start(Duration processing, Duration expiry) {
    sim = AnthropicSimulator.builder().apiKey(Secret.of(KEY)).oauthToken(Secret.of("sk-ant-oat01-t"))
        .clock(clock).batchProcessing(processing).batchExpiry(expiry)
        .responder(new Directives(clock, Duration.ofHours(1))).build().start();
  }

  @AfterEach
  void stop() {
    if (sim != null) {
      sim.close();
    }
  }

  private HttpResponse<String> call(String method, String path, String body) throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(sim.baseUrl() + path))
        .header("anthropic-version", "2023-06-01").header("x-api-key", KEY);
    if (body != null) {
      b.header("content-type", "application/json");
    }
    b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private JsonNode json(HttpResponse<String> r) throws IOException {
    return mapper.readTree(r.body());
  }

  private String requests(int n, String prompt) {
    ObjectNode body = mapper.createObjectNode();
    ArrayNode list = body.putArray("requests");
    for (int i = 0; i < n; i++) {
      ObjectNode r = list.addObject().put("custom_id", "job-" + i);
      ObjectNode p = r.putObject("params").put("model", "claude-haiku-4-5").put("max_tokens", 32);
      p.putArray("messages").addObject().put("role", "user").put("content", prompt + " " + i);
    }
    return body.toString();
  }

  @Test
  void aBatchIsInProgressUntilItsProcessingTimeThenEndsWithOneResultPerRequest() throws Exception {
    start(Duration.ofMinutes(10), Duration.ofHours(24));
    JsonNode created = json(call("POST", "/v1/messages/batches", requests(3, "hello")));
    String id = created.path("id").asText();
    assertTrue(id.startsWith("msgbatch_"), created.toString());
    assertEquals("message_batch", created.path("type").asText());
    assertEquals("in_progress", created.path("processing_status").asText());
    assertEquals(3, created.path("request_counts").path("processing").asInt());
    assertEquals(T0.plus(Duration.ofHours(24)).toString(), created.path("expires_at").asText());
    assertTrue(created.path("results_url").isNull());
    assertEquals(400, call("GET", "/v1/messages/batches/" + id + "/results", null).statusCode(),
        "no results before the batch ends");
    assertEquals(400, call("DELETE", "/v1/messages/batches/" + id, null).statusCode(), "no delete while in progress");

    clock.advance(Duration.ofMinutes(10));
    JsonNode ended = json(call("GET", "/v1/messages/batches/" + id, null));
    assertEquals("ended", ended.path("processing_status").asText());
    assertEquals(3, ended.path("request_counts").path("succeeded").asInt());
    assertEquals(0, ended.path("request_counts").path("processing").asInt());
    assertEquals(T0.plus(Duration.ofMinutes(10)).toString(), ended.path("ended_at").asText());
    assertEquals(sim.baseUrl() + "/v1/messages/batches/" + id + "/results", ended.path("results_url").asText());

    HttpResponse<String> results = call("GET", "/v1/messages/batches/" + id + "/results", null);
    assertEquals(200, results.statusCode());
    Map<String, JsonNode> byId = new HashMap<>();
    for (String line : results.body().strip().split("\n")) {
      JsonNode r = mapper.readTree(line);
      byId.put(r.path("custom_id").asText(), r.path("result"));
    }
    assertEquals(3, byId.size());
    assertEquals("succeeded", byId.get("job-1").path("type").asText());
    assertEquals("message", byId.get("job-1").path("message").path("type").asText());
    assertTrue(byId.get("job-1").path("message").path("usage").path("input_tokens").asInt() > 0);

    assertEquals("message_batch_deleted", json(call("DELETE", "/v1/messages/batches/" + id, null)).path("type").asText());
    assertEquals(404, call("GET", "/v1/messages/batches/" + id, null).statusCode());
    assertEquals(Map.of("job-0", 1, "job-1", 1, "job-2", 1), sim.batchSubmissions());
  }

  @Test
  void aRequestTheApiWouldRefuseIsErroredWithTheApisErrorBody() throws Exception {
    start(Duration.ZERO, Duration.ofHours(24));
    String id = json(call("POST", "/v1/messages/batches", requests(2, "[sim:api:invalid_request]"))).path("id").asText();
    JsonNode batch = json(call("GET", "/v1/messages/batches/" + id, null));
    assertEquals(2, batch.path("request_counts").path("errored").asInt(), batch.toString());
    String line = call("GET", "/v1/messages/batches/" + id + "/results", null).body().strip().split("\n")[0];
    JsonNode result = mapper.readTree(line).path("result");
    assertEquals("errored", result.path("type").asText());
    assertEquals("error", result.path("error").path("type").asText());
    assertEquals("invalid_request_error", result.path("error").path("error").path("type").asText());
  }

  @Test
  void aBatchNotDoneByItsExpiryEndsWithTheRestExpired() throws Exception {
    start(Duration.ofHours(4), Duration.ofHours(1));
    String id = json(call("POST", "/v1/messages/batches", requests(8, "slow"))).path("id").asText();
    clock.advance(Duration.ofHours(2));
    JsonNode batch = json(call("GET", "/v1/messages/batches/" + id, null));
    assertEquals("ended", batch.path("processing_status").asText());
    assertEquals(2, batch.path("request_counts").path("succeeded").asInt(), "a quarter processed in the hour");
    assertEquals(6, batch.path("request_counts").path("expired").asInt());
    assertEquals(T0.plus(Duration.ofHours(1)).toString(), batch.path("ended_at").asText());
  }

  @Test
  void cancelEndsTheBatchWithWhatWasNotProcessedCanceled() throws Exception {
    start(Duration.ofMinutes(10), Duration.ofHours(24));
    String id = json(call("POST", "/v1/messages/batches", requests(10, "cancel me"))).path("id").asText();
    clock.advance(Duration.ofMinutes(3));
    JsonNode canceling = json(call("POST", "/v1/messages/batches/" + id + "/cancel", null));
    assertEquals("canceling", canceling.path("processing_status").asText());
    assertEquals(clock.instant().toString(), canceling.path("cancel_initiated_at").asText());
    clock.advance(Duration.ofSeconds(1));
    JsonNode ended = json(call("GET", "/v1/messages/batches/" + id, null));
    assertEquals("ended", ended.path("processing_status").asText());
    assertEquals(3, ended.path("request_counts").path("succeeded").asInt());
    assertEquals(7, ended.path("request_counts").path("canceled").asInt());
  }

  @Test
  void theListIsNewestFirstAndPagesWithAfterAndBeforeIds() throws Exception {
    start(Duration.ofMinutes(1), Duration.ofHours(24));
    String[] ids = new String[5];
    for (int i = 0; i < 5; i++) {
      ids[i] = json(call("POST", "/v1/messages/batches", requests(1, "list " + i))).path("id").asText();
    }
    JsonNode first = json(call("GET", "/v1/messages/batches?limit=2", null));
    assertEquals(2, first.path("data").size());
    assertEquals(ids[4], first.path("first_id").asText());
    assertEquals(ids[3], first.path("last_id").asText());
    assertTrue(first.path("has_more").asBoolean());
    JsonNode next = json(call("GET", "/v1/messages/batches?limit=2&after_id=" + ids[3], null));
    assertEquals(ids[2], next.path("first_id").asText());
    assertEquals(ids[1], next.path("last_id").asText());
    assertTrue(next.path("has_more").asBoolean());
    JsonNode last = json(call("GET", "/v1/messages/batches?limit=2&after_id=" + ids[1], null));
    assertEquals(1, last.path("data").size());
    assertTrue(!last.path("has_more").asBoolean());
    JsonNode before = json(call("GET", "/v1/messages/batches?limit=2&before_id=" + ids[1], null));
    assertEquals(ids[3], before.path("first_id").asText());
    assertEquals(ids[2], before.path("last_id").asText());
    assertTrue(before.path("has_more").asBoolean(), "ids[4] is before them");
    assertEquals(400, call("GET", "/v1/messages/batches?limit=0", null).statusCode());
  }

  @Test
  void theApisRulesForANewBatchAreKept() throws Exception {
    start(Duration.ofMinutes(1), Duration.ofHours(24));
    String p = "{\"model\":\"claude-haiku-4-5\",\"max_tokens\":8,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}";
    assertRefused("{\"requests\":[]}", "requests");
    assertRefused("{\"requests\":[{\"custom_id\":\"a b\",\"params\":" + p + "}]}", "custom_id");
    assertRefused("{\"requests\":[{\"custom_id\":\"" + "x".repeat(65) + "\",\"params\":" + p + "}]}", "custom_id");
    assertRefused("{\"requests\":[{\"custom_id\":\"a\",\"params\":" + p + "},{\"custom_id\":\"a\",\"params\":" + p
        + "}]}", "more than once");
    assertRefused("{\"requests\":[{\"custom_id\":\"a\",\"params\":" + p.replace("8", "0") + "}]}", "max_tokens");
    assertRefused("{\"requests\":[{\"custom_id\":\"a\",\"params\":{\"model\":\"claude-haiku-4-5\",\"messages\":[]}}]}",
        "max_tokens");
    assertRefused("{\"requests\":[{\"custom_id\":\"a\",\"params\":" + p + "}],\"extra\":1}", "extra");
    assertEquals(0, sim.batchSubmissions().size(), "nothing refused was created");
    HttpResponse<String> oauth = http.send(HttpRequest.newBuilder(URI.create(sim.baseUrl() + "/v1/messages/batches"))
        .header("anthropic-version", "2023-06-01").header("authorization", "Bearer sk-ant-oat01-t")
        .header("anthropic-beta", AnthropicSimulator.OAUTH_BETA).GET().build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(401, oauth.statusCode(), "batches take an API key");
  }

  private void assertRefused(String body, String mentions) throws Exception {
    HttpResponse<String> r = call("POST", "/v1/messages/batches", body);
    assertEquals(400, r.statusCode(), r.body());
    assertEquals("invalid_request_error", json(r).path("error").path("type").asText());
    assertTrue(r.body().toLowerCase().contains(mentions), r.body() + " mentions " + mentions);
  }
}
