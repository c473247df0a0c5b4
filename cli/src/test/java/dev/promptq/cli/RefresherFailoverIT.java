package dev.promptq.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.promptq.config.Secret;
import dev.promptq.job.Job;
import dev.promptq.job.JobCodec;
import dev.promptq.job.JobResult;
import dev.promptq.job.Outcome;
import dev.promptq.job.Route;
import dev.promptq.job.RoutePolicy;
import dev.promptq.kafka.Topics;
import dev.promptq.producer.ClientConfig;
import dev.promptq.producer.PromptQClient;
import dev.promptq.testkit.junit.SharedKafka;
import dev.promptq.testkit.kafka.EmbeddedKafka;
import dev.promptq.testkit.kafka.TopicReader;
import dev.promptq.testkit.sim.AnthropicSimulator;
import dev.promptq.testkit.sim.TokenAuthority.RefreshResult;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Three worker JVMs share refreshed credentials for two minutes (six expiries) with 20 s access tokens while
 * jobs flow steadily: the refresher is SIGKILLed (another takes over before the token expires), then
 * the next refresher is frozen with SIGSTOP until the group replaced it and woken with SIGCONT (it
 * publishes nothing). Refreshes match expiries, no refresh token is used twice, no job fails.
 */
@ExtendWith(SharedKafka.class)
class RefresherFailoverIT {
  private static final String CLIENT = "promptq-failover-client";
  private static final Duration TTL = Duration.ofSeconds(20);
  private static final Duration MARGIN = Duration.ofSeconds(6);
  private static final Duration RUN = Duration.ofMinutes(2);
  private static final Pattern METRICS = Pattern.compile("Metrics at (http://\\S+/metrics)");

  private final HttpClient http = HttpClient.newHttpClient();

  private record Member(String id, ChildProcess process, URI metrics) {}

