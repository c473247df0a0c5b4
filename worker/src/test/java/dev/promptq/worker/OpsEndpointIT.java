package dev.promptq.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.promptq.job.Job;
import dev.promptq.testkit.junit.SharedKafka;
import dev.promptq.testkit.kafka.EmbeddedKafka;
import java.io.IOException;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** /metrics and /health: on loopback by default, counts and states only. */
@ExtendWith(SharedKafka.class)
class OpsEndpointIT {
  private final HttpClient http = HttpClient.newHttpClient();

  private HttpResponse<String> get(InetSocketAddress at, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + at.getPort() + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** An IPv4 address of this machine that is not loopback, if it has one. */
  private static Optional<InetAddress> nonLoopbackAddress() throws IOException {
    for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
      if (!nic.isUp() || nic.isLoopback()) {
        continue;
      }
      for (InetAddress a : Collections.list(nic.getInetAddresses())) {
        if (a instanceof Inet4Address && !a.isLoopbackAddress()) {
          return Optional.of(a);
        }
      }
    }
    return Optional.empty();
  }

  @Test
  void metricsAndHealthAreServedOnLoopbackWithoutSecrets(EmbeddedKafka kafka) throws Exception {
    try (TestPipeline p = new TestPipeline(kafka)) {
      Worker w = p.startWorker(p.workerConfig("w").ops(0, WorkerConfig.DEFAULT_OPS_BIND).build());
      assertTrue(p.client().submitAndAwait(Job.of("counted", p.request("hi")), Duration.ofSeconds(60)).join()
          .succeeded());
      InetSocketAddress at = w.opsAddress().orElseThrow();
      assertTrue(at.getAddress().isLoopbackAddress(), "bound to " + at);

      HttpResponse<String> metrics = get(at, "/metrics");
      assertEquals(200, metrics.statusCode());
      String text = metrics.body();
      assertTrue(text.contains("promptq_jobs_total{outcome=\"succeeded\",route=\"subscription\"} 1.0"), text);
      assertTrue(text.contains("promptq_calls_seconds_count{route=\"subscription\",status=\"200\"} 1"), text);
      assertTrue(text.contains("promptq_route_open{route=\"subscription\"} 1.0"), text);
      assertTrue(text.contains("promptq_jobs_in_flight"), text);
      assertTrue(text.contains("promptq_partitions_paused"), text);

      PrometheusText.Exposition scrape = PrometheusText.parse(text);  // strict: throws on a malformed line
      assertEquals(1.0, scrape.value("promptq_jobs_total", Map.of("outcome", "succeeded", "route", "subscription")));
      assertEquals(1.0, scrape.value("promptq_calls_seconds_count", Map.of("route", "subscription", "status", "200")));
      assertEquals("histogram", scrape.types().get("promptq_calls_seconds"));
      double previous = 0;
      for (PrometheusText.Sample b : scrape.named("promptq_calls_seconds_bucket")) {
        assertTrue(b.value() >= previous, "cumulative buckets");
        previous = b.value();
      }
      assertEquals(1.0, previous, "the +Inf bucket holds the one call");
      assertTrue(scrape.value("promptq_tokens_total", Map.of("route", "subscription", "direction", "input")) > 0);
      assertEquals(1.0, scrape.value("promptq_route_open", Map.of("route", "subscription")));
      assertEquals(0.0, scrape.value("promptq_jobs_waiting", Map.of()));
      assertTrue(scrape.value("promptq_jobs_in_flight", Map.of()) >= 0);
      assertTrue(scrape.value("promptq_partitions_paused", Map.of()) >= 0);
      assertEquals(0.0, scrape.value("promptq_api_spend_today", Map.of()));
      assertEquals(1.0, scrape.value("promptq_credentials_usable", Map.of()), "the static token is usable");
      assertEquals(0.0, scrape.value("promptq_credentials_refresher", Map.of()), "a static token has no refresher");
      assertTrue(Double.isNaN(scrape.value("promptq_credentials_expires_in_seconds", Map.of())), "expiry unknown");
      assertTrue(scrape.types().keySet().stream().anyMatch(f -> f.startsWith("kafka_consumer_")),
          "Kafka's client metrics: " + scrape.types().keySet());
      assertTrue(text.matches("(?s).*promptq_tokens_total\\{direction=\"output\",route=\"subscription\"} [1-9].*"), text);

      HttpResponse<String> health = get(at, "/health");
      assertEquals(200, health.statusCode());
      JsonNode h = p.codec.mapper().readTree(health.body());
      assertEquals("UP", h.path("status").asText());
      assertEquals(12, h.path("partitions").asInt(), "the jobs topic's 6 and the interactive lane's 6");
      assertTrue(h.path("kafka").path("reachable").asBoolean(), "the broker answers");
      assertTrue(h.path("ready").asBoolean(), "ready: running, broker reachable, partitions owned");
      assertTrue(h.path("routes").path("subscription").path("open").asBoolean());
      assertEquals("static", h.path("credentials").path("subscription").path("state").asText());
      assertTrue(h.path("credentials").path("api").asBoolean());

      for (String body : new String[] {text, health.body()}) {
        assertFalse(body.contains(TestPipeline.OAUTH_TOKEN.reveal()), "no token");
        assertFalse(body.contains(TestPipeline.API_KEY.reveal()), "no key");
        assertFalse(body.contains("hi\""), "no request content");
      }
    }
  }

  @Test
  void theEndpointIsNotReachableOnANonLoopbackAddressByDefault(EmbeddedKafka kafka) throws Exception {
    Optional<InetAddress> external = nonLoopbackAddress();
    Assumptions.assumeTrue(external.isPresent(), "this machine has no non-loopback IPv4 address to try");
    try (TestPipeline p = new TestPipeline(kafka)) {
      Worker w = p.startWorker(p.workerConfig("w").ops(0, WorkerConfig.DEFAULT_OPS_BIND).build());
      int port = w.opsAddress().orElseThrow().getPort();
      assertEquals(200, get(w.opsAddress().orElseThrow(), "/health").statusCode(), "reachable on loopback");
      assertThrows(ConnectException.class, () -> {
        try (Socket s = new Socket()) {
          s.connect(new InetSocketAddress(external.get(), port), 2_000);
        }
      }, "refused on " + external.get().getHostAddress() + ":" + port);
    }
  }
}
