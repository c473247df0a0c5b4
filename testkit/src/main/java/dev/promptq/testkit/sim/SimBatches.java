package dev.promptq.testkit.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import dev.promptq.http.QueryString;
import dev.promptq.http.Responses;
import dev.promptq.job.Route;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The Message Batches API on the simulator, as strict as the real one: create (at most 100,000
 * requests and 256 MB, {@code custom_id} of 1-64 {@code [a-zA-Z0-9_-]} and unique in the batch,
 * each {@code params} checked as {@code /v1/messages} checks a body), retrieve, list (newest
 * first; {@code limit}, {@code before_id}, {@code after_id}), cancel, results (JSONL, once ended)
 * and delete (once ended). API keys only. A batch ends after the configured processing time, or
 * at its expiry (24 hours unless configured) with what was not processed {@code expired}.
 * Thread-safe.
 */
final class SimBatches {
  static final String PATH = "/v1/messages/batches";
  static final int MAX_REQUESTS = 100_000;
  static final long MAX_BYTES = 256L * 1024 * 1024;
  private static final Pattern CUSTOM_ID = Pattern.compile("[a-zA-Z0-9_-]{1,64}");
  private static final Pattern ONE = Pattern.compile(Pattern.quote(PATH) + "/([^/]+)(/cancel|/results)?");

  private final ObjectMapper mapper;
  private final SimAuth auth;
  private final Clock clock;
  private final RouteLimits.Respond respond;
  private final Duration expiresAfter;
  private final Duration processing;
  /** Every batch not deleted, oldest first. */
  private final LinkedHashMap<String, SimBatch> batches = new LinkedHashMap<>();
  /** custom_id -> how many batches were created with it. */
  private final Map<String, Integer> submissions = new HashMap<>();
  private long created;

  SimBatches(ObjectMapper mapper, SimAuth auth, Clock clock, RouteLimits.Respond respond, Duration processing,
      Duration expiresAfter) {
    this.mapper = mapper;
    this.auth = auth;
    this.clock = clock;
    this.respond = respond;
    this.processing = processing;
    this.expiresAfter = expiresAfter;
  }

  /** custom_id -> how many batches it was submitted in. */
  synchronized Map<String, Integer> submissions() {
    return Map.copyOf(submissions);
  }

  /** Answers one request under {@link #PATH}. */
  void handle(HttpExchange ex, String baseUrl) {
    try (ex) {
      byte[] raw = ex.getRequestBody().readAllBytes();
      Object answer = answer(ex, raw, baseUrl);
      if (answer instanceof SimResponse r) {
        Responses.send(ex, r.status(), "application/json", r.body().getBytes(StandardCharsets.UTF_8), r.headers());
      } else {
        Responses.send(ex, 200, "application/x-jsonl", String.join("\n", ((Results) answer).lines()).concat("\n")
            .getBytes(StandardCharsets.UTF_8), Map.of());
      }
    } catch (IOException e) {
      // the client went away
    }
  }

  private record Results(List<String> lines) {}

  private Object answer(HttpExchange ex, byte[] raw, String baseUrl) {
    String method = ex.getRequestMethod();
    SimAuth.Checked checked = auth.check(ex.getRequestHeaders(), raw.length > 0);
    if (checked instanceof SimAuth.Refused refused) {
      return refused.response();
    }
    if (((SimAuth.Accepted) checked).route() != Route.API) {
      return SimResponse.error(401, "authentication_error", "Message Batches take an API key (x-api-key)");
    }
    String path = ex.getRequestURI().getPath();
    if (path.equals(PATH) || path.equals(PATH + "/")) {
      return switch (method) {
        case "POST" -> create(raw, baseUrl);
        case "GET" -> list(QueryString.parse(ex.getRequestURI().getRawQuery()), baseUrl);
        default -> notAllowed(method);
      };
    }
    var m = ONE.matcher(path);
    if (!m.matches()) {
      return SimResponse.error(404, "not_found_error", "Not found: " + path);
    }
    String id = m.group(1);
    String action = m.group(2) == null ? "" : m.group(2);
    synchronized (this) {
      SimBatch b = batches.get(id);
      if (b == null) {
        return SimResponse.error(404, "not_found_error", "message_batch " + id + " not found");
      }
      boolean ended = b.ended(clock.instant(), this::answer, mapper);
      return switch (method + " " + action) {
        case "GET " -> ok(b.json(mapper, baseUrl, clock.instant()));
        case "POST /cancel" -> {
          b.cancel(clock.instant(), this::answer, mapper);
          yield ok(b.json(mapper, baseUrl, clock.instant()));
        }
        case "GET /results" -> ended ? new Results(b.results())
            : SimResponse.error(400, "invalid_request_error", "message_batch " + id
                + " is still in_progress: results are available once processing_status is ended");
        case "DELETE " -> {
          if (!ended) {
            yield SimResponse.error(400, "invalid_request_error", "message_batch " + id
                + " is still in_progress: cancel it, or wait for it to end, before deleting it");
          }
          batches.remove(id);
          yield ok(mapper.createObjectNode().put("id", id).put("type", "message_batch_deleted"));
        }
        default -> notAllowed(method);
      };
    }
  }