  @Test
  void oneRefresherAtATimeThroughAKillAndAFreeze(EmbeddedKafka kafka) throws Exception {
    Path target = Path.of(System.getProperty("promptq.test.tmp", "target"));
    Path logs = Files.createDirectories(target.resolve("failover-" + UUID.randomUUID().toString().substring(0, 8)));
    String prefix = "fo" + UUID.randomUUID().toString().substring(0, 6);
    Topics topics = Topics.withPrefix(prefix);
    byte[] keyBytes = new byte[32];
    new SecureRandom().nextBytes(keyBytes);
    String key = Base64.getEncoder().encodeToString(keyBytes);
    Secret apiKey = Secret.of("sk-ant-api03-failover-" + UUID.randomUUID());

    try (AnthropicSimulator sim = AnthropicSimulator.builder().apiKey(apiKey).oauthTokens(TTL, CLIENT)
        .latency(Duration.ofMillis(20)).build().start();
        PromptQClient client = PromptQClient.create(ClientConfig.of(kafka.bootstrapServers()).withTopics(topics))) {
      Path file = logs.resolve("credentials.json");
      sim.tokens().login(file);
      Map<String, String> env = ChildProcess.workerEnv(kafka.bootstrapServers(), prefix, sim.baseUrl());
      env.put("ANTHROPIC_API_KEY", apiKey.reveal());
      env.put("PROMPTQ_CREDENTIALS_KEY", key);
      env.put("PROMPTQ_OAUTH_CLIENT_ID", CLIENT);
      Path jar = target.resolve("promptq.jar");
      try (ChildProcess imp = ChildProcess.start(jar, logs, "import", env, "credentials", "import", file.toString())) {
        assertEquals(0, imp.awaitExit(Duration.ofSeconds(90)), imp.stdout());
        assertTrue(imp.stdout().contains("Imported the subscription credentials"), imp.stdout());
      }

      List<Member> members = new ArrayList<>();
      ScheduledExecutorService feeder = Executors.newSingleThreadScheduledExecutor();
      Set<String> ids = new LinkedHashSet<>();
      try {
        for (int i = 1; i <= 3; i++) {
          ChildProcess w = ChildProcess.start(jar, logs, "worker-" + i, env, "worker", "--worker-id", "fo-" + i,
              "--ops-port", "0", "--set", "credentials.token.url=" + sim.tokenUrl(),
              "--set", "credentials.refresh.margin.ms=" + MARGIN.toMillis(),
              "--set", "credentials.election.session.timeout.ms=6000",
              "--set", "kafka.session.timeout.ms=6000", "--set", "kafka.heartbeat.interval.ms=1000");
          String metrics = w.awaitLine(METRICS, Duration.ofSeconds(90)).group(1);
          members.add(new Member("fo-" + i, w, URI.create(metrics)));
        }
        Instant start = Instant.now();
        AtomicInteger n = new AtomicInteger();
        // Steady load: four subscription_only jobs a second for the whole run.
        feeder.scheduleAtFixedRate(() -> {
          String id = "steady-" + n.getAndIncrement();
          synchronized (ids) {
            ids.add(id);
          }
          client.submit(Job.of(id, request("job " + id)).withRoute(RoutePolicy.SUBSCRIPTION_ONLY));
        }, 0, 250, TimeUnit.MILLISECONDS);

        // 1. SIGKILL the refresher right after one of its refreshes.
        int refreshesBefore = sim.tokens().refreshes(RefreshResult.SUCCESS);
        await().atMost(Duration.ofSeconds(60)).until(() -> sim.tokens().refreshes(RefreshResult.SUCCESS) > refreshesBefore);
        Member killed = leader(members);
        Instant expiryAtKill = last(sim.tokens().issuedExpiries());
        killed.process().kill();
        int afterKill = sim.tokens().refreshes(RefreshResult.SUCCESS);
        await().atMost(Duration.ofSeconds(40)).until(() -> sim.tokens().refreshes(RefreshResult.SUCCESS) > afterKill);
        Instant takeoverRefresh = Instant.now();
        assertTrue(takeoverRefresh.isBefore(expiryAtKill), "a new refresher refreshed at " + takeoverRefresh
            + ", before the token of the killed one expired at " + expiryAtKill);
        List<Member> alive = new ArrayList<>(members);
        alive.remove(killed);

        // 2. Freeze the new refresher until the group has replaced it and refreshed again, then wake it.
        Member frozen = leader(alive);
        Instant frozenAt = Instant.now();
        frozen.process().signal("STOP");
        Member other = alive.get(alive.get(0) == frozen ? 1 : 0);
        int afterFreeze = sim.tokens().refreshes(RefreshResult.SUCCESS);
        await().atMost(Duration.ofSeconds(60)).until(() -> gauge(other, "promptq_credentials_refresher") == 1
            && sim.tokens().refreshes(RefreshResult.SUCCESS) > afterFreeze);
        frozen.process().signal("CONT");
        await().atMost(Duration.ofSeconds(30)).until(() -> gauge(frozen, "promptq_credentials_refresher") == 0);

        await().atMost(RUN.plusSeconds(30)).until(() -> Duration.between(start, Instant.now()).compareTo(RUN) >= 0);
        feeder.shutdown();
        assertTrue(feeder.awaitTermination(10, TimeUnit.SECONDS));
        client.flush();
        Instant end = Instant.now();

        // Every job answered once, by the subscription: no authentication failure.
        Set<String> expected;
        synchronized (ids) {
          expected = new LinkedHashSet<>(ids);
        }
        JobCodec codec = new JobCodec();
        Map<String, JobResult> results = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : TopicReader.readAll(kafka.bootstrapServers(), topics.results(),
            expected.size(), Duration.ofSeconds(2), Duration.ofSeconds(120))) {
          JobResult res = codec.decodeResult(r.value());
          assertTrue(results.put(res.id(), res) == null, "answered twice: " + res.id());
        }
        assertEquals(expected, results.keySet());
        List<JobResult> failed = results.values().stream()
            .filter(r -> r.outcome() != Outcome.SUCCEEDED || r.route() != Route.SUBSCRIPTION).toList();
        assertEquals(List.of(), failed, "jobs that failed");
        assertTrue(results.values().stream().noneMatch(r -> r.attempts().stream().anyMatch(a -> a.status() == 401)),
            "no call met an expired token");

        // Refreshes match expiries; no refresh token was used twice.
        assertEquals(0, sim.tokens().refreshes(RefreshResult.INVALID_GRANT), "invalid_grant answers");
        long expired = sim.tokens().issuedExpiries().stream().filter(e -> !e.isAfter(end)).count();
        int refreshCalls = sim.tokens().refreshCalls();
        assertTrue(refreshCalls >= expired && refreshCalls <= expired + 1,
            refreshCalls + " refresh calls for " + expired + " expiries");

        // The frozen refresher published nothing after it was frozen.
        ObjectMapper json = new ObjectMapper();
        for (ConsumerRecord<byte[], byte[]> r : TopicReader.readAll(kafka.bootstrapServers(), topics.control(), 1,
            Duration.ofSeconds(1), Duration.ofSeconds(30))) {
          String k = new String(r.key(), StandardCharsets.UTF_8);
          if (k.startsWith("credentials/") && !k.startsWith("credentials/refresh-request/")) {
            JsonNode v = json.readTree(r.value());
            boolean byFrozen = frozen.id().equals(v.path("by").asText()) || frozen.id().equals(v.path("worker").asText());
            assertTrue(!byFrozen || Instant.parse(v.path("at").asText()).isBefore(frozenAt),
                "the frozen refresher published " + k + " at " + v.path("at").asText());
          }
        }
        System.out.printf("failover: %d jobs, %d refreshes for %d expiries, takeover refresh %d s before expiry%n",
            expected.size(), refreshCalls, expired, Duration.between(takeoverRefresh, expiryAtKill).toSeconds());
      } finally {
        feeder.shutdownNow();
        for (Member m : members) {
          if (m.process().isAlive()) {
            m.process().signal("CONT");
          }
          m.process().close();
        }
      }
    }
  }

  /** The one member whose metrics say it is the refresher (waits for one). */
  private Member leader(List<Member> members) {
    List<Member> leaders = new ArrayList<>();
    await().atMost(Duration.ofSeconds(30)).until(() -> {
      leaders.clear();
      for (Member m : members) {
        if (gauge(m, "promptq_credentials_refresher") == 1) {
          leaders.add(m);
        }
      }
      return leaders.size() == 1;
    });
    return leaders.get(0);
  }

  private double gauge(Member m, String name) throws Exception {
    String text = http.send(HttpRequest.newBuilder(m.metrics()).timeout(Duration.ofSeconds(5)).build(),
        HttpResponse.BodyHandlers.ofString()).body();
    for (String line : text.split("\n")) {
      if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
        return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return Double.NaN;
  }

  private static Instant last(List<Instant> list) {
    return list.get(list.size() - 1);
  }

  private static com.fasterxml.jackson.databind.node.ObjectNode request(String prompt) {
    com.fasterxml.jackson.databind.node.ObjectNode r = new ObjectMapper().createObjectNode();
    r.put("model", "claude-test").put("max_tokens", 50);
    r.putArray("messages").addObject().put("role", "user").put("content", prompt);
    return r;
  }
}
