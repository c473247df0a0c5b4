package dev.promptq.gateway.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import dev.promptq.gateway.batches.BatchLedger;
import dev.promptq.gateway.batches.BatchStore;
import dev.promptq.gateway.batches.GatewayBatch;
import dev.promptq.gateway.keys.KeyLimits;
import dev.promptq.gateway.keys.PromptqKey;
import dev.promptq.http.QueryString;
import dev.promptq.job.Job;
import dev.promptq.job.JobCodec;
import dev.promptq.job.JobResult;
import dev.promptq.job.Outcome;
import dev.promptq.job.RequestShape;
import dev.promptq.job.RoutePolicy;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Message Batches API, {@code /v1/messages/batches}: create, list, retrieve, cancel, results
 * (JSONL) and delete, answered from Kafka by any gateway instance. A key sees only its own batches.
 * Its requests are served like any job: subscription first, by the key's default policy.
 */
final class BatchesHandler {
  static final String PATH = "/v1/messages/batches";
  private static final Pattern ONE = Pattern.compile(Pattern.quote(PATH) + "/([A-Za-z0-9_]+)(/cancel|/results)?/?");
  private static final Pattern CUSTOM_ID = Pattern.compile("[a-zA-Z0-9_-]{1,64}");

  private final ApiSettings settings;
  private final Callers callers;
  private final KeyLimits limits;
  private final BatchStore store;
  private final Clock clock;
  private final RequestBody bodies;
  private final JobCodec codec;

  BatchesHandler(ApiSettings settings, Callers callers, KeyLimits limits, BatchStore store, Clock clock) {
    this.settings = settings;
    this.callers = callers;
    this.limits = limits;
    this.store = store;
    this.clock = clock;
    this.bodies = new RequestBody(settings.batchMaxBytes(), settings.jobLimits().maxDepth());
    this.codec = new JobCodec(settings.jobLimits());
  }

  void handle(HttpExchange ex) throws IOException {
    String requestId = "req_batches";
    try {
      PromptqKey key = callers.authenticate(ex);
      callers.checkVersion(ex);
      String path = ex.getRequestURI().getPath();
      String method = ex.getRequestMethod();
      if (path.equals(PATH) || path.equals(PATH + "/")) {
        switch (method) {
          case "POST" -> create(ex, requestId, key);
          case "GET" -> list(ex, requestId, key);
          default -> throw notAllowed(method);
        }
        return;
      }
      Matcher m = ONE.matcher(path);
      if (!m.matches()) {
        throw new RequestBody.Refused(404, "not_found_error", "not found: " + path);
      }
      ex.getRequestBody().readAllBytes();
      String action = m.group(2) == null ? "" : m.group(2);
      GatewayBatch batch = store.ledger().batch(m.group(1)).filter(b -> b.keyId().equals(key.id()))
          .orElseThrow(() -> new RequestBody.Refused(404, "not_found_error", "message_batch " + m.group(1) + " not found"));
      switch (method + " " + action) {
        case "GET " -> Answers.json(ex, requestId, 200, json(ex, view(batch)), Map.of());
        case "POST /cancel" -> {
          GatewayBatch canceled = view(batch).ended() ? batch : store.cancel(batch);
          Answers.json(ex, requestId, 200, json(ex, view(canceled)), Map.of());
        }
        case "GET /results" -> results(ex, requestId, batch);
        case "DELETE " -> {
          if (!view(batch).ended()) {
            throw new RequestBody.Refused(400, "invalid_request_error", "message_batch " + batch.id()
                + " is still " + view(batch).status() + ": cancel it, or wait for it to end, before deleting it");
          }
          store.delete(batch);
          Answers.json(ex, requestId, 200, JsonNodeFactory.instance.objectNode().put("id", batch.id())
              .put("type", "message_batch_deleted"), Map.of());
        }
        default -> throw notAllowed(method);
      }
    } catch (RequestBody.Refused r) {
      Answers.error(ex, requestId, r.status, r.type, r.getMessage(), 0);
    } catch (IllegalStateException e) {
      Answers.error(ex, requestId, 529, "overloaded_error", "promptq could not store the batch; try again", 5);
    }
  }