  private SimResponse create(byte[] raw, String baseUrl) {
    if (raw.length > MAX_BYTES) {
      return SimResponse.error(413, "request_too_large", "Request exceeds the maximum allowed number of bytes ("
          + MAX_BYTES + ")");
    }
    JsonNode body;
    try {
      body = mapper.readTree(raw);
    } catch (IOException e) {
      return invalid("There was an error parsing the body of your request as JSON");
    }
    if (body == null || !body.isObject()) {
      return invalid("Input should be a valid dictionary");
    }
    for (var it = body.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!f.equals("requests")) {
        return invalid(f + ": Extra inputs are not permitted");
      }
    }
    JsonNode requests = body.get("requests");
    if (requests == null || !requests.isArray()) {
      return invalid("requests: Field required (a list)");
    }
    if (requests.isEmpty() || requests.size() > MAX_REQUESTS) {
      return invalid("requests: a batch holds 1 to " + MAX_REQUESTS + " requests, not " + requests.size());
    }
    List<SimBatch.Request> list = new ArrayList<>();
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < requests.size(); i++) {
      JsonNode r = requests.get(i);
      Optional<String> problem = problem(r, ids);
      if (problem.isPresent()) {
        return invalid("requests." + i + "." + problem.get());
      }
      list.add(new SimBatch.Request(r.get("custom_id").asText(), (ObjectNode) r.get("params")));
    }
    synchronized (this) {
      String id = String.format("msgbatch_sim%014d", ++created);
      SimBatch b = new SimBatch(id, list, clock.instant(), processing, expiresAfter);
      batches.put(id, b);
      list.forEach(r -> submissions.merge(r.customId(), 1, Integer::sum));
      return ok(b.json(mapper, baseUrl, clock.instant()));
    }
  }

  /** What is wrong with one request of a new batch, or empty. */
  private Optional<String> problem(JsonNode r, Set<String> ids) {
    if (!r.isObject()) {
      return Optional.of("Input should be a valid dictionary");
    }
    for (var it = r.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!f.equals("custom_id") && !f.equals("params")) {
        return Optional.of(f + ": Extra inputs are not permitted");
      }
    }
    JsonNode id = r.get("custom_id");
    if (id == null || !id.isTextual() || !CUSTOM_ID.matcher(id.asText()).matches()) {
      return Optional.of("custom_id: String should match pattern '^[a-zA-Z0-9_-]{1,64}$'");
    }
    if (!ids.add(id.asText())) {
      return Optional.of("custom_id: " + id.asText() + " is used more than once in this batch");
    }
    JsonNode params = r.get("params");
    if (params == null || !params.isObject()) {
      return Optional.of("params: Field required");
    }
    return RequestCheck.check((ObjectNode) params).map(bad -> "params." + errorMessage(bad));
  }

  private String errorMessage(SimResponse r) {
    try {
      return mapper.readTree(r.body()).path("error").path("message").asText();
    } catch (IOException e) {
      return r.body();
    }
  }

  private synchronized SimResponse list(Map<String, String> q, String baseUrl) {
    int limit;
    try {
      limit = Integer.parseInt(q.getOrDefault("limit", "20"));
    } catch (NumberFormatException e) {
      return invalid("limit: Input should be a valid integer");
    }
    if (limit < 1 || limit > 1000) {
      return invalid("limit: Input should be between 1 and 1000");
    }
    List<SimBatch> newestFirst = new ArrayList<>(batches.values());
    java.util.Collections.reverse(newestFirst);
    int from = 0;
    int to = newestFirst.size();
    if (q.containsKey("after_id") || q.containsKey("before_id")) {
      String cursor = q.containsKey("after_id") ? q.get("after_id") : q.get("before_id");
      int at = newestFirst.indexOf(batches.get(cursor));
      if (at < 0) {
        return SimResponse.error(404, "not_found_error", "message_batch " + cursor + " not found");
      }
      if (q.containsKey("after_id")) {
        from = at + 1;
      } else {
        to = at;
        from = Math.max(0, to - limit);
      }
    }
    List<SimBatch> page = newestFirst.subList(from, Math.min(to, from + limit));
    boolean more = q.containsKey("before_id") && !q.containsKey("after_id") ? from > 0 : from + page.size() < to;
    ObjectNode o = mapper.createObjectNode();
    ArrayNode data = o.putArray("data");
    for (SimBatch b : page) {
      b.ended(clock.instant(), this::answer, mapper);
      data.add(b.json(mapper, baseUrl, clock.instant()));
    }
    o.put("has_more", more);
    if (page.isEmpty()) {
      o.putNull("first_id").putNull("last_id");
    } else {
      o.put("first_id", page.get(0).id()).put("last_id", page.get(page.size() - 1).id());
    }
    return ok(o);
  }

  /** A processed request's result, answered as {@code /v1/messages} would answer its params. */
  private ObjectNode answer(SimBatch.Request r) {
    try {
      return SimBatch.result(mapper, respond.to(new SimRequest(Route.API, "batch", Map.of(), r.params())));
    } catch (IOException e) {
      return SimBatch.result(mapper, SimResponse.error(500, "api_error", "Internal server error"));
    }
  }

  private SimResponse ok(ObjectNode o) {
    return new SimResponse(200, Map.of(), o.toString());
  }

  private static SimResponse invalid(String message) {
    return SimResponse.error(400, "invalid_request_error", message);
  }

  private static SimResponse notAllowed(String method) {
    return SimResponse.error(405, "invalid_request_error", "Method " + method + " not allowed");
  }

}
