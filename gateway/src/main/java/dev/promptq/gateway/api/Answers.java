package dev.promptq.gateway.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import dev.promptq.job.JobCodec;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;

/**
 * Writes answers the way the Anthropic API does: JSON bodies, errors as
 * {@code {"type":"error","error":{"type":...,"message":...},"request_id":...}} with a
 * {@code request-id} header, and server-sent events for streams. Every method closes the exchange.
 */
final class Answers {
  /** The API's error types; anything else a worker reports is answered as {@code api_error}. */
  static final Set<String> API_ERROR_TYPES = Set.of("invalid_request_error", "authentication_error",
      "permission_error", "not_found_error", "request_too_large", "rate_limit_error", "api_error",
      "overloaded_error", "billing_error", "timeout_error");
  private static final ObjectMapper MAPPER = JobCodec.newMapper();

  private Answers() {}

  static ObjectNode errorBody(String type, String message, String requestId) {
    ObjectNode body = MAPPER.createObjectNode().put("type", "error");
    body.putObject("error").put("type", type).put("message", message);
    body.put("request_id", requestId);
    return body;
  }

  static void error(HttpExchange ex, String requestId, int status, String type, String message, long retryAfterSeconds)
      throws IOException {
    if (retryAfterSeconds > 0) {
      ex.getResponseHeaders().set("retry-after", Long.toString(retryAfterSeconds));
    }
    json(ex, requestId, status, errorBody(type, message, requestId), Map.of());
  }

  static void json(HttpExchange ex, String requestId, int status, JsonNode body, Map<String, String> headers)
      throws IOException {
    send(ex, requestId, status, "application/json", body.toString(), headers);
  }

  static void events(HttpExchange ex, String requestId, String events, Map<String, String> headers)
      throws IOException {
    ex.getResponseHeaders().set("cache-control", "no-cache");
    send(ex, requestId, 200, "text/event-stream; charset=utf-8", events, headers);
  }

  static void send(HttpExchange ex, String requestId, int status, String contentType, String body,
      Map<String, String> headers) throws IOException {
    try (ex) {
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().set("content-type", contentType);
      ex.getResponseHeaders().set("request-id", requestId);
      headers.forEach((k, v) -> ex.getResponseHeaders().set(k, v));
      ex.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
      if (bytes.length > 0) {
        try (OutputStream os = ex.getResponseBody()) {
          os.write(bytes);
        }
      }
    }
  }
}
