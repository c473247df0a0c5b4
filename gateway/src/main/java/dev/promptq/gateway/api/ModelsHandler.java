package dev.promptq.gateway.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /v1/models} and {@code GET /v1/models/<id>}, from configuration
 * ({@code gateway.models}): the gateway does not ask the API. {@code created_at} is the day the
 * shipped price table was checked, the only date the gateway knows of a model; the model's limits
 * and capabilities are null, which the API's schema allows.
 */
final class ModelsHandler implements HttpHandler {
  private final Callers callers;
  private final List<String> models;
  private final String knownSince;

  ModelsHandler(Callers callers, List<String> models, String knownSince) {
    this.callers = callers;
    this.models = models;
    this.knownSince = knownSince;
  }

  @Override
  public void handle(HttpExchange ex) throws IOException {
    String requestId = "req_models";
    try {
      if (!ex.getRequestMethod().equals("GET")) {
        throw new RequestBody.Refused(405, "invalid_request_error", ex.getRequestMethod() + " is not allowed here");
      }
      callers.authenticate(ex);
      ex.getRequestBody().readAllBytes();
      String path = ex.getRequestURI().getPath();
      if (path.equals("/v1/models") || path.equals("/v1/models/")) {
        ObjectNode page = JsonNodeFactory.instance.objectNode();
        ArrayNode data = page.putArray("data");
        models.forEach(m -> data.add(model(m)));
        page.put("has_more", false);
        page.put("first_id", models.isEmpty() ? null : models.get(0));
        page.put("last_id", models.isEmpty() ? null : models.get(models.size() - 1));
        Answers.json(ex, requestId, 200, page, Map.of());
        return;
      }
      String id = path.substring("/v1/models/".length());
      if (!models.contains(id)) {
        throw new RequestBody.Refused(404, "not_found_error", "model: " + id);
      }
      Answers.json(ex, requestId, 200, model(id), Map.of());
    } catch (RequestBody.Refused r) {
      Answers.error(ex, requestId, r.status, r.type, r.getMessage(), 0);
    }
  }

  private ObjectNode model(String id) {
    ObjectNode m = JsonNodeFactory.instance.objectNode().put("type", "model").put("id", id)
        .put("display_name", display(id)).put("created_at", knownSince + "T00:00:00Z").put("lifecycle", "active");
    for (String unknown : List.of("capabilities", "deprecated_at", "retires_at", "line", "max_input_tokens",
        "max_tokens")) {
      m.putNull(unknown); // the API's fields the gateway cannot know
    }
    return m;
  }

  /** {@code claude-opus-4-6} → {@code Claude Opus 4.6}. */
  static String display(String id) {
    StringBuilder out = new StringBuilder();
    String[] parts = id.split("-");
    for (int i = 0; i < parts.length; i++) {
      String p = parts[i];
      boolean number = !p.isEmpty() && p.chars().allMatch(Character::isDigit);
      if (number && i > 0 && out.length() > 0 && Character.isDigit(out.charAt(out.length() - 1))) {
        out.append('.').append(p);
      } else {
        out.append(out.length() == 0 ? "" : " ").append(p.isEmpty() ? p : Character.toUpperCase(p.charAt(0)) + p.substring(1));
      }
    }
    return out.toString();
  }
}
