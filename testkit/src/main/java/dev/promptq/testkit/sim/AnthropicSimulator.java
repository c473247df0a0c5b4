package dev.promptq.testkit.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.promptq.config.Secret;
import dev.promptq.job.JobCodec;
import dev.promptq.job.Route;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
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
 * JSON, as the real API answers them before a stream starts. {@code /v1/messages/batches} is the
 * Message Batches API ({@link SimBatches}), {@code /v1/messages/count_tokens} counts tokens
 * ({@link SimCountTokens}). Any other path answers 404 and is
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
  private final SimAuth auth;
  private final List<Responder> responders;
  private final RouteLimits limits;
  private final TokenAuthority tokens;
  private final AtomicReference<Duration> latency;
  private final Clock clock;
  private final AtomicLong ids = new AtomicLong();
  private final DefaultMessage defaultMessage = new DefaultMessage(ids);
  private final CallLog log = new CallLog();
  private final OtherPaths otherPaths;
  private final SimCountTokens counts;
  private final SimBatches batches;
  private HttpServer server;
  private ExecutorService httpThreads;
  private ScheduledExecutorService delayThreads;

  AnthropicSimulator(AnthropicSimulatorBuilder b) {
    this.requestedPort = b.port;
    this.responders = List.copyOf(b.responders);
    this.limits = new RouteLimits(!b.windows.isEmpty() ? new UsageWindows(b.windows, b.quotaWarnAt, b.clock)
        : b.quotaLimit == 0 ? null : new SubscriptionQuota(b.quotaLimit, b.quotaWindow, b.quotaWarnAt, b.clock,
            b.quotaSliding), b.apiLimits == null ? null : new ApiRateLimits(b.apiLimits, b.clock), b.creditUsd);
    this.latency = new AtomicReference<>(b.latency);
    this.clock = b.clock;
    this.tokens = b.tokenTtl == null ? null : new TokenAuthority(b.clock, b.tokenTtl, b.clientId, b.tokenMarker);
    this.otherPaths = new OtherPaths(tokens, log);
    this.auth = new SimAuth(Set.copyOf(b.apiKeys), Set.copyOf(b.oauthTokens), tokens);
    this.batches = new SimBatches(mapper, auth, clock, this::respond, b.batchProcessing, b.batchExpiry);
    this.counts = new SimCountTokens(mapper, auth);
  }

  public static AnthropicSimulatorBuilder builder() {
    return new AnthropicSimulatorBuilder();
  }

  /** Binds and starts serving; returns this. */
  public AnthropicSimulator start() {
    try {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), requestedPort), 1024);
    } catch (IOException e) {
      throw new UncheckedIOException("simulator: cannot bind 127.0.0.1:" + requestedPort, e);
    }
    httpThreads = Executors.newFixedThreadPool(8, SimThreads.named("sim-http-"));
    delayThreads = Executors.newScheduledThreadPool(2, SimThreads.named("sim-delay-"));
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
    latency.set(AnthropicSimulatorBuilder.requireNonNegative(newLatency));
  }

  /** Every request answered so far, oldest first. */
  public List<RecordedCall> calls() {
    return log.calls();
  }

  /** Number of 200 answers given on {@code route}. */
  public long successes(Route route) {
    return log.successes(route);
  }

  /**
   * The OAuth token authority: issues expiring access tokens and single-use refresh tokens, and
   * serves {@code POST /v1/oauth/token}.
   *
   * @throws IllegalStateException unless the builder set {@link AnthropicSimulatorBuilder#oauthTokens}
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

  /** Subscription requests counted in the quota's current window (with usage windows: all answered). */
  public int quotaUsed() {
    return limits.requireSubscription().used();
  }

  /** What the subscription's successes have cost at list prices, counted against its credit. */
  public double creditUsedUsd() {
    return limits.creditUsed();
  }

  /** What a usage window has counted now, in USD at API list prices. */
  public double windowUsedUsd(String window) {
    if (!(limits.requireSubscription() instanceof UsageWindows w)) {
      throw new IllegalStateException("no usage windows configured");
    }
    return w.usedUsd(window);
  }

  /**
   * Requests to paths the simulator does not serve, answered 404: {@code "METHOD /path"} to how
   * many times.
   */
  public Map<String, Long> unknownRequests() {
    return log.unknownRequests();
  }

  /** Message Batches: {@code custom_id} to how many batches were created with it (twice is a duplicate). */
  public Map<String, Integer> batchSubmissions() {
    return batches.submissions();
  }

  /** How many {@code /v1/messages/count_tokens} requests were answered 200 (they are not among {@link #calls()}). */
  public int tokenCounts() {
    return counts.counted();
  }

  /** The most requests that were being answered at one time. */
  public int maxConcurrentRequests() {
    return log.maxConcurrent();
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
    String path = exchange.getRequestURI().getPath();
    if (tokens != null && path.equals(TokenAuthority.PATH)) {
      otherPaths.answerTokenRequest(exchange);
    } else if (path.equals(SimCountTokens.PATH)) {
      counts.handle(exchange);
    } else if (path.startsWith(SimBatches.PATH)) {
      batches.handle(exchange, baseUrl());
    } else if (!path.equals("/v1/messages")) {
      otherPaths.answerUnknownPath(exchange);
    } else {
      answerMessage(exchange);
    }
  }

  private void answerMessage(HttpExchange exchange) {
    log.started();
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

  /** @param stream the request asked for server-sent events */
  private record Answer(Route route, String model, SimResponse response, boolean stream) {
    Answer(Route route, String model, SimResponse response) {
      this(route, model, response, false);
    }
  }

  private Answer answer(HttpExchange ex) throws IOException {
    if (!ex.getRequestMethod().equals("POST")) {
      OtherPaths.drain(ex);
      return new Answer(null, null, SimResponse.error(405, "invalid_request_error",
          "Method " + ex.getRequestMethod() + " not allowed"));
    }
    byte[] raw = ex.getRequestBody().readAllBytes();
    var h = ex.getRequestHeaders();
    SimAuth.Checked checked = auth.check(h);
    if (checked instanceof SimAuth.Refused refused) {
      return new Answer(refused.route(), null, refused.response());
    }
    Route route = ((SimAuth.Accepted) checked).route();
    Secret credential = ((SimAuth.Accepted) checked).credential();
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
    return new Answer(route, model, limits.answer(request, model, this::respond), stream);
  }

  private SimResponse respond(SimRequest request) throws IOException {
    for (Responder r : responders) {
      Optional<SimResponse> a = r.answer(request);
      if (a.isPresent()) {
        return a.get();
      }
    }
    return new SimResponse(200, Map.of(), mapper.writeValueAsString(defaultMessage.message(request.body())));
  }

  private void send(HttpExchange ex, Answer a) {
    SimResponse r = a.response;
    if (!recordsEarly(r)) {
      record(a);  // before the answer leaves: a client that has its answer finds the call recorded
    }
    if (r.disconnect()) {
      log.ended();
      ex.close();  // before any status line: the JDK server closes the connection
      return;
    }
    try (ex) {
      boolean events = a.stream && r.status() == 200;
      byte[] bytes = (events ? dev.promptq.job.MessageEvents.of(mapper.readTree(r.body()), 16) : r.body()).getBytes(StandardCharsets.UTF_8);
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
      log.ended();
    }
  }

  private static boolean recordsEarly(SimResponse r) {
    return r.disconnect() || !r.extraDelay().isZero();
  }

  private void record(Answer a) {
    log.record(a.route, a.model, a.response, clock.instant());
  }
}
