package dev.promptq.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.promptq.config.Secret;
import dev.promptq.gateway.keys.KeyAdmin;
import dev.promptq.job.RoutePolicy;
import dev.promptq.kafka.GatewaySeal;
import dev.promptq.kafka.Topics;
import dev.promptq.testkit.kafka.TopicReader;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A gateway instance SIGKILLed while it serves (issue 18): two gateways as child processes, clients
 * spread over both that retry a connection error on the other (as an SDK behind a load balancer
 * retries), and a Message Batch created through the one that is killed.
 */
final class GatewayCrashScenario {
  private static final ObjectMapper MAPPER = GatewayCalls.MAPPER;

  private final String bootstrap;
  private final String simUrl;
  private final Secret oauth;
  private final Secret apiKey;
  private final List<String> gatewayCommand;

  /** @param gatewayCommand how to start {@code promptq gateway} in a new JVM (java, class path, main class, "gateway") */
  GatewayCrashScenario(String bootstrap, String simUrl, Secret oauth, Secret apiKey, List<String> gatewayCommand) {
    this.bootstrap = bootstrap;
    this.simUrl = simUrl;
    this.oauth = oauth;
    this.apiKey = apiKey;
    this.gatewayCommand = gatewayCommand;
  }

  void section(PrintStream out, int clients, Duration duration, int batchRequests) throws Exception {
    out.printf("%n8b. A gateway SIGKILLed: two gateway processes, %d clients spread over them for %d s (a connection "
        + "error is retried once on the other), a batch of %,d made through the first, which is killed a third of the "
        + "way through%n", clients, duration.toSeconds(), batchRequests);
    Topics t = Topics.withPrefix("gk" + UUID.randomUUID().toString().substring(0, 8));
    String prefix = t.jobs().substring(0, t.jobs().length() - ".jobs".length());
    String secret = GatewaySeal.newSecret();
    try (BenchGroup group = BenchGroup.behindGateway(bootstrap, t, "gk-worker", simUrl, oauth, apiKey, secret);
        KeyAdmin admin = new KeyAdmin(bootstrap, Map.of(), t, Clock.systemUTC())) {
      String key = admin.create(new KeyAdmin.Grant("crash", List.of(RoutePolicy.SUBSCRIPTION_FIRST), "*", null, 0))
          .key();
      Process a = start(prefix, "gk-a", secret);
      Process b = start(prefix, "gk-b", secret);
      try {
        String[] urls = {url(a), url(b)};
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .executor(Executors.newFixedThreadPool(8)).connectTimeout(Duration.ofSeconds(5)).build();
        for (String u : urls) {
          GatewayCalls.awaitKey(http, u, key);
        }
        String batch = GatewayCalls.createBatch(http, urls[0], key, "crash", batchRequests);
        AtomicLong ok = new AtomicLong();
        AtomicLong retried = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        long end = System.nanoTime() + duration.toNanos();
        ExecutorService callers = Executors.newFixedThreadPool(clients);
        for (int c = 0; c < clients; c++) {
          int client = c;
          callers.submit(() -> {
            int n = 0;
            while (System.nanoTime() < end) {
              String prompt = "client " + client + " call " + n++;
              int first = client % 2;
              try {
                ok.addAndGet(send(http, urls[first], key, prompt) == 200 ? 1 : 0);
              } catch (IOException e) {
                retried.incrementAndGet();
                try {
                  ok.addAndGet(send(http, urls[1 - first], key, prompt) == 200 ? 1 : 0);
                } catch (IOException | InterruptedException again) {
                  failed.incrementAndGet();
                }
              } catch (InterruptedException e) {
                return null;
              }
            }
            return null;
          });
        }
        callers.shutdown();
        Thread.sleep(duration.toMillis() / 3);
        a.destroyForcibly();  // SIGKILL
        a.waitFor(10, TimeUnit.SECONDS);
        urls[0] = urls[1];  // the load balancer takes it out
        callers.awaitTermination(duration.toSeconds() + 120, TimeUnit.SECONDS);
        JsonNode ended = awaitEnded(http, urls[1], key, batch, Duration.ofMinutes(5));
        Map<String, Integer> results = new HashMap<>();
        for (var r : TopicReader.readAll(bootstrap, t.gatewayReplies(), 1, Duration.ofSeconds(1), Duration.ofSeconds(60))) {
          results.merge(new String(r.key(), StandardCharsets.UTF_8), 1, Integer::sum);
        }
        long twice = results.values().stream().filter(v -> v > 1).count();
        out.printf("   %,d requests answered 200; %d met a connection error and were retried on the other instance, "
            + "%d failed after the retry; %d of %,d results on the reply topic answer a job twice%n", ok.get(),
            retried.get(), failed.get(), twice, results.size());
        out.printf("   the batch made through the killed instance, read through the other: %s, %s%n",
            ended.path("processing_status").asText(), ended.path("request_counts"));
      } finally {
        a.destroyForcibly();
        b.destroy();
        b.waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  /** A gateway in a new JVM; the secret goes by environment, never on a command line. */
  private Process start(String prefix, String instance, String secret) throws IOException {
    List<String> cmd = new ArrayList<>(gatewayCommand);
    cmd.addAll(List.of("--bootstrap-servers", bootstrap, "--topic-prefix", prefix, "--port", "0",
        "--set", "gateway.instance.id=" + instance));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().put(GatewaySeal.SECRET_ENV, secret);
    return pb.start();
  }

  /** The base URL the gateway prints when it listens. */
  private static String url(Process p) throws IOException {
    BufferedReader lines = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    String line;
    while ((line = lines.readLine()) != null) {
      int at = line.indexOf(" listening at ");
      if (line.startsWith("Gateway ") && at > 0) {
        String url = line.substring(at + " listening at ".length()).split(" ")[0];
        Thread drain = new Thread(() -> {
          try {
            while (lines.readLine() != null) {
              // keep its pipe from filling
            }
          } catch (IOException e) {
            // it ended
          }
        }, "bench-gateway-output");
        drain.setDaemon(true);
        drain.start();
        return url;
      }
    }
    throw new IllegalStateException("the gateway process ended before it listened");
  }

  private static int send(HttpClient http, String baseUrl, String key, String prompt)
      throws IOException, InterruptedException {
    return http.send(GatewayCalls.message(baseUrl, key, prompt), HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  private static JsonNode awaitEnded(HttpClient http, String baseUrl, String key, String batch, Duration atMost)
      throws Exception {
    long until = System.nanoTime() + atMost.toNanos();
    while (true) {
      JsonNode b = MAPPER.readTree(http.send(GatewayCalls.request(baseUrl + "/v1/messages/batches/" + batch, key).GET().build(),
          HttpResponse.BodyHandlers.ofString()).body());
      if (b.path("processing_status").asText().equals("ended") || System.nanoTime() > until) {
        return b;
      }
      Thread.sleep(500);
    }
  }
}
