package dev.promptq.testkit.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.util.Iterator;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code POST /v1/messages/count_tokens} as strictly as the API: a known credential, an
 * {@code anthropic-version}, a body with {@code model} and non-empty {@code messages}, and none of
 * the fields a count does not take ({@code max_tokens} among them). Answers
 * {@code {"input_tokens": N}} at once with the same estimate the simulated messages report.
 */
final class SimCountTokens {
  static final String PATH = "/v1/messages/count_tokens";
  private static final Set<String> FIELDS = Set.of("model", "messages", "system", "tools", "tool_choice", "thinking",
      "mcp_servers", "output_config");

  private final ObjectMapper mapper;
  private final SimAuth auth;
  private final AtomicInteger counted = new AtomicInteger();

  SimCountTokens(ObjectMapper mapper, SimAuth auth) {
    this.mapper = mapper;
    this.auth = auth;
  }

  /** How many counts were answered 200. */
  int counted() {
    return counted.get();
  }

  void handle(HttpExchange ex) {
    try (ex) {
      OtherPaths.send(ex, answer(ex));
    } catch (IOException | RuntimeException e) {
      // the client went away
    }
  }

  private SimResponse answer(HttpExchange ex) throws IOException {
    byte[] raw = ex.getRequestBody().readAllBytes();
    if (!ex.getRequestMethod().equals("POST")) {
      return SimResponse.error(405, "invalid_request_error", "Method " + ex.getRequestMethod() + " not allowed");
    }
    if (auth.check(ex.getRequestHeaders()) instanceof SimAuth.Refused refused) {
      return refused.response();
    }
    JsonNode body;
    try {
      body = mapper.readTree(raw);
    } catch (IOException e) {
      return SimResponse.error(400, "invalid_request_error", "There was an error parsing the body of your request as JSON");
    }
    if (body == null || !body.isObject()) {
      return SimResponse.error(400, "invalid_request_error", "Input should be a valid dictionary");
    }
    for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!FIELDS.contains(f)) {
        return SimResponse.error(400, "invalid_request_error", f + ": Extra inputs are not permitted");
      }
    }
    if (!body.path("model").isTextual() || !body.path("messages").isArray() || body.path("messages").isEmpty()) {
      return SimResponse.error(400, "invalid_request_error", "model and messages: Field required");
    }
    counted.incrementAndGet();
    int tokens = Math.max(1, body.get("messages").toString().length() / 4) + body.path("system").toString().length() / 4;
    return new SimResponse(200, java.util.Map.of(), "{\"input_tokens\":" + tokens + "}");
  }
}
