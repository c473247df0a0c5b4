package dev.promptq.gateway.batches;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.promptq.job.JobCodec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The records of {@code Topics.gatewayBatches()}: key {@code <id>} holds a {@link GatewayBatch},
 * keys {@code <id>/ids/<n>} its requests' custom ids in order, {@link #ID_CHUNK} per record (so a
 * 100,000-request batch stays far under Kafka's record size). Decoding never throws.
 */
final class BatchCodec {
  static final int ID_CHUNK = 5000;
  private static final String IDS = "/ids/";
  private static final ObjectMapper MAPPER = JobCodec.newMapper();

  private BatchCodec() {}

  static byte[] encode(GatewayBatch b) {
    ObjectNode n = MAPPER.createObjectNode().put("id", b.id()).put("key", b.keyId())
        .put("created_at", b.createdAt().toString()).put("expires_at", b.expiresAt().toString())
        .put("count", b.count()).put("id_chunks", b.idChunks()).put("partition", b.partition());
    if (b.cancelInitiatedAt() != null) {
      n.put("cancel_initiated_at", b.cancelInitiatedAt().toString());
    }
    return n.toString().getBytes(StandardCharsets.UTF_8);
  }

  static Optional<GatewayBatch> decode(byte[] value) {
    try {
      JsonNode n = MAPPER.readTree(value);
      return Optional.of(new GatewayBatch(n.path("id").asText(), n.path("key").asText(),
          Instant.parse(n.path("created_at").asText()), Instant.parse(n.path("expires_at").asText()),
          n.path("count").asInt(), n.path("id_chunks").asInt(), n.path("partition").asInt(),
          n.hasNonNull("cancel_initiated_at") ? Instant.parse(n.get("cancel_initiated_at").asText()) : null));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  static String idsKey(String batchId, int chunk) {
    return batchId + IDS + chunk;
  }

  static boolean isIdsKey(String key) {
    return key.contains(IDS);
  }

  static byte[] encodeIds(List<String> customIds) {
    ArrayNode a = MAPPER.createArrayNode();
    customIds.forEach(a::add);
    return a.toString().getBytes(StandardCharsets.UTF_8);
  }

  static List<String> decodeIds(byte[] value) {
    List<String> ids = new ArrayList<>();
    try {
      MAPPER.readTree(value).forEach(n -> ids.add(n.asText()));
    } catch (IOException e) {
      // an unreadable chunk adds no ids
    }
    return ids;
  }
}
