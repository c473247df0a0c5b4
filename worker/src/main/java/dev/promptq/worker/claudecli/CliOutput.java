package dev.promptq.worker.claudecli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.promptq.job.Attempt;
import dev.promptq.job.JobCodec;
import dev.promptq.job.Route;
import dev.promptq.worker.anthropic.CallOutcome;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

/**
 * Reads what {@code claude -p --output-format stream-json --verbose} prints, one JSON object per
 * line, and turns it into the {@link CallOutcome} the API would have given over HTTP, so the
 * router's failure table applies unchanged:
 *
 * <ul>
 *   <li>{@code result} with {@code is_error: false}: 200 and a Messages-shaped message (the
 *       {@code assistant} lines' content blocks, id and model; the result's stop reason and usage);
 *   <li>{@code is_error: true} with an {@code api_error_status}: that status and an error body
 *       with the CLI's text as the message;
 *   <li>the last {@code rate_limit_event}: the subscription's unified headers (status, reset), so
 *       a spent quota closes the route until its reset;
 *   <li>anything else (no result line, an error without a status): no answer, {@code cli_error}.
 * </ul>
 * Not thread-safe: one per process.
 */
final class CliOutput {
  private static final ObjectMapper MAPPER = JobCodec.newMapper();
  /** Longest CLI text kept in an error message. */
  private static final int MAX_MESSAGE = 500;

  private final ArrayNode content = MAPPER.createArrayNode();
  private String messageId;
  private String model;
  private JsonNode rateLimit;
  private JsonNode result;
  private int unreadable;

  /** Takes one line of the CLI's standard output. */
  void line(String line) {
    if (line.isBlank()) {
      return;
    }
    JsonNode event;
    try {
      event = MAPPER.readTree(line);
    } catch (IOException e) {
      unreadable++;
      return;
    }
    switch (event.path("type").asText()) {
      case "assistant" -> {
        if (event.hasNonNull("error")) {
          return;  // the CLI's synthetic message about a failed call; the result line says it
        }
        JsonNode m = event.path("message");
        messageId = m.path("id").asText(messageId);
        model = m.path("model").asText(model);
        m.path("content").forEach(content::add);
      }
      case "rate_limit_event" -> rateLimit = event.path("rate_limit_info");
      case "result" -> result = event;
      default -> {
        // system/init, api retries: nothing the result needs
      }
    }
  }

  /**
   * What the call produced.
   *
   * @param exitCode the process's exit code
   * @param requestedModel the job's model, for a message whose lines named none
   */
  CallOutcome outcome(Route route, int exitCode, String requestedModel, long latencyMs) {
    if (result == null) {
      return new CallOutcome.NoAnswer(route, "cli_error", "claude exited " + exitCode + " without a result"
          + (unreadable > 0 ? " (" + unreadable + " unreadable lines)" : ""), latencyMs, Attempt.CLAUDE_CLI);
    }
    Double cost = result.path("total_cost_usd").isNumber() ? result.get("total_cost_usd").asDouble() : null;
    boolean error = result.path("is_error").asBoolean(exitCode != 0);
    if (!error && result.path("subtype").asText().equals("success")) {
      return new CallOutcome.Answered(route, 200, message(requestedModel), headers(), latencyMs, Attempt.CLAUDE_CLI,
          cost);
    }
    String text = truncate(result.path("result").asText(result.path("subtype").asText("error")));
    JsonNode status = result.get("api_error_status");
    if (status != null && status.canConvertToInt() && status.asInt() >= 400) {
      ObjectNode body = MAPPER.createObjectNode().put("type", "error");
      body.putObject("error").put("type", errorType(status.asInt())).put("message", text);
      return new CallOutcome.Answered(route, status.asInt(), body, headers(), latencyMs, Attempt.CLAUDE_CLI, cost);
    }
    return new CallOutcome.NoAnswer(route, "cli_error", "Claude Code: " + result.path("subtype").asText() + ": " + text,
        latencyMs, Attempt.CLAUDE_CLI);
  }

  private ObjectNode message(String requestedModel) {
    ObjectNode m = MAPPER.createObjectNode();
    m.put("id", messageId != null ? messageId : "msg_cli_" + result.path("session_id").asText());
    m.put("type", "message");
    m.put("role", "assistant");
    m.put("model", model != null ? model : requestedModel);
    if (content.isEmpty()) {
      m.putArray("content").addObject().put("type", "text").put("text", result.path("result").asText(""));
    } else {
      m.set("content", content);
    }
    m.put("stop_reason", result.path("stop_reason").asText("end_turn"));
    m.putNull("stop_sequence");
    ObjectNode usage = m.putObject("usage");
    JsonNode u = result.path("usage");
    for (String f : new String[] {"input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens",
        "output_tokens"}) {
      usage.put(f, u.path(f).asLong(0));
    }
    return m;
  }

  /** The unified rate-limit headers the last {@code rate_limit_event} stands for. */
  private Map<String, String> headers() {
    Map<String, String> h = new HashMap<>();
    if (rateLimit != null && rateLimit.path("status").isTextual()) {
      h.put("anthropic-ratelimit-unified-status", rateLimit.get("status").asText());
      if (rateLimit.path("resetsAt").canConvertToLong()) {
        h.put("anthropic-ratelimit-unified-reset", Long.toString(rateLimit.get("resetsAt").asLong()));
      }
      if (rateLimit.path("utilization").isNumber()) {
        h.put("anthropic-ratelimit-unified-5h-utilization", rateLimit.get("utilization").asText());
      }
    }
    return h;
  }

  /** The API's error type for a status, as the API names it. */
  static String errorType(int status) {
    return switch (status) {
      case 400 -> "invalid_request_error";
      case 401 -> "authentication_error";
      case 402 -> "billing_error";
      case 403 -> "permission_error";
      case 404 -> "not_found_error";
      case 413 -> "request_too_large";
      case 429 -> "rate_limit_error";
      case 529 -> "overloaded_error";
      default -> status >= 500 ? "api_error" : "http_" + status;
    };
  }

  private static String truncate(String s) {
    return s.length() <= MAX_MESSAGE ? s : s.substring(0, MAX_MESSAGE) + "...";
  }
}
