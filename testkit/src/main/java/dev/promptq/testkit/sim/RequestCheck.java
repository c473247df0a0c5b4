package dev.promptq.testkit.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.Optional;
import java.util.Set;

/**
 * The Messages API's checks on a request body, as strict as the real API where promptq can tell:
 * required fields, types, and no unknown top-level fields. Stateless.
 */
final class RequestCheck {

  /** Top-level fields the Messages API accepts. */
  static final Set<String> KNOWN_FIELDS = Set.of(
      "model", "messages", "max_tokens", "system", "metadata", "stop_sequences", "stream",
      "temperature", "top_k", "top_p", "tools", "tool_choice", "thinking", "service_tier",
      "container", "mcp_servers", "context_management", "output_config");

  private RequestCheck() {}

  /** The error answer for {@code body}, or empty when it is a valid Messages request. */
  static Optional<SimResponse> check(ObjectNode body) {
    Iterator<String> names = body.fieldNames();
    while (names.hasNext()) {
      String name = names.next();
      if (!KNOWN_FIELDS.contains(name)) {
        return invalid(name + ": Extra inputs are not permitted");
      }
    }
    JsonNode model = body.get("model");
    if (model == null) {
      return invalid("model: Field required");
    }
    if (!model.isTextual() || model.asText().isBlank()) {
      return invalid("model: Input should be a valid string");
    }
    JsonNode maxTokens = body.get("max_tokens");
    if (maxTokens == null) {
      return invalid("max_tokens: Field required");
    }
    if (!maxTokens.isIntegralNumber() || maxTokens.asLong() < 1) {
      return invalid("max_tokens: Input should be a valid integer greater than or equal to 1");
    }
    JsonNode messages = body.get("messages");
    if (messages == null) {
      return invalid("messages: Field required");
    }
    if (!messages.isArray()) {
      return invalid("messages: Input should be a valid list");
    }
    if (messages.isEmpty()) {
      return invalid("messages: at least one message is required");
    }
    int i = 0;
    for (JsonNode m : messages) {
      String at = "messages." + i;
      if (!m.isObject()) {
        return invalid(at + ": Input should be a valid dictionary");
      }
      JsonNode role = m.get("role");
      if (role == null || !role.isTextual() || !(role.asText().equals("user") || role.asText().equals("assistant"))) {
        return invalid(at + ".role: Input should be 'user' or 'assistant'");
      }
      JsonNode content = m.get("content");
      if (content == null) {
        return invalid(at + ".content: Field required");
      }
      if (!content.isTextual() && !content.isArray()) {
        return invalid(at + ".content: Input should be a valid string or list of content blocks");
      }
      if (content.isArray()) {
        int j = 0;
        for (JsonNode block : content) {
          if (!block.isObject() || !block.path("type").isTextual()) {
            return invalid(at + ".content." + j + ": each content block needs a type");
          }
          j++;
        }
      }
      i++;
    }
    if (!messages.get(0).path("role").asText().equals("user")) {
      return invalid("messages: first message must use the \"user\" role");
    }
    JsonNode system = body.get("system");
    if (system != null && !system.isTextual() && !system.isArray()) {
      return invalid("system: Input should be a valid string or list of text blocks");
    }
    JsonNode stream = body.get("stream");
    if (stream != null && !stream.isBoolean()) {
      return invalid("stream: Input should be a valid boolean");
    }
    return Optional.empty();
  }

  private static Optional<SimResponse> invalid(String message) {
    return Optional.of(SimResponse.error(400, "invalid_request_error", message));
  }
}
