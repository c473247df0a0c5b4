package dev.promptq.worker.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import dev.promptq.job.Attempt;
import dev.promptq.job.Route;
import java.util.Map;

/** What one call to the Messages API produced: an HTTP answer, or none. */
public sealed interface CallOutcome {

  /** The kind of a {@link NoAnswer} whose request never left: no connection could be made. */
  String UNREACHABLE = "unreachable";

  Route route();

  long latencyMs();

  /** The transport that made the call: {@code http} or {@code claude_cli}. */
  String transport();

  /**
   * An HTTP answer, whatever its status.
   *
   * @param body the parsed JSON body; a {@code MissingNode} when the body was not JSON
   * @param headers response headers, lower-case names, first value each
   * @param cliCostUsd Claude Code's estimate of the call at list prices; null for http
   */
  record Answered(Route route, int status, JsonNode body, Map<String, String> headers, long latencyMs,
      String transport, Double cliCostUsd) implements CallOutcome {
    public Answered {
      headers = Map.copyOf(headers);
    }

    /** An http answer. */
    public Answered(Route route, int status, JsonNode body, Map<String, String> headers, long latencyMs) {
      this(route, status, body, headers, latencyMs, Attempt.HTTP, null);
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
   * @param kind {@code unreachable} (no connection: the request was never sent), {@code timeout},
   *     {@code connection_error}, or {@code cli_error} (Claude Code failed without an API status)
   * @param detail a short description, free of secrets
   */
  record NoAnswer(Route route, String kind, String detail, long latencyMs, String transport) implements CallOutcome {
    /** No http answer. */
    public NoAnswer(Route route, String kind, String detail, long latencyMs) {
      this(route, kind, detail, latencyMs, Attempt.HTTP);
    }
  }
}
