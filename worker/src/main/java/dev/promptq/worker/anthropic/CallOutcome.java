package dev.promptq.worker.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import dev.promptq.job.Route;
import java.util.Map;

/** What one call to the Messages API produced: an HTTP answer, or none. */
public sealed interface CallOutcome {

  Route route();

  long latencyMs();

  /**
   * An HTTP answer, whatever its status.
   *
   * @param body the parsed JSON body; a {@code MissingNode} when the body was not JSON
   * @param headers response headers, lower-case names, first value each
   */
  record Answered(Route route, int status, JsonNode body, Map<String, String> headers, long latencyMs)
      implements CallOutcome {
    public Answered {
      headers = Map.copyOf(headers);
    }

    public boolean ok() {
      return status >= 200 && status < 300;
    }

    /** {@code error.type} of an error body, or {@code http_<status>} when the body has none. */
    public String errorType() {
      String t = body.path("error").path("type").asText("");
      return t.isEmpty() ? "http_" + status : t;
    }

    /** {@code error.message} of an error body, or a generic text. */
    public String errorMessage() {
      String m = body.path("error").path("message").asText("");
      return m.isEmpty() ? "HTTP " + status + " without an error body" : m;
    }
  }

  /**
   * No HTTP answer: a timeout or a connection failure.
   *
   * @param kind {@code timeout} or {@code connection_error}
   * @param detail a short description, free of secrets
   */
  record NoAnswer(Route route, String kind, String detail, long latencyMs) implements CallOutcome {}
}
