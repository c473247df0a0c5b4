package dev.promptq.worker.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.promptq.config.Secret;
import dev.promptq.job.Attempt;
import dev.promptq.job.JobCodec;
import dev.promptq.job.Route;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.ConnectionPool;
import okhttp3.Dispatcher;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;

/**
 * Sends Messages API requests on either route, asynchronously, with OkHttp.
 *
 * <p>Each route carries only its own credential: the subscription route sends
 * {@code Authorization: Bearer} and {@code anthropic-beta: oauth-2025-04-20}, the api route sends
 * {@code x-api-key}; never both. A job's betas join the {@code anthropic-beta} header on either route.
 * Nothing imitates another client: the User-Agent is promptq's own.
 * Credentials never appear in outcomes, logs or exceptions.
 *
 * <p>Thread-safe. Owns its OkHttp dispatcher threads ({@code promptq-http-N}); {@link #close()}
 * stops them.
 */
public final class MessagesClient implements MessagesTransport {

  public static final String ANTHROPIC_VERSION = "2023-06-01";
  public static final String OAUTH_BETA = "oauth-2025-04-20";
  private static final MediaType JSON = MediaType.get("application/json");

  private final OkHttpClient http;
  private final ExecutorService dispatcherThreads;
  private final HttpUrl messagesUrl;
  private final HttpUrl countTokensUrl;
  private final ObjectMapper mapper = JobCodec.newMapper();
  private final String userAgent;

