package dev.promptq.worker.lane;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.promptq.config.Secret;
import dev.promptq.worker.anthropic.MessagesClient;
import dev.promptq.worker.anthropic.RetryAfter;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.function.BiConsumer;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * The Message Batches API, with the API key: create a batch, look at it, read its results. Calls
 * block (the lane owner's thread makes them one at a time). Every call's outcome is a value: an
 * answer, or why there is none ({@link Failed}); the key never appears in either.
 */
final class MessageBatches implements AutoCloseable {
  private static final MediaType JSON = MediaType.get("application/json");

  /** One request of a new batch. */
  record Entry(String customId, ObjectNode params) {}

  /** A call that did not succeed: its status (0 without an answer), what it said, and its retry-after. */
  static final class Failed extends Exception {
    final int status;
    final Duration retryAfter;

    Failed(int status, String message, Duration retryAfter) {
      super(message);
      this.status = status;
      this.retryAfter = retryAfter;
    }
  }

  private final OkHttpClient http;
  private final HttpUrl batchesUrl;
  private final Secret apiKey;
  private final ObjectMapper mapper;
  private final java.time.Clock clock;

  MessageBatches(String baseUrl, Secret apiKey, ObjectMapper mapper, Duration timeout, java.time.Clock clock) {
    this.clock = clock;
    HttpUrl base = HttpUrl.parse(baseUrl);
    if (base == null) {
      throw new IllegalArgumentException("anthropic.base.url: " + baseUrl + " (not an http(s) URL)");
    }
    this.batchesUrl = base.newBuilder().addPathSegments("v1/messages/batches").build();
    this.apiKey = apiKey;
    this.mapper = mapper;
    // never resent by OkHttp: a create whose connection broke may have made a batch
    this.http = new OkHttpClient.Builder().callTimeout(timeout).readTimeout(timeout).retryOnConnectionFailure(false)
        .build();
  }

  /** Creates a batch of {@code entries}; returns the batch object. */
  JsonNode create(List<Entry> entries) throws Failed {
    ObjectNode body = mapper.createObjectNode();
    ArrayNode requests = body.putArray("requests");
    for (Entry e : entries) {
      requests.addObject().put("custom_id", e.customId()).set("params", e.params());
    }
    byte[] bytes;
    try {
      bytes = mapper.writeValueAsBytes(body);
    } catch (IOException e) {
      throw new IllegalStateException("a batch that cannot be written as JSON", e);
    }
    return json(request(batchesUrl).post(RequestBody.create(bytes, JSON)).build());
  }

  /** The batch object of {@code id}. */
  JsonNode retrieve(String id) throws Failed {
    return json(request(batchesUrl.newBuilder().addPathSegment(id).build()).get().build());
  }

  /** Reads the results of ended batch {@code id}, one {@code (custom_id, result)} at a time. */
  void results(String id, BiConsumer<String, JsonNode> each) throws Failed {
    Request r = request(batchesUrl.newBuilder().addPathSegment(id).addPathSegment("results").build()).get().build();
    try (Response response = http.newCall(r).execute()) {
      if (!response.isSuccessful()) {
        throw failed(response);
      }
      try (BufferedReader in = new BufferedReader(new InputStreamReader(response.body().byteStream(),
          StandardCharsets.UTF_8))) {
        for (String line = in.readLine(); line != null; line = in.readLine()) {
          if (!line.isBlank()) {
            JsonNode o = mapper.readTree(line);
            each.accept(o.path("custom_id").asText(), o.path("result"));
          }
        }
      }
    } catch (IOException e) {
      throw new Failed(0, "results of " + id + ": " + e.getClass().getSimpleName(), null);
    }
  }

  private Request.Builder request(HttpUrl url) {
    return new Request.Builder().url(url).header("anthropic-version", MessagesClient.ANTHROPIC_VERSION)
        .header("x-api-key", apiKey.reveal()).header("user-agent", "promptq-batch-lane");
  }

  private JsonNode json(Request r) throws Failed {
    try (Response response = http.newCall(r).execute()) {
      if (!response.isSuccessful()) {
        throw failed(response);
      }
      return mapper.readTree(response.body().bytes());
    } catch (IOException e) {
      throw new Failed(0, r.method() + " " + r.url().encodedPath() + ": " + e.getClass().getSimpleName(), null);
    }
  }

  private Failed failed(Response response) throws IOException {
    String body = response.body().string();
    String message;
    try {
      JsonNode error = mapper.readTree(body).path("error");
      message = error.path("type").asText("http_" + response.code()) + ": " + error.path("message").asText("");
    } catch (IOException notJson) {
      message = "http_" + response.code();
    }
    return new Failed(response.code(), message, RetryAfter.parse(response.header("retry-after"), clock.instant()).orElse(null));
  }

  @Override
  public void close() {
    http.dispatcher().executorService().shutdown();
    http.connectionPool().evictAll();
  }
}
