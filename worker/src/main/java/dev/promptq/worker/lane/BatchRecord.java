package dev.promptq.worker.lane;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Instant;
import java.util.Optional;

/**
 * A submitted Message Batch as the lane's batches topic holds it (keyed by its id) until its
 * results are published, when a tombstone replaces it: the lane records {@code from}..{@code to}
 * (inclusive) are its requests, each one's {@code custom_id} {@code o<offset>}.
 *
 * @param id the API's batch id
 * @param from the first lane offset in it
 * @param to the last lane offset in it
 * @param count its requests
 * @param submittedAt when it was created
 * @param worker the worker that submitted it
 */
public record BatchRecord(String id, long from, long to, int count, Instant submittedAt, String worker) {

  /** The {@code custom_id} of the lane record at {@code offset}. */
  static String customId(long offset) {
    return "o" + offset;
  }

  /** The lane offset a {@code custom_id} names, or -1. */
  static long offset(String customId) {
    try {
      return customId.startsWith("o") ? Long.parseLong(customId.substring(1)) : -1;
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  byte[] encode(ObjectMapper mapper) {
    return mapper.createObjectNode().put("batch_id", id).put("from", from).put("to", to).put("count", count)
        .put("submitted_at", submittedAt.toString()).put("worker", worker).toString()
        .getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }

  /** Reads a record of the lane's batches topic; empty for one that is not a batch record. */
  public static Optional<BatchRecord> decode(ObjectMapper mapper, byte[] value) {
    try {
      JsonNode o = mapper.readTree(value);
      return Optional.of(new BatchRecord(o.path("batch_id").asText(), o.path("from").asLong(), o.path("to").asLong(),
          o.path("count").asInt(), Instant.parse(o.path("submitted_at").asText()), o.path("worker").asText()));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }
}
