package dev.promptq.testkit.sim;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * An HTTP answer of the simulator, or a deliberate non-answer.
 *
 * @param status HTTP status
 * @param headers extra response headers (content-type and request-id are always set)
 * @param body JSON text
 * @param extraDelay added to the simulator's latency before answering (a slow or hung server)
 * @param disconnect close the connection without answering (a connection error for the client)
 */
public record SimResponse(int status, Map<String, String> headers, String body, Duration extraDelay,
    boolean disconnect) {
  public SimResponse {
    Objects.requireNonNull(body, "body");
    Objects.requireNonNull(extraDelay, "extraDelay");
    headers = Map.copyOf(headers);
  }

  public SimResponse(int status, Map<String, String> headers, String body) {
    this(status, headers, body, Duration.ZERO, false);
  }

  /** An error in the API's shape: {@code {"type":"error","error":{"type":..,"message":..}}}. */
  public static SimResponse error(int status, String type, String message) {
    return error(status, type, message, Map.of());
  }

  public static SimResponse error(int status, String type, String message, Map<String, String> headers) {
    return new SimResponse(status, headers,
        "{\"type\":\"error\",\"error\":{\"type\":" + Json.quote(type) + ",\"message\":" + Json.quote(message) + "}}");
  }

  /** The same answer with more headers (added ones win). */
  public SimResponse withHeaders(Map<String, String> more) {
    Map<String, String> all = new java.util.HashMap<>(headers);
    all.putAll(more);
    return new SimResponse(status, all, body, extraDelay, disconnect);
  }
}
