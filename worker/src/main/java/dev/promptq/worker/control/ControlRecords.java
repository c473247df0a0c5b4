package dev.promptq.worker.control;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.promptq.job.JobCodec;
import dev.promptq.job.Route;
import dev.promptq.worker.credentials.CredentialCipher;
import dev.promptq.worker.credentials.CredentialRecords;
import dev.promptq.worker.ops.WorkerActivity;
import dev.promptq.worker.quota.SubscriptionCredit;
import dev.promptq.worker.quota.WindowUsage;
import dev.promptq.worker.quota.WorkerDemand;
import dev.promptq.worker.ops.WorkerErrors;
import dev.promptq.worker.quota.QuotaView;
import dev.promptq.worker.spend.SpendTotal;
import dev.promptq.worker.ops.RecentErrors;
import dev.promptq.worker.routing.RouteNotice;
import dev.promptq.job.BatchCanceled;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
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
 *   <tr><td>{@code spend/subscription/credit/<cycle start>/<worker>}</td><td>the same shape: that
 *       worker's subscription calls at list prices in the credit's billing cycle</td></tr>
 *   <tr><td>{@code quota/<route>/<worker>}</td><td>{@code {"route","worker","budget","window_ms",
 *       "per_window","used","utilization","reset","status","at"}}: that worker's share of the
 *       route's budget and its calls in the last window; for the subscription also the last unified
 *       headers it saw (utilisation, reset, status)</td></tr>
 *   <tr><td>{@code activity/<worker>}</td><td>{@code {"worker","in_flight","waiting",
 *       "finished_last_minute","by_route":{route: n},"credentials","closed_routes",
 *       "windows":{name:{"utilization","reset"}},"binding_window","at"}}: what that worker does and the
 *       subscription's windows as its answers reported them, every 5 s</td></tr>
 *   <tr><td>{@code window/<window>/<worker>}</td><td>{@code {"window","worker","start","usd","utilization","at"}}:
 *       that worker's subscription calls since the window began, at list prices, after each of its
 *       subscription answers; every worker adds them up to estimate the window's capacity</td></tr>
 *   <tr><td>{@code demand/<worker>}</td><td>{@code {"worker","jobs","weight","partition_share","at"}}:
 *       that worker's jobs in hand, its weight and its share of the job
 *       partitions, every second and when it starts holding jobs or its partitions change; the
 *       workers holding jobs share the routes' limits by weight</td></tr>
 *   <tr><td>{@code errors/<worker>}</td><td>{@code {"worker","errors":[{"at","kind","job","detail"}]}}:
 *       that worker's last errors, newest first</td></tr>
 *   <tr><td>{@code credentials/subscription}</td><td>{@code {"state":"live","key_id","nonce","sealed",
 *       "expires_at","refreshable","source","by","at"}}: the group's OAuth credentials, AES-GCM
 *       sealed ({@link dev.promptq.worker.credentials.CredentialCipher}); or
 *       {@code {"state":"revoked","error","by","at"}} once the token endpoint refused them for good</td></tr>
 *   <tr><td>{@code credentials/refresh-request/<worker>}</td><td>{@code {"worker","generation","at"}}:
 *       that worker met a 401 with the credentials of {@code generation} (their record's offset)</td></tr>
 *   <tr><td>{@code credentials/refresh-claim}</td><td>{@code {"worker","generation","at"}}: the
 *       refresher is about to refresh {@code generation}</td></tr>
 * </table>
 * Only the sealed value holds a secret. Other keys read as empty. Thread-safe.
 */
public final class ControlRecords {
  private static final String ROUTE = "route/";
  private static final String SPEND = "spend/";
  private static final String QUOTA = "quota/";
  private static final String ERRORS = "errors/";
  private static final String ACTIVITY = "activity/";
  private static final String WINDOW = "window/";
  private static final String DEMAND = "demand/";
  private static final String CREDENTIALS = CredentialRecords.KEY;
  private static final String REFRESH_REQUEST = "credentials/refresh-request/";
  private static final String REFRESH_CLAIM = "credentials/refresh-claim";

  /** A key and value to write. */
  public record Encoded(byte[] key, byte[] value) {}

  private static final Base64.Encoder B64E = Base64.getEncoder();
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
    // the subscription's credit (scope credit/<cycle>) under spend/subscription/, the API budgets under spend/api/
    return encoded(SPEND + (s.scope().startsWith(SubscriptionCredit.SCOPE_PREFIX) ? "subscription/" : "api/") + s.scope()
        + "/" + s.worker(),
        mapper.createObjectNode().put("scope", s.scope()).put("worker", s.worker()).put("usd", s.usd()));
  }

  public Encoded encode(WorkerErrors w) {
    ObjectNode v = mapper.createObjectNode().put("worker", w.worker());
    var list = v.putArray("errors");
    for (RecentErrors.Entry e : w.errors()) {
      list.addObject().put("at", e.at().toString()).put("kind", e.kind()).put("job", e.job()).put("detail", e.detail());
    }
    return encoded(ERRORS + w.worker(), v);
  }

  public Encoded encode(WorkerActivity a) {
    ObjectNode v = mapper.createObjectNode().put("worker", a.worker()).put("in_flight", a.inFlight())
        .put("waiting", a.waiting()).put("finished_last_minute", a.finishedLastMinute())
        .put("credentials", a.credentials()).put("at", a.at().toString());
    ObjectNode routes = v.putObject("by_route");
    a.byRoute().forEach(routes::put);
    a.closedRoutes().forEach(v.putArray("closed_routes")::add);
    ObjectNode waitingFor = v.putObject("waiting_for");
    a.waitingFor().forEach(waitingFor::put);
    ObjectNode windows = v.putObject("windows");
    a.windows().forEach((name, w) -> {
      ObjectNode o = windows.putObject(name).put("utilization", w.utilization())
          .put("reset", w.reset() == null ? null : w.reset().toString());
      putIfKnown(o, "capacity_usd", w.capacityUsd());
      putIfKnown(o, "left_calls", w.leftCalls());
      putIfKnown(o, "even_per_minute", w.evenPerMinute());
    });
    v.put("binding_window", a.bindingWindow());
    return encoded(ACTIVITY + a.worker(), v);
  }

  /** JSON has no NaN: an unknown figure is left out. */
  private static void putIfKnown(ObjectNode o, String field, double value) {
    if (Double.isFinite(value)) {
      o.put(field, value);
    }
  }

  private static double known(JsonNode o, String field) {
    return o.path(field).isNumber() ? o.get(field).asDouble() : Double.NaN;
  }

  public Encoded encode(WindowUsage u) {
    ObjectNode v = mapper.createObjectNode().put("window", u.window()).put("worker", u.worker())
        .put("start", u.start().toString()).put("usd", u.usd()).put("utilization", u.utilization())
        .put("at", u.at().toString());
    if (!Double.isNaN(u.averageUsd())) {
      v.put("average_usd", u.averageUsd());
    }
    return encoded(WINDOW + u.window() + "/" + u.worker(), v);
  }

  public Encoded encode(WorkerDemand d) {
    return encoded(DEMAND + d.worker(), mapper.createObjectNode().put("worker", d.worker()).put("jobs", d.jobs())
        .put("weight", d.weight()).put("partition_share", d.partitionShare()).put("at", d.at().toString()));
  }

  public Encoded encode(QuotaView q) {
    ObjectNode v = mapper.createObjectNode().put("route", q.route()).put("worker", q.worker()).put("budget", q.budget())
        .put("window_ms", q.windowMs()).put("per_window", q.perWindow()).put("used", q.used());
    if (!Double.isNaN(q.utilization())) {
      v.put("utilization", q.utilization());
    }
    if (q.reset() != null) {
      v.put("reset", q.reset().toString());
    }
    if (q.status() != null) {
      v.put("status", q.status());
    }
    v.put("at", q.at().toString());
    return encoded(QUOTA + q.route() + "/" + q.worker(), v);
  }

  public Encoded encode(CredentialRecords.SealedCredentials c) {
    ObjectNode v = mapper.createObjectNode().put("state", "live").put("key_id", c.sealed().keyId())
        .put("nonce", B64E.encodeToString(c.sealed().nonce())).put("sealed", B64E.encodeToString(c.sealed().ciphertext()));
    if (c.expiresAt() != null) {
      v.put("expires_at", c.expiresAt().toString());
    }
    v.put("refreshable", c.refreshable()).put("source", c.source()).put("by", c.by()).put("at", c.at().toString());
    return encoded(CREDENTIALS, v);
  }

  public Encoded encode(CredentialRecords.CredentialsRevoked r) {
    return encoded(CREDENTIALS, mapper.createObjectNode().put("state", "revoked").put("error", r.error())
        .put("by", r.by()).put("at", r.at().toString()));
  }

  public Encoded encode(CredentialRecords.RefreshRequest r) {
    return encoded(REFRESH_REQUEST + r.worker(), mapper.createObjectNode().put("worker", r.worker())
        .put("generation", r.generation()).put("at", r.at().toString()));
  }

  public Encoded encode(CredentialRecords.RefreshClaim c) {
    return encoded(REFRESH_CLAIM, mapper.createObjectNode().put("worker", c.worker())
        .put("generation", c.generation()).put("at", c.at().toString()));
  }

  /**
   * Reads one record: a {@link RouteNotice}, a {@link SpendTotal}, one of the credentials records,
   * or empty for a key of another kind.
   *
   * @throws IllegalArgumentException if a record of a known kind is malformed
   */
  public Optional<Object> decode(byte[] key, byte[] value) {
    if (key == null || value == null) {
      return Optional.empty();
    }
    String k = new String(key, StandardCharsets.UTF_8);
    if (!k.startsWith(ROUTE) && !k.startsWith(SPEND) && !k.startsWith(QUOTA) && !k.startsWith(ERRORS)
        && !k.startsWith(ACTIVITY) && !k.startsWith(WINDOW) && !k.startsWith(DEMAND) && !k.startsWith("credentials/")
        && !k.startsWith(BatchCanceled.KEY_PREFIX)) {
      return Optional.empty();
    }
    JsonNode v;
    try {
      v = mapper.readTree(value);
    } catch (IOException e) {
      throw new IllegalArgumentException("control record " + k + " is not JSON", e);
    }
    if (k.startsWith(BatchCanceled.KEY_PREFIX)) {
      return Optional.of(BatchCanceled.decode(value).orElseThrow(() ->
          new IllegalArgumentException("control record " + k + " is not a batch cancellation")));
    }
    if (k.startsWith(ROUTE)) {
      return Optional.of(new RouteNotice(Route.fromWireName(v.path("route").asText()),
          Instant.parse(v.path("until").asText()), v.path("reason").asText(), v.path("reporter").asText(),
          Instant.parse(v.path("at").asText())));
    }
    if (k.startsWith(SPEND)) {
      return Optional.of(new SpendTotal(v.path("scope").asText(), v.path("worker").asText(), v.path("usd").asDouble()));
    }
    if (k.startsWith(ERRORS)) {
      List<RecentErrors.Entry> list = new ArrayList<>();
      for (JsonNode e : v.path("errors")) {
        list.add(new RecentErrors.Entry(Instant.parse(e.path("at").asText()), e.path("kind").asText(),
            e.path("job").asText(), e.path("detail").asText()));
      }
      return Optional.of(new WorkerErrors(v.path("worker").asText(), list));
    }
    if (k.startsWith(ACTIVITY)) {
      java.util.Map<String, Long> byRoute = new java.util.TreeMap<>();
      v.path("by_route").fields().forEachRemaining(e -> byRoute.put(e.getKey(), e.getValue().asLong()));
      List<String> closed = new ArrayList<>();
      v.path("closed_routes").forEach(r -> closed.add(r.asText()));
      java.util.Map<String, Integer> waitingFor = new java.util.TreeMap<>();
      v.path("waiting_for").fields().forEachRemaining(e -> waitingFor.put(e.getKey(), e.getValue().asInt()));
      java.util.Map<String, WorkerActivity.Window> windows = new java.util.TreeMap<>();
      v.path("windows").fields().forEachRemaining(e -> windows.put(e.getKey(), new WorkerActivity.Window(
          e.getValue().path("utilization").asDouble(), e.getValue().path("reset").isTextual()
              ? Instant.parse(e.getValue().get("reset").asText()) : null, known(e.getValue(), "capacity_usd"),
          known(e.getValue(), "left_calls"), known(e.getValue(), "even_per_minute"))));
      return Optional.of(new WorkerActivity(v.path("worker").asText(), v.path("in_flight").asInt(),
          v.path("waiting").asInt(), waitingFor, v.path("finished_last_minute").asInt(), byRoute, v.path("credentials").asText(),
          closed, windows, v.path("binding_window").isTextual() ? v.get("binding_window").asText() : null,
          Instant.parse(v.path("at").asText())));
    }
    if (k.startsWith(WINDOW)) {
      return Optional.of(new WindowUsage(v.path("window").asText(), v.path("worker").asText(),
          Instant.parse(v.path("start").asText()), v.path("usd").asDouble(), v.path("utilization").asDouble(),
          known(v, "average_usd"), Instant.parse(v.path("at").asText())));
    }
    if (k.startsWith(DEMAND)) {
      return Optional.of(new WorkerDemand(v.path("worker").asText(), v.path("jobs").asInt(), v.path("weight").asInt(),
          v.path("partition_share").asDouble(), Instant.parse(v.path("at").asText())));
    }
    if (k.startsWith(QUOTA)) {
      return Optional.of(new QuotaView(v.path("route").asText(), v.path("worker").asText(), v.path("budget").asInt(),
          v.path("window_ms").asLong(), v.path("per_window").asDouble(), v.path("used").asInt(),
          v.has("utilization") ? v.get("utilization").asDouble() : Double.NaN,
          v.hasNonNull("reset") ? Instant.parse(v.get("reset").asText()) : null,
          v.hasNonNull("status") ? v.get("status").asText() : null, Instant.parse(v.path("at").asText())));
    }
    if (k.equals(CREDENTIALS)) {
      if (v.path("state").asText().equals("revoked")) {
        return Optional.of(new CredentialRecords.CredentialsRevoked(v.path("error").asText(), v.path("by").asText(),
            Instant.parse(v.path("at").asText())));
      }
      return Optional.of(new CredentialRecords.SealedCredentials(new CredentialCipher.Sealed(v.path("key_id").asText(),
          Base64.getDecoder().decode(v.path("nonce").asText()), Base64.getDecoder().decode(v.path("sealed").asText())),
          v.hasNonNull("expires_at") ? Instant.parse(v.get("expires_at").asText()) : null,
          v.path("refreshable").asBoolean(), v.path("source").asText(), v.path("by").asText(),
          Instant.parse(v.path("at").asText())));
    }
    if (k.startsWith(REFRESH_REQUEST)) {
      return Optional.of(new CredentialRecords.RefreshRequest(v.path("worker").asText(), v.path("generation").asLong(),
          Instant.parse(v.path("at").asText())));
    }
    if (k.equals(REFRESH_CLAIM)) {
      return Optional.of(new CredentialRecords.RefreshClaim(v.path("worker").asText(), v.path("generation").asLong(),
          Instant.parse(v.path("at").asText())));
    }
    return Optional.empty();
  }

  private Encoded encoded(String key, JsonNode value) {
    try {
      return new Encoded(key.getBytes(StandardCharsets.UTF_8), mapper.writeValueAsBytes(value));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
