package dev.promptq.job;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** A {@link JobResult} as JSON, both ways: the result records' format ({@link JobCodec} reads and writes the bytes). */
final class ResultJson {
  private ResultJson() {}

  /** Writes {@code r} into the empty {@code node}. */
  static ObjectNode toNode(ObjectNode node, JobResult r) {
    node.put("id", r.id());
    node.put("outcome", r.outcome().wireName());
    node.put("route", r.route() == null ? null : r.route().wireName());
    if (r.message() != null) {
      node.set("message", r.message());
    }
    if (r.error() != null) {
      ObjectNode error = node.putObject("error");
      error.put("type", r.error().type());
      error.put("message", r.error().message());
      error.put("status", r.error().status());
    }
    ArrayNode attempts = node.putArray("attempts");
    for (Attempt a : r.attempts()) {
      ObjectNode an = attempts.addObject();
      an.put("route", a.route().wireName());
      if (!a.transport().equals(Attempt.HTTP)) {
        an.put("transport", a.transport());
      }
      if (!a.lane().equals(Attempt.SYNC)) {
        an.put("lane", a.lane());
      }
      an.put("status", a.status());
      an.put("error_type", a.errorType());
      an.put("latency_ms", a.latencyMs());
      if (a.costUsd() != null) {
        an.put("cost_usd", a.costUsd());
      }
      if (a.cliCostUsd() != null) {
        an.put("cli_cost_usd", a.cliCostUsd());
      }
    }
    if (!r.notes().isEmpty()) {
      ArrayNode notes = node.putArray("notes");
      for (RouteNote n : r.notes()) {
        notes.addObject().put("route", n.route().wireName()).put("reason", n.reason()).put("detail", n.detail());
      }
    }
    if (!r.waits().isEmpty()) {
      ArrayNode waits = node.putArray("waits");
      for (Wait w : r.waits()) {
        waits.addObject().put("reason", w.reason()).put("ms", w.millis());
      }
    }
    node.put("api_cost_usd", r.apiCostUsd());
    if (r.usage() != null) {
      node.set("usage", r.usage());
    }
    if (r.metadata() != null) {
      node.set("metadata", r.metadata());
    }
    node.put("worker_id", r.workerId());
    putInstant(node, "enqueued_at", r.enqueuedAt());
    putInstant(node, "started_at", r.startedAt());
    putInstant(node, "finished_at", r.finishedAt());
    node.put("queue_ms", r.queueTime().toMillis());
    node.put("processing_ms", r.processingTime().toMillis());
    return node;
  }

  /**
   * Reads a result from its JSON.
   *
   * @throws IllegalArgumentException if it is not a result
   */
  static JobResult fromNode(JsonNode n) {
    if (n == null || !n.isObject() || !n.path("id").isTextual() || !n.path("outcome").isTextual()) {
      throw new IllegalArgumentException("not a result: expected an object with id and outcome");
    }
    List<Attempt> attempts = new ArrayList<>();
    for (JsonNode a : n.path("attempts")) {
      attempts.add(new Attempt(
          Route.fromWireName(a.path("route").asText()),
          a.path("status").asInt(),
          a.path("error_type").isTextual() ? a.path("error_type").asText() : null,
          a.path("latency_ms").asLong(),
          a.path("cost_usd").isNumber() ? a.get("cost_usd").asDouble() : null,
          a.path("transport").isTextual() ? a.get("transport").asText() : Attempt.HTTP,
          a.path("cli_cost_usd").isNumber() ? a.get("cli_cost_usd").asDouble() : null,
          a.path("lane").isTextual() ? a.get("lane").asText() : Attempt.SYNC));
    }
    List<RouteNote> notes = new ArrayList<>();
    for (JsonNode rn : n.path("notes")) {
      notes.add(new RouteNote(Route.fromWireName(rn.path("route").asText()), rn.path("reason").asText(),
          rn.path("detail").asText()));
    }
    List<Wait> waits = new ArrayList<>();
    for (JsonNode w : n.path("waits")) {
      waits.add(new Wait(w.path("reason").asText(), w.path("ms").asLong()));
    }
    ApiError error = null;
    if (n.hasNonNull("error")) {
      JsonNode e = n.get("error");
      error = new ApiError(e.path("type").asText(), e.path("message").asText(), e.path("status").asInt());
    }
    return new JobResult(
        n.get("id").asText(),
        Outcome.fromWireName(n.get("outcome").asText()),
        n.path("route").isTextual() ? Route.fromWireName(n.get("route").asText()) : null,
        n.hasNonNull("message") ? n.get("message") : null,
        error,
        attempts,
        n.hasNonNull("usage") ? n.get("usage") : null,
        n.hasNonNull("metadata") ? n.get("metadata") : null,
        n.path("worker_id").isTextual() ? n.get("worker_id").asText() : null,
        instant(n, "enqueued_at"),
        instant(n, "started_at"),
        instant(n, "finished_at"),
        waits,
        notes);
  }

  private static void putInstant(ObjectNode node, String field, Instant instant) {
    if (instant != null) {
      node.put(field, instant.toString());
    }
  }

  private static Instant instant(JsonNode n, String field) {
    return n.path(field).isTextual() ? Instant.parse(n.get(field).asText()) : null;
  }
}
