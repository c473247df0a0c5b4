package dev.promptq.testkit.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;

/**
 * One Message Batch on the simulator. Its requests are processed evenly over its processing time,
 * in order: a batch canceled or expired part-way keeps the results of the requests processed by
 * then, and the rest are {@code canceled} or {@code expired}. Results are made when the batch
 * ends, by the same responders as {@code /v1/messages} (so a prompt's {@code [sim:...]} directive
 * makes its request {@code errored}). Guarded by {@link SimBatches}.
 */
final class SimBatch {
  /** One request: its {@code custom_id} and {@code params}. */
  record Request(String customId, ObjectNode params) {}

  private final String id;
  private final List<Request> requests;
  private final Instant created;
  private final Duration processing;
  private final Instant expires;
  private Instant cancelInitiated;
  private Instant ended;
  /** One JSONL line per request once ended, not in request order (as the API gives them). */
  private List<String> results;
  private final int[] counts = new int[4];  // succeeded, errored, canceled, expired

  SimBatch(String id, List<Request> requests, Instant created, Duration processing, Duration expiresAfter) {
    this.id = id;
    this.requests = List.copyOf(requests);
    this.created = created;
    this.processing = processing;
    this.expires = created.plus(expiresAfter);
  }

  String id() {
    return id;
  }

  List<Request> requests() {
    return requests;
  }

  boolean ended(Instant now, Function<Request, ObjectNode> answer, ObjectMapper mapper) {
    advance(now, answer, mapper);
    return ended != null;
  }

  /** Starts canceling: the batch ends now, its unprocessed requests canceled. False when it had ended. */
  boolean cancel(Instant now, Function<Request, ObjectNode> answer, ObjectMapper mapper) {
    advance(now, answer, mapper);
    if (ended != null) {
      return false;
    }
    cancelInitiated = now;
    end(now, "canceled", answer, mapper);
    return true;
  }

  /** The results, one JSON line each; null until the batch has ended. */
  List<String> results() {
    return results;
  }

  /** The batch object as the API answers it. */
  ObjectNode json(ObjectMapper mapper, String baseUrl, Instant now) {
    ObjectNode o = mapper.createObjectNode().put("id", id).put("type", "message_batch");
    // canceling lasts until the next look: an answer to cancel shows it once
    boolean canceling = cancelInitiated != null && now.equals(cancelInitiated);
    o.put("processing_status", ended == null ? "in_progress" : canceling ? "canceling" : "ended");
    ObjectNode c = o.putObject("request_counts");
    c.put("processing", ended == null || canceling ? requests.size() : 0);
    boolean shown = ended != null && !canceling;
    c.put("succeeded", shown ? counts[0] : 0).put("errored", shown ? counts[1] : 0)
        .put("canceled", shown ? counts[2] : 0).put("expired", shown ? counts[3] : 0);
    o.putNull("ended_at");
    o.put("created_at", created.toString()).put("expires_at", expires.toString());
    o.putNull("archived_at");
    o.putNull("cancel_initiated_at");
    o.putNull("results_url");
    if (cancelInitiated != null) {
      o.put("cancel_initiated_at", cancelInitiated.toString());
    }
    if (shown) {
      o.put("ended_at", ended.toString()).put("results_url", baseUrl + SimBatches.PATH + "/" + id + "/results");
    }
    return o;
  }

  /** Ends the batch when its processing time, or its expiry, has passed. */
  private void advance(Instant now, Function<Request, ObjectNode> answer, ObjectMapper mapper) {
    if (ended != null) {
      return;
    }
    Instant done = created.plus(processing);
    if (!done.isAfter(now) && !done.isAfter(expires)) {
      end(done, "expired", answer, mapper);
    } else if (!expires.isAfter(now)) {
      end(expires, "expired", answer, mapper);
    }
  }

  /** Ends at {@code at}: the requests processed by then are answered, the others get {@code rest}. */
  private void end(Instant at, String rest, Function<Request, ObjectNode> answer, ObjectMapper mapper) {
    ended = at;
    double share = processing.isZero() ? 1
        : Math.min(1, (double) Duration.between(created, at).toNanos() / processing.toNanos());
    int processed = (int) Math.floor(requests.size() * share + 1e-9);
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < requests.size(); i++) {
      Request r = requests.get(i);
      ObjectNode line = mapper.createObjectNode().put("custom_id", r.customId());
      ObjectNode result;
      if (i < processed) {
        result = answer.apply(r);
      } else {
        result = mapper.createObjectNode().put("type", rest);
      }
      line.set("result", result);
      counts[index(result.path("type").asText())]++;
      lines.add(line.toString());
    }
    lines.sort(Comparator.comparingInt(String::hashCode));  // not in request order, as the API says
    results = List.copyOf(lines);
  }

  private static int index(String type) {
    return switch (type) {
      case "succeeded" -> 0;
      case "errored" -> 1;
      case "canceled" -> 2;
      default -> 3;
    };
  }

  /** A result of an answer: {@code succeeded} with the message, or {@code errored} with the error body. */
  static ObjectNode result(ObjectMapper mapper, SimResponse r) {
    ObjectNode result = mapper.createObjectNode();
    JsonNode body = null;
    try {
      body = r.disconnect() ? null : mapper.readTree(r.body());
    } catch (java.io.IOException e) {
      // not JSON: an api_error below
    }
    if (body != null && body.isObject() && r.status() == 200) {
      result.put("type", "succeeded").set("message", body);
    } else if (body != null && body.path("error").isObject()) {
      result.put("type", "errored").set("error", body);
    } else {
      ObjectNode error = result.put("type", "errored").putObject("error").put("type", "error");
      error.putObject("error").put("type", "api_error").put("message", "Internal server error");
    }
    return result;
  }
}
