package dev.promptq.worker.control;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.promptq.job.JobCodec;
import dev.promptq.job.Route;
import dev.promptq.worker.routing.RouteNotice;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Optional;

/**
 * The records of the control topic, both ways: what workers write and what workers and
 * {@code ./promptq status} read.
 *
 * <table>
 *   <tr><th>key</th><th>value</th></tr>
 *   <tr><td>{@code route/<route>}</td><td>{@code {"route","until","reason","reporter","at"}}: not to
 *       be used before {@code until}</td></tr>
 *   <tr><td>{@code spend/api/<scope>/<worker>}</td><td>{@code {"scope","worker","usd"}}: that
 *       worker's API spend in the scope ({@code day/<yyyy-mm-dd>} or {@code batch/<id>})</td></tr>
 * </table>
 * Other keys (the credentials of a later version) read as empty. Thread-safe.
 */
public final class ControlRecords {
  private static final String ROUTE = "route/";
  private static final String SPEND = "spend/api/";

  /** A worker's running API spend total in one scope. */
  public record SpendTotal(String scope, String worker, double usd) {}

  /** A key and value to write. */
  public record Encoded(byte[] key, byte[] value) {}

  private final ObjectMapper mapper = JobCodec.newMapper();

  public Encoded encode(RouteNotice n) {
    ObjectNode v = mapper.createObjectNode();
    v.put("route", n.route().wireName());
    v.put("until", n.until().toString());
    v.put("reason", n.reason());
    v.put("reporter", n.reporter());
    v.put("at", n.at().toString());
    return encoded(ROUTE + n.route().wireName(), v);
  }

  public Encoded encode(SpendTotal s) {
    return encoded(SPEND + s.scope() + "/" + s.worker(),
        mapper.createObjectNode().put("scope", s.scope()).put("worker", s.worker()).put("usd", s.usd()));
  }

  /**
   * Reads one record: a {@link RouteNotice}, a {@link SpendTotal}, or empty for a key of another kind.
   *
   * @throws IllegalArgumentException if a record of a known kind is malformed
   */
  public Optional<Object> decode(byte[] key, byte[] value) {
    if (key == null || value == null) {
      return Optional.empty();
    }
    String k = new String(key, StandardCharsets.UTF_8);
    if (!k.startsWith(ROUTE) && !k.startsWith(SPEND)) {
      return Optional.empty();
    }
    JsonNode v;
    try {
      v = mapper.readTree(value);
    } catch (IOException e) {
      throw new IllegalArgumentException("control record " + k + " is not JSON", e);
    }
    if (k.startsWith(ROUTE)) {
      return Optional.of(new RouteNotice(Route.fromWireName(v.path("route").asText()),
          Instant.parse(v.path("until").asText()), v.path("reason").asText(), v.path("reporter").asText(),
          Instant.parse(v.path("at").asText())));
    }
    return Optional.of(new SpendTotal(v.path("scope").asText(), v.path("worker").asText(), v.path("usd").asDouble()));
  }

  private Encoded encoded(String key, JsonNode value) {
    try {
      return new Encoded(key.getBytes(StandardCharsets.UTF_8), mapper.writeValueAsBytes(value));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
