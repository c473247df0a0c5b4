package dev.promptq.gateway.keys;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.promptq.job.JobCodec;
import dev.promptq.job.RoutePolicy;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The gateway's records on the control topic, which workers skip:
 * <ul>
 *   <li>{@code gateway/key/<id>}: a {@link PromptqKey} (its hash, never the key);
 *   <li>{@code gateway/usage/<yyyy-mm-dd>/<id>/<instance>}: one instance's use of one key on
 *       one UTC day, a running total ({@link KeyUsage}).
 * </ul>
 * Decoding never throws: a record that does not read is skipped.
 */
final class KeyRecords {
  static final String KEY = "gateway/key/";
  static final String USAGE = "gateway/usage/";
  private static final ObjectMapper MAPPER = JobCodec.newMapper();

  private KeyRecords() {}

  static String keyOf(PromptqKey k) {
    return KEY + k.id();
  }

  static byte[] encode(PromptqKey k) {
    ObjectNode n = MAPPER.createObjectNode().put("id", k.id()).put("name", k.name()).put("sha256", k.sha256());
    k.policies().forEach(p -> n.withArray("policies").add(p.wireName()));
    n.put("models", k.models());
    if (k.usdPerDay() != null) {
      n.put("usd_per_day", k.usdPerDay());
    }
    n.put("rpm", k.requestsPerMinute()).put("created_at", k.createdAt().toString());
    if (k.revokedAt() != null) {
      n.put("revoked_at", k.revokedAt().toString());
    }
    return bytes(n);
  }

  static Optional<PromptqKey> decodeKey(byte[] value) {
    try {
      JsonNode n = MAPPER.readTree(value);
      List<RoutePolicy> policies = new ArrayList<>();
      n.path("policies").forEach(p -> policies.add(RoutePolicy.fromWireName(p.asText())));
      return Optional.of(new PromptqKey(n.path("id").asText(), n.path("name").asText(), n.path("sha256").asText(),
          policies, n.path("models").asText("*"), n.hasNonNull("usd_per_day") ? n.get("usd_per_day").asDouble() : null,
          n.path("rpm").asInt(0), Instant.parse(n.path("created_at").asText()),
          n.hasNonNull("revoked_at") ? Instant.parse(n.get("revoked_at").asText()) : null));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  static String keyOf(KeyUsage u) {
    return USAGE + u.day() + "/" + u.keyId() + "/" + u.instance();
  }

  static byte[] encode(KeyUsage u) {
    return bytes(MAPPER.createObjectNode().put("key", u.keyId()).put("day", u.day().toString())
        .put("instance", u.instance()).put("requests", u.requests()).put("usd", u.usd()));
  }

  static Optional<KeyUsage> decodeUsage(byte[] value) {
    try {
      JsonNode n = MAPPER.readTree(value);
      return Optional.of(new KeyUsage(n.path("key").asText(), LocalDate.parse(n.path("day").asText()),
          n.path("instance").asText(), n.path("requests").asLong(), n.path("usd").asDouble()));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  private static byte[] bytes(JsonNode n) {
    return n.toString().getBytes(StandardCharsets.UTF_8);
  }
}
