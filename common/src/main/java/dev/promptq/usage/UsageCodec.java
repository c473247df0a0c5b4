package dev.promptq.usage;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@link UsageRecord}s as JSON bytes, both ways. A record this codec cannot read is reported, not
 * guessed at: the usage topic is written by workers, but anyone with write access could add to it.
 * Thread-safe.
 */
public final class UsageCodec {
  private final ObjectMapper mapper;

  public UsageCodec(ObjectMapper mapper) {
    this.mapper = mapper;
  }

  public byte[] encode(UsageRecord r) {
    ObjectNode n = mapper.createObjectNode();
    n.put("id", r.id());
    n.put("finished_at", r.finishedAt().toString());
    n.put("outcome", r.outcome());
    n.put("route", r.route());
    n.put("transport", r.transport());
    n.put("lane", r.lane());
    n.put("model", r.model());
    ObjectNode u = n.putObject("tokens");
    Tokens t = r.tokens();
    u.put("input", t.input());
    u.put("output", t.output());
    u.put("cache_write_5m", t.cacheWrite5m());
    u.put("cache_write_1h", t.cacheWrite1h());
    u.put("cache_read", t.cacheRead());
    n.put("api_cost_usd", r.apiCostUsd());
    if (r.cliCostUsd() != null) {
      n.put("cli_cost_usd", r.cliCostUsd());
    }
    if (r.batch() != null) {
      n.put("batch", r.batch());
    }
    n.put("worker_id", r.workerId());
    if (!r.windows().isEmpty()) {
      ObjectNode w = n.putObject("windows");
      r.windows().forEach(w::put);
    }
    try {
      return mapper.writeValueAsBytes(n);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot encode a usage record", e);
    }
  }

  /**
   * Reads a record.
   *
   * @throws IllegalArgumentException when the bytes are not a usage record
   */
  public UsageRecord decode(byte[] bytes) {
    JsonNode n;
    try {
      n = bytes == null ? null : mapper.readTree(bytes);
    } catch (IOException e) {
      throw new IllegalArgumentException("not JSON");
    }
    if (n == null || !n.isObject() || !n.path("id").isTextual() || !n.path("finished_at").isTextual()
        || !n.path("outcome").isTextual()) {
      throw new IllegalArgumentException("not a usage record: expected an object with id, finished_at and outcome");
    }
    JsonNode t = n.path("tokens");
    Map<String, Double> windows = new LinkedHashMap<>();
    n.path("windows").fields().forEachRemaining(e -> {
      if (e.getValue().isNumber()) {
        windows.put(e.getKey(), e.getValue().asDouble());
      }
    });
    try {
      return new UsageRecord(text(n, "id"), Instant.parse(n.get("finished_at").asText()),
          text(n, "outcome"), text(n, "route"), text(n, "transport"), text(n, "lane"), text(n, "model"),
          new Tokens(t.path("input").asLong(), t.path("output").asLong(), t.path("cache_write_5m").asLong(),
              t.path("cache_write_1h").asLong(), t.path("cache_read").asLong()),
          n.path("api_cost_usd").asDouble(0), n.path("cli_cost_usd").isNumber() ? n.get("cli_cost_usd").asDouble() : null,
          text(n, "batch"), text(n, "worker_id"), windows);
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("not a usage record: finished_at is not an instant");
    }
  }

  /**
   * A text field, without control characters and at most 128 characters long: the report prints
   * these to terminals and pages, and whoever can write the topic chooses them.
   */
  private static String text(JsonNode n, String field) {
    if (!n.path(field).isTextual()) {
      return null;
    }
    String t = n.get(field).asText().replaceAll("\\p{Cntrl}", "?");
    return t.length() > 128 ? t.substring(0, 128) : t;
  }
}
