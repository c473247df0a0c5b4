package dev.promptq.testkit.sim;

import java.util.Map;
import java.util.Objects;

/**
 * An HTTP answer of the simulator.
 *
 * @param status HTTP status
 * @param headers extra response headers (content-type and request-id are always set)
 * @param body JSON text
 */
public record SimResponse(int status, Map<String, String> headers, String body) {
  public SimResponse {
    Objects.requireNonNull(body, "body");
    headers = Map.copyOf(headers);
  }

  /** An error in the API's shape: {@code {"type":"error","error":{"type":..,"message":..}}}. */
  public static SimResponse error(int status, String type, String message) {
    return error(status, type, message, Map.of());
  }

  public static SimResponse error(int status, String type, String message, Map<String, String> headers) {
    return new SimResponse(status, headers,
        "{\"type\":\"error\",\"error\":{\"type\":" + Json.quote(type) + ",\"message\":" + Json.quote(message) + "}}");
  }
}