  /**
   * @param baseUrl e.g. {@code https://api.anthropic.com}
   * @param maxConcurrentCalls calls in flight at once; further calls queue
   * @param callTimeout limit on one whole call
   */
  public MessagesClient(String baseUrl, int maxConcurrentCalls, Duration callTimeout) {
    HttpUrl base = HttpUrl.parse(baseUrl);
    if (base == null) {
      throw new IllegalArgumentException("anthropic.base.url: " + baseUrl + " (not an http(s) URL)");
    }
    this.messagesUrl = base.newBuilder().addPathSegments("v1/messages").build();
    this.countTokensUrl = base.newBuilder().addPathSegments("v1/messages/count_tokens").build();
    this.userAgent = "promptq/" + version();
    AtomicInteger n = new AtomicInteger();
    this.dispatcherThreads = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 60, TimeUnit.SECONDS,
        new SynchronousQueue<>(), r -> {
          Thread t = new Thread(r, "promptq-http-" + n.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
    Dispatcher dispatcher = new Dispatcher(dispatcherThreads);
    dispatcher.setMaxRequests(maxConcurrentCalls);
    dispatcher.setMaxRequestsPerHost(maxConcurrentCalls);
    this.http = new OkHttpClient.Builder()
        .dispatcher(dispatcher)
        // Idle connections leave the pool well before servers commonly close them (the JDK's
        // HttpServer after 30 s), so a call rarely meets a connection closed under it.
        .connectionPool(new ConnectionPool(Math.min(maxConcurrentCalls, 256), 20, TimeUnit.SECONDS))
        .callTimeout(callTimeout)
        .readTimeout(callTimeout)
        .connectTimeout(Duration.ofSeconds(10))
        // Never resend by itself: a POST whose connection broke may already have reached the API
        // and been billed. The router retries, counts every attempt and records it in the result.
        .retryOnConnectionFailure(false)
        .build();
  }

  @Override
  public String name() {
    return Attempt.HTTP;
  }

  @Override
  public CompletableFuture<CallOutcome> send(Route route, Secret secret, ObjectNode body, List<String> betas) {
    return call(messagesUrl, route, secret, body, betas);
  }

  /**
   * Counts {@code body}'s input tokens ({@code POST /v1/messages/count_tokens}) on the api route
   * with {@code apiKey}. The future always completes normally.
   */
  public CompletableFuture<CallOutcome> countTokens(Secret apiKey, ObjectNode body, List<String> betas) {
    return call(countTokensUrl, Route.API, apiKey, body, betas);
  }

  private CompletableFuture<CallOutcome> call(HttpUrl url, Route route, Secret secret, ObjectNode body,
      List<String> betas) {
    Request.Builder rb = new Request.Builder()
        .url(url)
        .header("anthropic-version", ANTHROPIC_VERSION)
        .header("user-agent", userAgent)
        .post(RequestBody.create(bytes(body), JSON));
    if (route == Route.SUBSCRIPTION) {
      rb.header("authorization", "Bearer " + secret.reveal());
      rb.header("anthropic-beta", String.join(",", Stream.concat(Stream.of(OAUTH_BETA), betas.stream()).distinct()
          .toList()));
    } else {
      rb.header("x-api-key", secret.reveal());
      List<String> own = betas.stream().filter(b -> !b.equals(OAUTH_BETA)).distinct().toList();
      if (!own.isEmpty()) {
        rb.header("anthropic-beta", String.join(",", own));  // the OAuth beta goes with a token only
      }
    }
    CompletableFuture<CallOutcome> result = new CompletableFuture<>();
    long start = System.nanoTime();
    http.newCall(rb.build()).enqueue(new Callback() {
      @Override
      public void onFailure(Call call, IOException e) {
        CallOutcome.NoAnswer none = noAnswer(route, e, millisSince(start));
        if (none.kind().equals("connection_error")) {
          // A pooled connection the server had closed: others idle beside it likely were too.
          http.connectionPool().evictAll();
        }
        result.complete(none);
      }

      @Override
      public void onResponse(Call call, Response response) {
        try (response; ResponseBody rbody = response.body()) {
          byte[] raw = rbody.bytes();
          JsonNode json;
          try {
            json = raw.length == 0 ? MissingNode.getInstance() : mapper.readTree(raw);
          } catch (IOException notJson) {
            json = MissingNode.getInstance();
          }
          Map<String, String> headers = new HashMap<>();
          for (String name : response.headers().names()) {
            headers.put(name.toLowerCase(Locale.ROOT), response.header(name));
          }
          result.complete(new CallOutcome.Answered(route, response.code(), json, headers, millisSince(start)));
        } catch (IOException e) {
          result.complete(noAnswer(route, e, millisSince(start)));
        }
      }
    });
    return result;
  }

  /** Cancels calls in flight, stops the dispatcher threads and closes pooled connections. */
  @Override
  public void close() {
    http.dispatcher().cancelAll();
    dispatcherThreads.shutdown();
    http.connectionPool().evictAll();
  }

  private static CallOutcome.NoAnswer noAnswer(Route route, IOException e, long latencyMs) {
    // Only the exception class: messages of some transports can echo request details.
    return new CallOutcome.NoAnswer(route, kind(e), e.getClass().getSimpleName(), latencyMs);
  }

  /**
   * {@code unreachable} when no connection was made (so the request was never sent: refused,
   * unknown host, no route, connect time-out), {@code timeout} when the call outlived its limit,
   * else {@code connection_error} (the request may have arrived).
   */
  static String kind(IOException e) {
    if (e instanceof ConnectException || e instanceof UnknownHostException || e instanceof NoRouteToHostException
        || (e instanceof SocketTimeoutException && "connect timed out".equals(e.getMessage()))) {
      return CallOutcome.UNREACHABLE;
    }
    boolean timeout = e instanceof SocketTimeoutException
        || (e instanceof InterruptedIOException && "timeout".equals(e.getMessage()));
    return timeout ? "timeout" : "connection_error";
  }

  private byte[] bytes(ObjectNode body) {
    try {
      return mapper.writeValueAsBytes(body);
    } catch (IOException e) {
      throw new IllegalStateException("cannot serialise a request body", e);
    }
  }

  private static long millisSince(long startNanos) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
  }

  private static String version() {
    String v = MessagesClient.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }
}
