package dev.promptq.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.promptq.job.JobCodec;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** The gateway benchmarks' calls, made as the SDKs make them: the same paths, headers and bodies. */
final class GatewayCalls {
  static final ObjectMapper MAPPER = JobCodec.newMapper();

  private GatewayCalls() {}

  static HttpRequest.Builder request(String url, String key) {
    return HttpRequest.newBuilder(URI.create(url)).header("x-api-key", key).header("anthropic-version", "2023-06-01")
        .header("content-type", "application/json").header("x-stainless-timeout", "600")
        .timeout(Duration.ofMinutes(10));
  }

  /** {@code POST /v1/messages} with {@code prompt}. */
  static HttpRequest message(String baseUrl, String key, String prompt) {
    ObjectNode body = MAPPER.createObjectNode().put("model", "claude-haiku-4-5").put("max_tokens", 64);
    body.putArray("messages").addObject().put("role", "user").put("content", prompt);
    return request(baseUrl + "/v1/messages", key).POST(HttpRequest.BodyPublishers.ofString(body.toString())).build();
  }

  /** A new key is read from the control topic within moments: until then the gateway answers 401. */
  static void awaitKey(HttpClient http, String baseUrl, String key) throws Exception {
    long until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (http.send(message(baseUrl, key, "warm-up"), HttpResponse.BodyHandlers.discarding()).statusCode() != 200) {
      if (System.nanoTime() > until) {
        throw new IllegalStateException("the gateway at " + baseUrl + " did not take the benchmark's key");
      }
      Thread.sleep(100);
    }
  }

  /** Creates a Message Batch of {@code n} requests ({@code prefix-i}); returns its id. */
  static String createBatch(HttpClient http, String baseUrl, String key, String prefix, int n) throws Exception {
    ObjectNode body = MAPPER.createObjectNode();
    ArrayNode requests = body.putArray("requests");
    for (int i = 0; i < n; i++) {
      ObjectNode params = requests.addObject().put("custom_id", prefix + "-" + i).putObject("params")
          .put("model", "claude-haiku-4-5").put("max_tokens", 64);
      params.putArray("messages").addObject().put("role", "user").put("content", "batch request " + i);
    }
    HttpResponse<String> r = http.send(request(baseUrl + "/v1/messages/batches", key)
        .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IllegalStateException("creating the batch: " + r.statusCode() + " " + r.body());
    }
    return MAPPER.readTree(r.body()).path("id").asText();
  }
}
