package dev.promptq.job;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Optional;
import java.util.Set;

/**
 * The fields every Messages API request needs, checked before a job is run, so that a request the
 * API would refuse never costs a call: {@code model} (a non-empty string), {@code max_tokens} (a
 * positive integer) and {@code messages} (a non-empty array of {@code {role, content}} objects,
 * role {@code user} or {@code assistant}, content a string or an array). Everything else passes
 * through untouched for the API to judge.
 */
public final class RequestShape {
  private static final Set<String> ROLES = Set.of("user", "assistant");

  private RequestShape() {}

  /** What is wrong with {@code request}, or empty if it has the required shape. */
  public static Optional<String> problem(JsonNode request) {
    return problem(request, Endpoint.MESSAGES);
  }

  /**
   * As {@link #problem(JsonNode)} for {@code endpoint}: a token count has no {@code max_tokens}
   * (the API refuses one).
   */
  public static Optional<String> problem(JsonNode request, Endpoint endpoint) {
    if (request == null || !request.isObject()) {
      return Optional.of("request must be a JSON object (a Messages API body)");
    }
    JsonNode model = request.get("model");
    if (model == null || !model.isTextual() || model.textValue().isBlank()) {
      return Optional.of("request.model must be a non-empty string");
    }
    JsonNode maxTokens = request.get("max_tokens");
    if (endpoint == Endpoint.COUNT_TOKENS) {
      if (maxTokens != null) {
        return Optional.of("request.max_tokens: a token count takes none");
      }
    } else if (maxTokens == null || !maxTokens.isIntegralNumber() || !maxTokens.canConvertToLong() || maxTokens.asLong() < 1) {
      return Optional.of("request.max_tokens must be a positive integer");
    }
    JsonNode messages = request.get("messages");
    if (messages == null || !messages.isArray() || messages.isEmpty()) {
      return Optional.of("request.messages must be a non-empty array");
    }
    for (int i = 0; i < messages.size(); i++) {
      JsonNode m = messages.get(i);
      if (!m.isObject()) {
        return Optional.of("request.messages." + i + " must be an object");
      }
      JsonNode role = m.get("role");
      if (role == null || !role.isTextual() || !ROLES.contains(role.textValue())) {
        return Optional.of("request.messages." + i + ".role must be \"user\" or \"assistant\"");
      }
      JsonNode content = m.get("content");
      if (content == null || !(content.isTextual() || content.isArray())) {
        return Optional.of("request.messages." + i + ".content must be a string or an array");
      }
    }
    return Optional.empty();
  }
}