  private BatchLedger.View view(GatewayBatch b) {
    return store.ledger().view(b.id(), clock.instant()).orElseThrow();
  }

  private void create(HttpExchange ex, String requestId, PromptqKey key) throws RequestBody.Refused, IOException {
    ObjectNode body = bodies.read(ex);
    for (var it = body.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!f.equals("requests")) {
        throw invalid(f + ": Extra inputs are not permitted");
      }
    }
    JsonNode requests = body.get("requests");
    if (requests == null || !requests.isArray()) {
      throw invalid("requests: Field required (a list)");
    }
    if (requests.isEmpty() || requests.size() > settings.batchMaxRequests()) {
      throw invalid("requests: a batch holds 1 to " + settings.batchMaxRequests() + " requests, not " + requests.size());
    }
    RoutePolicy policy = MessagesHandler.policyOf(ex, key, true);
    List<String> betas = Callers.betas(ex);
    List<BatchStore.Request> list = new ArrayList<>();
    Set<String> ids = new HashSet<>();
    Set<String> models = new HashSet<>();
    for (int i = 0; i < requests.size(); i++) {
      JsonNode r = requests.get(i);
      String problem = problem(r, ids);
      if (problem != null) {
        throw invalid("requests." + i + "." + problem);
      }
      ObjectNode params = (ObjectNode) r.get("params");
      if (codec.encodeJob(Job.of("size-check", params)).length > settings.jobLimits().maxJobBytes()) {
        throw new RequestBody.Refused(413, "request_too_large", "requests." + i + ": exceeds "
            + settings.jobLimits().maxJobBytes() + " bytes as a job (job.max.bytes)");
      }
      models.add(params.path("model").asText());
      list.add(new BatchStore.Request(r.get("custom_id").asText(), params));
    }
    for (String model : models) {
      Optional<KeyLimits.Refusal> refused = limits.check(key, policy, model);
      if (refused.isPresent()) {
        KeyLimits.Refusal no = refused.get();
        Answers.error(ex, requestId, no.status(), no.type(), no.message(), no.retryAfterSeconds());
        return;
      }
    }
    GatewayBatch b = store.create(key.id(), key.name(), policy, betas, list);
    Answers.json(ex, requestId, 200, json(ex, view(b)), Map.of());
  }

  private static String problem(JsonNode r, Set<String> ids) {
    if (!r.isObject()) {
      return "Input should be a valid dictionary";
    }
    for (var it = r.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!f.equals("custom_id") && !f.equals("params")) {
        return f + ": Extra inputs are not permitted";
      }
    }
    JsonNode id = r.get("custom_id");
    if (id == null || !id.isTextual() || !CUSTOM_ID.matcher(id.asText()).matches()) {
      return "custom_id: String should match pattern '^[a-zA-Z0-9_-]{1,64}$'";
    }
    if (!ids.add(id.asText())) {
      return "custom_id: " + id.asText() + " is used more than once in this batch";
    }
    JsonNode params = r.get("params");
    if (params == null || !params.isObject()) {
      return "params: Field required";
    }
    if (params.path("stream").asBoolean(false)) {
      return "params.stream: a batch's requests cannot stream";
    }
    return RequestShape.problem(params).map(p -> "params: " + p).orElse(null);
  }

  private void list(HttpExchange ex, String requestId, PromptqKey key) throws RequestBody.Refused, IOException {
    ex.getRequestBody().readAllBytes();
    Map<String, String> q = QueryString.parse(ex.getRequestURI().getRawQuery());
    int limit;
    try {
      limit = Integer.parseInt(q.getOrDefault("limit", "20"));
    } catch (NumberFormatException e) {
      throw invalid("limit: Input should be a valid integer");
    }
    if (limit < 1 || limit > 1000) {
      throw invalid("limit: Input should be between 1 and 1000");
    }
    List<BatchLedger.View> newestFirst = store.ledger().list(key.id(), clock.instant());
    int from = 0;
    int to = newestFirst.size();
    String cursor = q.containsKey("after_id") ? q.get("after_id") : q.get("before_id");
    if (cursor != null) {
      int at = -1;
      for (int i = 0; i < newestFirst.size(); i++) {
        if (newestFirst.get(i).batch().id().equals(cursor)) {
          at = i;
        }
      }
      if (at < 0) {
        throw new RequestBody.Refused(404, "not_found_error", "message_batch " + cursor + " not found");
      }
      if (q.containsKey("after_id")) {
        from = at + 1;
      } else {
        to = at;
        from = Math.max(0, to - limit);
      }
    }
    List<BatchLedger.View> page = newestFirst.subList(from, Math.min(to, from + limit));
    boolean more = q.containsKey("before_id") && !q.containsKey("after_id") ? from > 0 : from + page.size() < to;
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    ArrayNode data = o.putArray("data");
    page.forEach(v -> data.add(json(ex, v)));
    o.put("has_more", more);
    o.put("first_id", page.isEmpty() ? null : page.get(0).batch().id());
    o.put("last_id", page.isEmpty() ? null : page.get(page.size() - 1).batch().id());
    Answers.json(ex, requestId, 200, o, Map.of());
  }

  private void results(HttpExchange ex, String requestId, GatewayBatch batch) throws RequestBody.Refused, IOException {
    BatchLedger.View v = view(batch);
    if (!v.ended()) {
      throw invalid("message_batch " + batch.id() + " is still " + v.status()
          + ": results are available once processing_status is ended");
    }
    try (ex) {
      ex.getResponseHeaders().set("content-type", "application/binary");
      ex.getResponseHeaders().set("request-id", requestId);
      ex.sendResponseHeaders(200, 0);
      try (OutputStream out = ex.getResponseBody()) {
        store.results(batch, line -> {
          try {
            out.write(resultLine(line).toString().getBytes(StandardCharsets.UTF_8));
            out.write('\n');
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        });
      } catch (UncheckedIOException e) {
        // the caller went away while reading
      }
    }
  }

  /** One line of a batch's results, in the API's shape. */
  static ObjectNode resultLine(BatchStore.Line line) {
    ObjectNode o = JsonNodeFactory.instance.objectNode().put("custom_id", line.customId());
    ObjectNode result = o.putObject("result");
    JobResult r = line.result();
    if (r == null || r.outcome() == Outcome.EXPIRED) {
      result.put("type", "expired");
    } else if (r.outcome() == Outcome.CANCELED) {
      result.put("type", "canceled");
    } else if (r.succeeded() && r.message() != null) {
      result.put("type", "succeeded").set("message", r.message());
    } else {
      ResultAnswer a = ResultAnswer.of(r);
      result.put("type", "errored").set("error", Answers.errorBody(a.errorType(), a.message(), "req_" + r.id()));
    }
    return o;
  }

  private ObjectNode json(HttpExchange ex, BatchLedger.View v) {
    GatewayBatch b = v.batch();
    ObjectNode o = JsonNodeFactory.instance.objectNode().put("id", b.id()).put("type", "message_batch")
        .put("processing_status", v.status());
    o.putObject("request_counts").put("processing", v.processing()).put("succeeded", v.succeeded())
        .put("errored", v.errored()).put("canceled", v.canceled()).put("expired", v.expired());
    o.put("ended_at", text(v.endedAt()));
    o.put("created_at", b.createdAt().toString()).put("expires_at", b.expiresAt().toString());
    o.putNull("archived_at");
    o.put("cancel_initiated_at", text(b.cancelInitiatedAt()));
    String host = ex.getRequestHeaders().getFirst("host");
    String scheme = ex instanceof com.sun.net.httpserver.HttpsExchange ? "https://" : "http://";
    o.put("results_url", v.ended() && host != null ? scheme + host + PATH + "/" + b.id() + "/results" : null);
    return o;
  }

  private static String text(Instant i) {
    return i == null ? null : i.toString();
  }

  private static RequestBody.Refused invalid(String message) {
    return new RequestBody.Refused(400, "invalid_request_error", message);
  }

  private static RequestBody.Refused notAllowed(String method) {
    return new RequestBody.Refused(405, "invalid_request_error", method + " is not allowed here");
  }
}
