package dev.promptq.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.promptq.config.Secret;
import dev.promptq.config.Settings;
import dev.promptq.gateway.Gateway;
import dev.promptq.gateway.GatewayConfig;
import dev.promptq.gateway.keys.KeyAdmin;
import dev.promptq.job.RoutePolicy;
import dev.promptq.kafka.GatewaySeal;
import dev.promptq.kafka.Topics;
import java.io.PrintStream;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The gateway under load (issue 18's figures): clients that call {@code POST /v1/messages} as the
 * SDKs do (one request at a time each, their own connection pool), through one gateway, to three
 * in-process workers, against the simulator's latency. Each run has fresh topics.
 */
final class GatewayScenario {
  /** What the clients saw. Added latency: request to answer, minus the simulated latency. */
  record Figures(int clients, double seconds, long answered, long failed, long answeredTwice, long p50AddedMs,
      long p99AddedMs, long maxAddedMs) {
    double perSecond() {
      return answered / seconds;
    }
  }

  private static final ObjectMapper MAPPER = GatewayCalls.MAPPER;
  private static final Duration WARM_UP = Duration.ofSeconds(10);
  private final String bootstrap;
  private final String simUrl;
  private final Secret oauth;
  private final Secret apiKey;
  private final Duration latency;

  GatewayScenario(String bootstrap, String simUrl, Secret oauth, Secret apiKey, Duration latency) {
    this.bootstrap = bootstrap;
    this.simUrl = simUrl;
    this.oauth = oauth;
    this.apiKey = apiKey;
    this.latency = latency;
  }

  /**
   * {@code clients} callers for {@code duration}; with {@code batchRequests} > 0, a Message Batch of
   * that many requests is created through the gateway first and runs meanwhile.
   */
  Figures run(int clients, Duration duration, int batchRequests, PrintStream progress) throws Exception {
    Topics t = Topics.withPrefix("gw" + UUID.randomUUID().toString().substring(0, 8));
    String secret = GatewaySeal.newSecret();
    try (BenchGroup group = BenchGroup.behindGateway(bootstrap, t, "gw-worker", simUrl, oauth, apiKey, secret);
        KeyAdmin admin = new KeyAdmin(bootstrap, Map.of(), t, Clock.systemUTC());
        Gateway gateway = Gateway.start(GatewayConfig.fromSettings(Settings.of(Map.of("bootstrap.servers", bootstrap,
            "topic.prefix", t.jobs().substring(0, t.jobs().length() - ".jobs".length()), "gateway.port", "0",
            "gateway.instance.id", "bench-gateway", "gateway.secret", secret))))) {
      String key = admin.create(new KeyAdmin.Grant("bench", List.of(RoutePolicy.SUBSCRIPTION_FIRST), "*", null, 0))
          .key();
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
          .executor(Executors.newFixedThreadPool(8)).connectTimeout(Duration.ofSeconds(5)).build();
      GatewayCalls.awaitKey(http, gateway.baseUrl(), key);
      // warm-up, not measured: each worker's subscription calls start at a slow-start window of four
      // in flight and grow by one per answer (issue 17), as they would after any restart
      call(http, gateway.baseUrl(), key, clients, WARM_UP, null);
      String batchId = null;
      if (batchRequests > 0) {
        batchId = GatewayCalls.createBatch(http, gateway.baseUrl(), key, "bench", batchRequests);
        progress.printf("   a batch of %,d requests created through the gateway (%s); %d clients call meanwhile%n",
            batchRequests, batchId, clients);
      }
      Calls calls = new Calls();
      long start = System.nanoTime();
      call(http, gateway.baseUrl(), key, clients, duration, calls);
      double seconds = (System.nanoTime() - start) / 1e9;
      if (batchId != null) {
        JsonNode b = MAPPER.readTree(http.send(GatewayCalls.request(gateway.baseUrl() + "/v1/messages/batches/"
            + batchId, key).GET().build(), HttpResponse.BodyHandlers.ofString()).body());
        progress.printf("   the batch meanwhile: %s%s%n", b.path("processing_status").asText(), b.path("ended_at")
            .isTextual() ? ", ended in " + Duration.between(java.time.Instant.parse(b.path("created_at").asText()),
            java.time.Instant.parse(b.path("ended_at").asText())).toSeconds() + " s, " + b.path("request_counts")
            : " after " + Math.round(seconds) + " s");
      }
      List<Long> sorted = new ArrayList<>(calls.added);
      Collections.sort(sorted);
      // answered twice: a job id with two results on the reply topic (read_committed), or two answers
      Map<String, Integer> results = new java.util.HashMap<>();
      for (var r : dev.promptq.testkit.kafka.TopicReader.readAll(bootstrap, t.gatewayReplies(), 1, Duration.ofSeconds(1),
          Duration.ofSeconds(60))) {
        results.merge(new String(r.key(), java.nio.charset.StandardCharsets.UTF_8), 1, Integer::sum);
      }
      long twice = results.values().stream().filter(v -> v > 1).count()
          + calls.jobIds.values().stream().filter(v -> v > 1).count();
      return new Figures(clients, seconds, sorted.size(), calls.failed.get(), twice, at(sorted, 50), at(sorted, 99),
          sorted.isEmpty() ? 0 : sorted.get(sorted.size() - 1));
    }
  }

  /** What the callers of one phase saw. */
  private static final class Calls {
    final ConcurrentLinkedQueue<Long> added = new ConcurrentLinkedQueue<>();
    final Map<String, Integer> jobIds = new ConcurrentHashMap<>();
    final AtomicLong failed = new AtomicLong();
  }

  /** {@code clients} callers, one request at a time each, for {@code duration}; counted in {@code calls} unless null. */
  private void call(HttpClient http, String baseUrl, String key, int clients, Duration duration, Calls calls)
      throws InterruptedException {
    long end = System.nanoTime() + duration.toNanos();
    ExecutorService callers = Executors.newFixedThreadPool(clients);
    for (int c = 0; c < clients; c++) {
      int client = c;
      callers.submit(() -> {
        int n = 0;
        while (System.nanoTime() < end) {
          long t0 = System.nanoTime();
          try {
            HttpResponse<String> r = http.send(GatewayCalls.message(baseUrl, key, "client " + client + " call " + n++),
                HttpResponse.BodyHandlers.ofString());
            if (calls == null) {
              continue;
            }
            if (r.statusCode() == 200) {
              calls.added.add((System.nanoTime() - t0) / 1_000_000 - latency.toMillis());
              r.headers().firstValue("promptq-job-id").ifPresent(j -> calls.jobIds.merge(j, 1, Integer::sum));
            } else {
              calls.failed.incrementAndGet();
            }
          } catch (Exception e) {
            if (calls != null) {
              calls.failed.incrementAndGet();
            }
          }
        }
        return null;
      });
    }
    callers.shutdown();
    callers.awaitTermination(duration.toSeconds() + 120, java.util.concurrent.TimeUnit.SECONDS);
  }

  /**
   * Section 8: {@code clients} callers for {@code duration} with the group idle but for them, then
   * the same while a batch of {@code batchRequests} runs.
   */
  void section(PrintStream out, int clients, Duration duration, int batchRequests) throws Exception {
    out.printf("%n8. The gateway: %d clients calling POST /v1/messages one request at a time each, for %d s, through "
        + "one gateway to three workers, simulator latency %d ms%n", clients, duration.toSeconds(), latency.toMillis());
    Figures idle = run(clients, duration, 0, out);
    print(out, "alone", idle);
    Figures busy = run(clients, duration, batchRequests, out);
    print(out, "with the batch", busy);
    out.printf("   p99 added latency with the batch running / alone: %.2f%n",
        busy.p99AddedMs() / (double) Math.max(1, idle.p99AddedMs()));
  }

  private void print(PrintStream out, String when, Figures f) {
    double bound = f.clients() / (latency.toMillis() / 1000.0);
    out.printf("   %-15s %,8.1f requests/s (Little's bound %.1f, ratio %.2f); added latency p50 %d ms, p99 %d ms, "
        + "max %d ms; %d failed, %d answered twice%n", when, f.perSecond(), bound, f.perSecond() / bound,
        f.p50AddedMs(), f.p99AddedMs(), f.maxAddedMs(), f.failed(), f.answeredTwice());
  }

  private static long at(List<Long> sorted, int percentile) {
    return sorted.isEmpty() ? 0 : sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(percentile / 100.0
        * sorted.size()) - 1));
  }

}
