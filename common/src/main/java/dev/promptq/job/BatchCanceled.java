package dev.promptq.job;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A control-topic record: the jobs of batch {@code batch} are canceled (a Message Batch canceled
 * through the gateway). Workers answer such a job {@code canceled} without a call when they come
 * to it; one already running finishes. Key {@code batch/canceled/<batch>}, value
 * {@code {"batch":..., "at":...}}.
 */
public record BatchCanceled(String batch, Instant at) {
  public static final String KEY_PREFIX = "batch/canceled/";
  private static final ObjectMapper MAPPER = JobCodec.newMapper();

  public BatchCanceled {
    Objects.requireNonNull(batch, "batch");
    Objects.requireNonNull(at, "at");
  }

  public byte[] key() {
    return (KEY_PREFIX + batch).getBytes(StandardCharsets.UTF_8);
  }

  public byte[] value() {
    return MAPPER.createObjectNode().put("batch", batch).put("at", at.toString()).toString()
        .getBytes(StandardCharsets.UTF_8);
  }

  /** The record's content, or empty when {@code value} is not one. */
  public static Optional<BatchCanceled> decode(byte[] value) {
    try {
      JsonNode n = MAPPER.readTree(value);
      return Optional.of(new BatchCanceled(n.path("batch").asText(), Instant.parse(n.path("at").asText())));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }
}
