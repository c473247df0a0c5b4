package dev.promptq.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.promptq.config.Secret;
import dev.promptq.job.Job;
import dev.promptq.job.JobResult;
import dev.promptq.job.Outcome;
import dev.promptq.job.Route;
import dev.promptq.kafka.Topics;
import dev.promptq.producer.ClientConfig;
import dev.promptq.producer.PromptQClient;
import dev.promptq.testkit.junit.SharedKafka;
import dev.promptq.testkit.kafka.EmbeddedKafka;
import dev.promptq.testkit.kafka.TopicReader;
import dev.promptq.testkit.sim.AnthropicSimulator;
import dev.promptq.testkit.sim.TokenAuthority;
import dev.promptq.testkit.sim.TokenAuthority.RefreshResult;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The whole credentials flow with planted secrets (every access and refresh token the simulator
 * issues, the API key, the group key): an import, rotations, a 401 storm, a revoked refresh token,
 * rejected requests and dead letters. None of the secrets shows in the workers' logs, stdout or
 * stderr, the commands' output, any record of the deployment's topics, the metrics and health
 * endpoints, or the bytes of the broker's log directory.
 */
@ExtendWith(SharedKafka.class)
class CredentialsLeakIT {
  private static final String CLIENT = "promptq-leak-client";
  private static final Pattern METRICS = Pattern.compile("Metrics at (http://\\S+)/metrics");

  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void plantedSecretsAppearNowhere(EmbeddedKafka kafka) throws Exception {
    Path target = Path.of(System.getProperty("promptq.test.tmp", "target"));
    Path logs = Files.createDirectories(target.resolve("leak-" + UUID.randomUUID().toString().substring(0, 8)));
    String prefix = "lk" + UUID.randomUUID().toString().substring(0, 6);
    Topics topics = Topics.withPrefix(prefix);
    String marker = "PLANTED" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
    byte[] keyBytes = new byte[32];
    new SecureRandom().nextBytes(keyBytes);
    String key = Base64.getEncoder().encodeToString(keyBytes);
    Secret apiKey = Secret.of("sk-ant-api03-" + marker + "-apikey");

    try (AnthropicSimulator sim = AnthropicSimulator.builder().apiKey(apiKey).oauthTokens(Duration.ofSeconds(6), CLIENT)
        .tokenMarker(marker).build().start();
        PromptQClient client = PromptQClient.create(ClientConfig.of(kafka.bootstrapServers()).withTopics(topics))) {
      Path file = logs.resolve("credentials.json");
      TokenAuthority.Issued login = sim.tokens().login(file);
      Map<String, String> env = ChildProcess.workerEnv(kafka.bootstrapServers(), prefix, sim.baseUrl());
      env.put("ANTHROPIC_API_KEY", apiKey.reveal());
      env.put("PROMPTQ_CREDENTIALS_KEY", key);
      env.put("PROMPTQ_OAUTH_CLIENT_ID", CLIENT);
      env.put("PROMPTQ_LOG_LEVEL", "DEBUG");
      Path jar = target.resolve("promptq.jar");
      List<String> outputs = new ArrayList<>();
      List<ChildProcess> children = new ArrayList<>();
      try {
        ChildProcess imp = ChildProcess.start(jar, logs, "import", env, "credentials", "import", file.toString());
        children.add(imp);
        assertEquals(0, imp.awaitExit(Duration.ofSeconds(90)), imp.stdout());
        List<String> opsUrls = new ArrayList<>();
        for (int i = 1; i <= 2; i++) {
          ChildProcess w = ChildProcess.start(jar, logs, "worker-" + i, env, "worker", "--worker-id", "leak-" + i,
              "--ops-port", "0", "--set", "credentials.token.url=" + sim.tokenUrl(),
              "--set", "credentials.refresh.margin.ms=3000", "--set", "credentials.refresh.min.interval.ms=500");
          children.add(w);
          opsUrls.add(w.awaitLine(METRICS, Duration.ofSeconds(90)).group(1));
        }

        // Rotations while jobs succeed; a rejected request; dead letters.
        await().atMost(Duration.ofSeconds(30)).until(() -> sim.tokens().refreshes(RefreshResult.SUCCESS) >= 2);
        List<JobResult> ok = run(client, "ok", 20);
        assertTrue(ok.stream().allMatch(r -> r.route() == Route.SUBSCRIPTION), "served by the subscription");
        ObjectNode bad = request("bad");
        bad.put("unknown_field", 1);
        assertEquals(Outcome.ERRORED, client.submitAndAwait(Job.of("bad", bad), Duration.ofSeconds(60)).join().outcome());
        try (KafkaProducer<byte[], byte[]> raw = new KafkaProducer<>(Map.of("bootstrap.servers", kafka.bootstrapServers()),
            new ByteArraySerializer(), new ByteArraySerializer())) {
          raw.send(new ProducerRecord<>(topics.jobs(), "junk".getBytes(StandardCharsets.UTF_8),
              "{not json".getBytes(StandardCharsets.UTF_8))).get();
          raw.send(new ProducerRecord<>(topics.jobs(), "hijack".getBytes(StandardCharsets.UTF_8),
              ("{\"id\":\"hijack\",\"reply_to\":\"" + topics.control() + "\",\"request\":" + request("x") + "}")
                  .getBytes(StandardCharsets.UTF_8))).get();
        }

        // A 401 storm, cured by one refresh.
        int before = sim.tokens().refreshCalls();
        sim.tokens().expireAccessTokens();
        assertTrue(run(client, "storm", 20).stream().allMatch(r -> r.outcome() == Outcome.SUCCEEDED));
        assertTrue(sim.tokens().refreshCalls() > before);

        // A revoked refresh token: the route goes down, the API serves.
        sim.tokens().revokeRefreshTokens();
        sim.tokens().expireAccessTokens();
        List<JobResult> revoked = run(client, "revoked", 20);
        assertTrue(revoked.stream().allMatch(r -> r.outcome() == Outcome.SUCCEEDED));
        await().atMost(Duration.ofSeconds(30)).until(() -> sim.tokens().refreshes(RefreshResult.INVALID_GRANT) == 1);

        for (String ops : opsUrls) {
          outputs.add(get(ops + "/metrics"));
          outputs.add(get(ops + "/health"));
        }
        ChildProcess status = ChildProcess.start(jar, logs, "status", env, "status", "--json");
        children.add(status);
        assertEquals(0, status.awaitExit(Duration.ofSeconds(90)));
        assertTrue(status.stdout().contains("\"credentials\":{\"state\":\"revoked\""), status.stdout());
        for (ChildProcess c : children) {
          c.close();
          outputs.add(c.stdout());
          outputs.add(Files.readString(c.stderrFile(), StandardCharsets.ISO_8859_1));
        }
      } finally {
        for (ChildProcess c : children) {
          c.close();
        }
      }
      long errors = outputs.stream().flatMap(String::lines).filter(l -> l.contains(" ERROR ")).count();
      assertEquals(1, errors, "one ERROR line for the revoked refresh token");

      for (String topic : List.of(topics.jobs(), topics.results(), topics.deadLetters(), topics.control())) {
        for (ConsumerRecord<byte[], byte[]> r : TopicReader.readAll(kafka.bootstrapServers(), topic, 1,
            Duration.ofSeconds(1), Duration.ofSeconds(60))) {
          StringBuilder sb = new StringBuilder(text(r.key())).append(' ').append(text(r.value()));
          for (Header h : r.headers()) {
            sb.append(' ').append(h.key()).append('=').append(text(h.value()));
          }
          outputs.add(sb.toString());
        }
      }
      outputs.add(Files.readString(file));  // the import's input is the one place a token may be: check the check
      List<String> planted = new ArrayList<>();
      sim.tokens().everIssued().forEach(s -> planted.add(s.reveal()));
      planted.add(apiKey.reveal());
      planted.add(key);
      assertTrue(planted.size() >= 10, "a login and at least three rotations: " + planted.size());
      List<String> leaks = new ArrayList<>();
      for (int i = 0; i < outputs.size() - 1; i++) {
        for (String secret : planted) {
          if (outputs.get(i).contains(secret)) {
            leaks.add(secret.substring(0, 16) + "... in output " + i + ": "
                + outputs.get(i).substring(0, Math.min(200, outputs.get(i).length())));
          }
        }
      }
      assertEquals(List.of(), leaks);
      assertTrue(outputs.get(outputs.size() - 1).contains(login.accessToken().reveal()), "the search finds a token");

      List<byte[]> needles = new ArrayList<>();
      planted.forEach(s -> needles.add(s.getBytes(StandardCharsets.UTF_8)));
      needles.add(keyBytes);
      List<String> onDisk = new ArrayList<>();
      long scanned;
      try (Stream<Path> files = Files.walk(kafka.dataDir())) {
        List<Path> all = files.filter(Files::isRegularFile).toList();
        scanned = all.size();
        for (Path f : all) {
          byte[] bytes = readQuietly(f);
          for (byte[] n : needles) {
            if (indexOf(bytes, n) >= 0) {
              onDisk.add(f.toString());
            }
          }
        }
      }
      assertTrue(scanned > 10, "broker files scanned: " + scanned);
      assertEquals(List.of(), onDisk, "secrets in the broker's log directory");
    }
  }

  private static List<JobResult> run(PromptQClient client, String prefix, int n) {
    List<CompletableFuture<JobResult>> f = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      f.add(client.submitAndAwait(Job.of(prefix + "-" + i, request("leak test " + prefix + i)), Duration.ofSeconds(60)));
    }
    return f.stream().map(CompletableFuture::join).toList();
  }

  private String get(String url) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
        HttpResponse.BodyHandlers.ofString()).body();
  }

  private static ObjectNode request(String prompt) {
    ObjectNode r = new ObjectMapper().createObjectNode();
    r.put("model", "claude-test").put("max_tokens", 50);
    r.putArray("messages").addObject().put("role", "user").put("content", prompt);
    return r;
  }

  private static String text(byte[] b) {
    return b == null ? "" : new String(b, StandardCharsets.ISO_8859_1);
  }

  private static byte[] readQuietly(Path f) {
    try {
      return Files.readAllBytes(f);
    } catch (IOException e) {
      return new byte[0];  // a segment deleted while walking
    }
  }

  static int indexOf(byte[] hay, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= hay.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
