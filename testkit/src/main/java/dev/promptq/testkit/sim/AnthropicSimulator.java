package dev.promptq.testkit.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.promptq.config.Secret;
import dev.promptq.job.JobCodec;
import dev.promptq.job.Route;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A local, strict stand-in for the Anthropic Messages API, on 127.0.0.1.
 *
 * <p>{@code POST /v1/messages} checks what the real API checks ({@code anthropic-version}, JSON
 * content type, exactly one credential, the body's required fields and types, no unknown fields)
 * and answers real Messages JSON, or errors in the real shape
 * {@code {"type":"error","error":{"type","message"}}}. Two credentials are accepted:
 * <ul>
 *   <li>api: {@code x-api-key} with one of the configured API keys;
 *   <li>subscription: {@code Authorization: Bearer} with one of the configured OAuth tokens and
 *       {@code anthropic-beta} containing {@code oauth-2025-04-20}.
 * </ul>
 * A request carrying both credentials, or neither, is refused. Answers are delayed by the
 * configured latency without holding a thread per request, so thousands can be in flight.
 * {@link Responder}s decide answers before the default success (faults, quotas).
 *
 * <p>A request with {@code "stream": true} (Claude Code's headless mode sends nothing else) gets
 * its success as server-sent events, in the order the real API sends them; errors stay plain
 * JSON, as the real API answers them before a stream starts. Any other path answers 404 and is
 * counted ({@link #unknownRequests()}), so a test sees what a client asked for beyond the API.
 *
 * <p>Thread-safe. Owns its threads ({@code sim-http-N}, {@code sim-delay-N}); {@link #close()}
 * stops them.
 */
public final class AnthropicSimulator implements AutoCloseable {

  static {
    // The JDK server writes an answer's headers and body separately; with Nagle's algorithm on,
    // the body waits for the client's delayed ACK (~40 ms on Linux), a delay the real API does not
    // add. The JDK reads this property once, when its HTTP server first loads.
    if (System.getProperty("sun.net.httpserver.nodelay") == null) {
      System.setProperty("sun.net.httpserver.nodelay", "true");
    }
  }

  /** The {@code anthropic-beta} value a subscription (OAuth) request must carry. */
  public static final String OAUTH_BETA = "oauth-2025-04-20";

  private final ObjectMapper mapper = JobCodec.newMapper();
  private final int requestedPort;
  private final Set<Secret> apiKeys;
  private final Set<Secret> oauthTokens;
  private final List<Responder> responders;
  private final SubscriptionQuota quota;
  private final TokenAuthority tokens;
  private final AtomicReference<Duration> latency;
  private final Clock clock;
  private final AtomicLong ids = new AtomicLong();
  private final Map<Route, AtomicLong> successes = new EnumMap<>(Route.class);
  private final ConcurrentLinkedQueue<RecordedCall> calls = new ConcurrentLinkedQueue<>();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger maxInFlight = new AtomicInteger();
  private final Map<String, AtomicLong> unknownRequests = new ConcurrentHashMap<>();
  private HttpServer server;
  private ExecutorService httpThreads;
  private ScheduledExecutorService delayThreads;

  private AnthropicSimulator(Builder b) {
    this.requestedPort = b.port;
    this.apiKeys = Set.copyOf(b.apiKeys);
    this.oauthTokens = Set.copyOf(b.oauthTokens);
    this.responders = List.copyOf(b.responders);
    this.quota = b.quotaLimit == 0 ? null : new SubscriptionQuota(b.quotaLimit, b.quotaWindow, b.quotaWarnAt, b.clock,
        b.quotaSliding);
    this.latency = new AtomicReference<>(b.latency);
    this.clock = b.clock;
    this.tokens = b.tokenTtl == null ? null : new TokenAuthority(b.clock, b.tokenTtl, b.clientId, b.tokenMarker);
    for (Route r : Route.values()) {
      successes.put(r, new AtomicLong());
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Binds and starts serving; returns this. */
  public AnthropicSimulator start() {
    try {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), requestedPort), 1024);
    } catch (IOException e) {
      throw new UncheckedIOException("simulator: cannot bind 127.0.0.1:" + requestedPort, e);
    }
    httpThreads = Executors.newFixedThreadPool(8, named("sim-http-"));
    delayThreads = Executors.newScheduledThreadPool(2, named("sim-delay-"));
    server.setExecutor(httpThreads);
    server.createContext("/", this::handle);
    server.start();
    return this;
  }

  /** {@code http://127.0.0.1:port}, for {@code ANTHROPIC_BASE_URL}. */
  public String baseUrl() {
    return "http://127.0.0.1:" + port();
  }

  public int port() {
    if (server == null) {
      throw new IllegalStateException("not started");
    }
    return server.getAddress().getPort();
  }

  /** Changes the delay before each answer, from now on. */
  public void setLatency(Duration newLatency) {
    latency.set(requireNonNegative(newLatency));
  }

  /** Every request answered so far, oldest first. */
  public List<RecordedCall> calls() {
    return new ArrayList<>(calls);
  }

  /** Number of 200 answers given on {@code route}. */
  public long successes(Route route) {
    return successes.get(route).get();
  }

  /**
   * The OAuth token authority: issues expiring access tokens and single-use refresh tokens, and
   * serves {@code POST /v1/oauth/token}.
   *
   * @throws IllegalStateException unless the builder set {@link Builder#oauthTokens}
   */
  public TokenAuthority tokens() {
    if (tokens == null) {
      throw new IllegalStateException("no token authority configured (Builder.oauthTokens)");
    }
    return tokens;
  }

  /** {@code baseUrl() + /v1/oauth/token}. */
  public String tokenUrl() {
    return baseUrl() + TokenAuthority.PATH;
  }

  /** Subscription requests counted in the quota's current window. */
  public int quotaUsed() {
    return requireQuota().used();
  }

  private SubscriptionQuota requireQuota() {
    if (quota == null) {
      throw new IllegalStateException("no subscription quota configured");
    }
    return quota;
  }

  /**
   * Requests to paths the simulator does not serve, answered 404: {@code "METHOD /path"} to how
   * many times.
   */
  public Map<String, Long> unknownRequests() {
    Map<String, Long> copy = new TreeMap<>();
    unknownRequests.forEach((k, v) -> copy.put(k, v.get()));
    return copy;
  }

  /** The most requests that were being answered at one time. */
  public int maxConcurrentRequests() {
    return maxInFlight.get();
  }

  @Override
  public void close() {
    if (server != null) {
      server.stop(0);
      delayThreads.shutdownNow();
      httpThreads.shutdownNow();
      server = null;
    }
  }

  private void handle(HttpExchange exchange) {
    if (tokens != null && exchange.getRequestURI().getPath().equals(TokenAuthority.PATH)) {
      answerTokenRequest(exchange);
      return;
    }
    if (!exchange.getRequestURI().getPath().equals("/v1/messages")) {
      answerUnknownPath(exchange);
      return;
    }
    int now = inFlight.incrementAndGet();
    maxInFlight.accumulateAndGet(now, Math::max);
    try {
      Answer answer = answer(exchange);
      if (recordsEarly(answer.response)) {
        record(answer);  // a hung or dropped call never reaches send(); tests still see it
      }
      long delayMs = latency.get().plus(answer.response.extraDelay()).toMillis();
      if (delayMs == 0 || answer.response.status() == 405) {
        send(exchange, answer);
      } else {
        delayThreads.schedule(() -> send(exchange, answer), delayMs, TimeUnit.MILLISECONDS);
      }
    } catch (RuntimeException | IOException e) {
      send(exchange, new Answer(null, null, SimResponse.error(500, "api_error", "simulator failure: " + e)));
    }
  }

  /** 404 at once, counted in {@link #unknownRequests()}, not among {@link #calls()}. */
  private void answerUnknownPath(HttpExchange ex) {
    String path = ex.getRequestURI().getPath();
    unknownRequests.computeIfAbsent(ex.getRequestMethod() + " " + path, k -> new AtomicLong()).incrementAndGet();
    try (ex) {
      drain(ex);
      byte[] bytes = SimResponse.error(404, "not_found_error", "Not found: " + path).body()
          .getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().set("content-type", "application/json");
      if (ex.getRequestMethod().equals("HEAD")) {
        ex.sendResponseHeaders(404, -1);
        return;
      }
      ex.sendResponseHeaders(404, bytes.length);
      try (OutputStream os = ex.getResponseBody()) {
        os.write(bytes);
      }
    } catch (IOException e) {
      // the client went away
    }
  }

  /** The token endpoint answers at once and is not among {@link #calls()}. */
  private void answerTokenRequest(HttpExchange ex) {
    try (ex) {
      SimResponse r;
      if (!ex.getRequestMethod().equals("POST")) {
        drain(ex);
        r = new SimResponse(405, Map.of(), "{\"error\":\"invalid_request\"}");
      } else {
        r = tokens.refresh(ex.getRequestHeaders().getFirst("content-type"), ex.getRequestBody().readAllBytes());
      }
      byte[] bytes = r.body().getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().set("content-type", "application/json");
      r.headers().forEach(ex.getResponseHeaders()::set);
      ex.sendResponseHeaders(r.status(), bytes.length);
      try (OutputStream os = ex.getResponseBody()) {
        os.write(bytes);
      }
    } catch (IOException | RuntimeException e) {
      // the client went away
    }
  }

  /** @param stream the request asked for server-sent events */
  private record Answer(Route route, String model, SimResponse response, boolean stream) {
    Answer(Route route, String model, SimResponse response) {
      this(route, model, response, false);
    }
  }

  private Answer answer(HttpExchange ex) throws IOException {
    if (!ex.getRequestMethod().equals("POST")) {
      drain(ex);
      return new Answer(null, null, SimResponse.error(405, "invalid_request_error",
          "Method " + ex.getRequestMethod() + " not allowed"));
    }
    byte[] raw = ex.getRequestBody().readAllBytes();
    var h = ex.getRequestHeaders();
    String version = h.getFirst("anthropic-version");
    if (version == null) {
      return new Answer(null, null, SimResponse.error(400, "invalid_request_error", "anthropic-version: header is required"));
    }
    if (!version.equals("2023-06-01") && !version.equals("2023-01-01")) {
      return new Answer(null, null, SimResponse.error(400, "invalid_request_error",
          "anthropic-version: unknown version " + version));
    }
    String contentType = h.getFirst("content-type");
    if (contentType == null || !contentType.toLowerCase(Locale.ROOT).startsWith("application/json")) {
      return new Answer(null, null, SimResponse.error(400, "invalid_request_error",
          "content-type must be application/json"));
    }
    String apiKey = h.getFirst("x-api-key");
    String authorization = h.getFirst("authorization");
    if (apiKey != null && authorization != null) {
      return new Answer(null, null, SimResponse.error(400, "invalid_request_error",
          "send either x-api-key or Authorization, not both"));
    }
    if (apiKey == null && authorization == null) {
      return new Answer(null, null, SimResponse.error(401, "authentication_error", "x-api-key header is required"));
    }
    Route route;
    Secret credential;
    if (apiKey != null) {
      route = Route.API;
      credential = apiKey.isBlank() ? null : Secret.of(apiKey);
      if (credential == null || !apiKeys.contains(credential)) {
        return new Answer(route, null, SimResponse.error(401, "authentication_error", "invalid x-api-key"));
      }
    } else {
      route = Route.SUBSCRIPTION;
      if (!authorization.startsWith("Bearer ") || authorization.substring(7).isBlank()) {
        return new Answer(route, null, SimResponse.error(401, "authentication_error", "Invalid bearer token"));
      }
      String beta = String.join(",", h.getOrDefault("anthropic-beta", List.of()));
      if (!List.of(beta.split("\\s*,\\s*")).contains(OAUTH_BETA)) {
        return new Answer(route, null, SimResponse.error(401, "authentication_error",
            "OAuth authentication is currently not supported."));
      }
      credential = Secret.of(authorization.substring(7));
      if (!oauthTokens.contains(credential)) {
        if (tokens == null || !tokens.knows(credential)) {
          return new Answer(route, null, SimResponse.error(401, "authentication_error", "Invalid bearer token"));
        }
        Optional<SimResponse> refused = tokens.check(credential);
        if (refused.isPresent()) {
          return new Answer(route, null, refused.get());
        }
      }
    }
    JsonNode parsed;
    try {
      parsed = mapper.readTree(raw);
    } catch (IOException e) {
      return new Answer(route, null, SimResponse.error(400, "invalid_request_error",
          "There was an error parsing the body of your request as JSON"));
    }
    if (parsed == null || !parsed.isObject()) {
      return new Answer(route, null, SimResponse.error(400, "invalid_request_error", "Input should be a valid dictionary"));
    }
    ObjectNode body = (ObjectNode) parsed;
    String model = body.path("model").isTextual() ? body.get("model").asText() : null;
    Optional<SimResponse> invalid = RequestCheck.check(body);
    if (invalid.isPresent()) {
      return new Answer(route, model, invalid.get());
    }
    Map<String, List<String>> headers = new LinkedHashMap<>();
    h.forEach((k, v) -> {
      String name = k.toLowerCase(Locale.ROOT);
      if (!name.equals("x-api-key") && !name.equals("authorization")) {
        headers.put(name, List.copyOf(v));
      }
    });
    SimRequest request = new SimRequest(route, credential.fingerprint(), Map.copyOf(headers), body);
    boolean stream = body.path("stream").asBoolean(false);
    if (route != Route.SUBSCRIPTION || quota == null) {
      return new Answer(route, model, respond(request), stream);
    }
    SubscriptionQuota.Admission admission = quota.admit();
    if (!admission.admitted()) {
      return new Answer(route, model, SimResponse.error(429, "rate_limit_error",
          "This request would exceed your account's rate limit. Please try again later.", admission.headers()));
    }
    SimResponse response = respond(request);
    if (response.status() != 200) {
      quota.giveBack();
    }
    return new Answer(route, model, response.disconnect() ? response : response.withHeaders(admission.headers()),
        stream);
  }

  private SimResponse respond(SimRequest request) throws IOException {
    for (Responder r : responders) {
      Optional<SimResponse> a = r.answer(request);
      if (a.isPresent()) {
        return a.get();
      }
    }
    return new SimResponse(200, Map.of(), mapper.writeValueAsString(message(request.body())));
  }

  /** The default answer: a deterministic assistant message about the last user turn. */
  private ObjectNode message(ObjectNode body) {
    String prompt = lastUserText(body.get("messages"));
    String text = "Simulated answer to: " + (prompt.length() > 60 ? prompt.substring(0, 60) + "..." : prompt);
    long maxTokens = body.get("max_tokens").asLong();
    long outputTokens = Math.max(1, text.length() / 4);
    String stopReason = "end_turn";
    if (outputTokens > maxTokens) {
      outputTokens = maxTokens;
      text = text.substring(0, (int) Math.min(text.length(), maxTokens * 4));
      stopReason = "max_tokens";
    }
    ObjectNode m = mapper.createObjectNode();
    m.put("id", "msg_sim_" + ids.incrementAndGet());
    m.put("type", "message");
    m.put("role", "assistant");
    m.put("model", body.get("model").asText());
    ArrayNode content = m.putArray("content");
    content.addObject().put("type", "text").put("text", text);
    m.put("stop_reason", stopReason);
    m.putNull("stop_sequence");
    ObjectNode usage = m.putObject("usage");
    usage.put("input_tokens", Math.max(1, body.get("messages").toString().length() / 4));
    usage.put("cache_creation_input_tokens", 0);
    usage.put("cache_read_input_tokens", 0);
    usage.put("output_tokens", outputTokens);
    return m;
  }

  /**
   * The prompt of a request: the last text block of its last user turn (Claude Code puts context
   * blocks before the prompt), or "".
   */
  static String lastUserText(JsonNode messages) {
    List<String> texts = lastUserTexts(messages);
    return texts.isEmpty() ? "" : texts.get(texts.size() - 1);
  }

  /** Every text block of the last user turn of a request's {@code messages}, in order. */
  static List<String> lastUserTexts(JsonNode messages) {
    for (int i = messages.size() - 1; i >= 0; i--) {
      JsonNode m = messages.get(i);
      if (m.path("role").asText().equals("user")) {
        JsonNode c = m.get("content");
        if (c.isTextual()) {
          return List.of(c.asText());
        }
        List<String> texts = new ArrayList<>();
        for (JsonNode block : c) {
          if (block.path("type").asText().equals("text")) {
            texts.add(block.path("text").asText());
          }
        }
        return texts;
      }
    }
    return List.of();
  }

  private void send(HttpExchange ex, Answer a) {
    SimResponse r = a.response;
    if (!recordsEarly(r)) {
      record(a);  // before the answer leaves: a client that has its answer finds the call recorded
    }
    if (r.disconnect()) {
      inFlight.decrementAndGet();
      ex.close();  // before any status line: the JDK server closes the connection
      return;
    }
    try (ex) {
      boolean events = a.stream && r.status() == 200;
      byte[] bytes = (events ? ServerSentEvents.of(mapper.readTree(r.body())) : r.body()).getBytes(StandardCharsets.UTF_8);
      var out = ex.getResponseHeaders();
      out.set("content-type", events ? "text/event-stream; charset=utf-8" : "application/json");
      out.set("request-id", "req_sim_" + ids.incrementAndGet());
      r.headers().forEach(out::set);
      ex.sendResponseHeaders(r.status(), bytes.length);
      try (OutputStream os = ex.getResponseBody()) {
        os.write(bytes);
      }
    } catch (IOException e) {
      // The client went away (e.g. timed out); nothing to answer.
    } finally {
      inFlight.decrementAndGet();
    }
  }

  private static boolean recordsEarly(SimResponse r) {
    return r.disconnect() || !r.extraDelay().isZero();
  }

  private void record(Answer a) {
    SimResponse r = a.response;
    String errorType = null;
    if (r.disconnect()) {
      calls.add(new RecordedCall(a.route, 0, "disconnect", a.model, clock.instant()));
      return;
    }
    if (r.status() != 200) {
      try {
        errorType = mapper.readTree(r.body()).path("error").path("type").asText(null);
      } catch (IOException ignored) {
        // errorType stays null for a body that is not JSON
      }
    } else if (a.route != null) {
      successes.get(a.route).incrementAndGet();
    }
    calls.add(new RecordedCall(a.route, r.status(), errorType, a.model, clock.instant()));
  }

  private static void drain(HttpExchange ex) throws IOException {
    try (InputStream in = ex.getRequestBody()) {
      in.transferTo(OutputStream.nullOutputStream());
    }
  }

  private static Duration requireNonNegative(Duration d) {
    if (d == null || d.isNegative()) {
      throw new IllegalArgumentException("latency must be >= 0: " + d);
    }
    return d;
  }

  private static java.util.concurrent.ThreadFactory named(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  /** Settings for an {@link AnthropicSimulator}. Defaults: free port, no latency, no credentials. */
  public static final class Builder {
    private int port;
    private Duration latency = Duration.ZERO;
    private final java.util.Set<Secret> apiKeys = new java.util.HashSet<>();
    private final java.util.Set<Secret> oauthTokens = new java.util.HashSet<>();
    private final List<Responder> responders = new ArrayList<>();
    private Clock clock = Clock.systemUTC();
    private int quotaLimit;
    private Duration quotaWindow;
    private double quotaWarnAt = 0.8;
    private boolean quotaSliding;
    private Duration tokenTtl;
    private String clientId;
    private String tokenMarker = "";

    private Builder() {}

    /**
     * Real OAuth token behaviour: access tokens issued by {@link AnthropicSimulator#tokens()} expire
     * after {@code ttl}, refresh tokens are single-use, and {@code POST /v1/oauth/token} accepts
     * requests naming {@code clientId} (null: any client id). Default: off.
     */
    public Builder oauthTokens(Duration ttl, String clientId) {
      if (ttl == null || ttl.toSeconds() < 1) {
        throw new IllegalArgumentException("token TTL must be at least 1 s: " + ttl);
      }
      this.tokenTtl = ttl;
      this.clientId = clientId;
      return this;
    }

    /** A string every issued token contains, for leak tests; default none. */
    public Builder tokenMarker(String marker) {
      this.tokenMarker = marker;
      return this;
    }

    /**
     * A window quota on the subscription route: {@code limit} requests per {@code window}, 429 with
     * {@code anthropic-ratelimit-unified-status: rejected} beyond it, and the unified headers on
     * every subscription answer. Default: none (no unified headers either).
     */
    public Builder subscriptionQuota(int limit, Duration window) {
      if (limit < 1 || window == null || window.isZero() || window.isNegative()) {
        throw new IllegalArgumentException("subscription quota: limit >= 1 and a positive window required");
      }
      this.quotaLimit = limit;
      this.quotaWindow = window;
      return this;
    }

    /**
     * A sliding window instead of a fixed one: at most {@code limit} requests in any
     * {@code window}; the reset header says when the oldest counted request leaves it. Default fixed.
     */
    public Builder slidingQuotaWindow() {
      this.quotaSliding = true;
      return this;
    }

    /** Utilisation from which answers say {@code allowed_warning}; default 0.8. */
    public Builder quotaWarnAt(double utilization) {
      this.quotaWarnAt = utilization;
      return this;
    }

    /** Port on 127.0.0.1; 0 (default) picks a free one. */
    public Builder port(int port) {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port out of range: " + port);
      }
      this.port = port;
      return this;
    }

    /** Delay before every answer; default zero. */
    public Builder latency(Duration latency) {
      this.latency = requireNonNegative(latency);
      return this;
    }

    /** An API key the api route accepts. */
    public Builder apiKey(Secret key) {
      apiKeys.add(key);
      return this;
    }

    /** An OAuth access token the subscription route accepts. */
    public Builder oauthToken(Secret token) {
      oauthTokens.add(token);
      return this;
    }

    /** Adds a responder, consulted in the order added, before the default success answer. */
    public Builder responder(Responder responder) {
      responders.add(responder);
      return this;
    }

    public Builder clock(Clock clock) {
      this.clock = clock;
      return this;
    }

    public AnthropicSimulator build() {
      return new AnthropicSimulator(this);
    }
  }
}
