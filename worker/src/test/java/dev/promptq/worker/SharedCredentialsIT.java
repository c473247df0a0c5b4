package dev.promptq.worker;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.promptq.config.Secret;
import dev.promptq.job.Attempt;
import dev.promptq.job.Job;
import dev.promptq.job.JobResult;
import dev.promptq.job.Outcome;
import dev.promptq.job.Route;
import dev.promptq.job.RoutePolicy;
import dev.promptq.testkit.junit.SharedKafka;
import dev.promptq.testkit.kafka.EmbeddedKafka;
import dev.promptq.testkit.sim.AnthropicSimulator;
import dev.promptq.testkit.sim.TokenAuthority;
import dev.promptq.testkit.sim.TokenAuthority.RefreshResult;
import dev.promptq.worker.credentials.CredentialCipher;
import dev.promptq.worker.credentials.CredentialSettings;
import dev.promptq.worker.credentials.Credentials;
import dev.promptq.worker.control.CredentialsImport;
import dev.promptq.worker.credentials.OAuthCredentials;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.logging.log4j.Level;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Workers share one set of refreshable subscription credentials through the control topic: one
 * refresher, one refresh per 401 storm, backoff on token endpoint outages, a revoked refresh token
 * takes the route down once and loudly, an import brings it back, rotations reach the file.
 */
@ExtendWith(SharedKafka.class)
class SharedCredentialsIT {
  private static final String CLIENT = "promptq-it-client";
  private static final Secret KEY = randomKey();

  @TempDir
  Path dir;

  private static Secret randomKey() {
    byte[] k = new byte[32];
    new SecureRandom().nextBytes(k);
    return Secret.of(Base64.getEncoder().encodeToString(k));
  }

  private static TestPipeline pipeline(EmbeddedKafka kafka, Duration ttl) {
    return new TestPipeline(kafka, AnthropicSimulator.builder().apiKey(TestPipeline.API_KEY).oauthTokens(ttl, CLIENT));
  }

  /** A group member that gets the subscription from the group (and seeds it from {@code file}, when given). */
  private static WorkerConfig member(TestPipeline p, String id, Path file, Duration margin) {
    CredentialSettings s = new CredentialSettings(file, true, KEY, p.sim.tokenUrl(), CLIENT, null, margin,
        Duration.ofSeconds(10), Duration.ofSeconds(1), Duration.ofMillis(100), Duration.ofSeconds(1),
        Duration.ofSeconds(6), null);
    return p.workerConfig(id).credentials(new Credentials(Optional.empty(), Optional.of(TestPipeline.API_KEY)))
        .credentialSettings(s).router(TestPipeline.fastRouter(Duration.ofSeconds(30))).build();
  }

  /** A Claude Code-shaped credentials file holding a fresh login of the simulator. */
  private Path login(TestPipeline p) {
    Path f = dir.resolve(".credentials.json");
    p.sim.tokens().login(f);
    return f;
  }

  /** Three members: the first seeds the group from {@code file}, the others have no file. */
  private static void startThree(TestPipeline p, String prefix, Path file, Duration margin) {
    p.startWorker(member(p, prefix + "1", file, margin));
    p.startWorker(member(p, prefix + "2", null, margin));
    p.startWorker(member(p, prefix + "3", null, margin));
    p.awaitGroupFormed();
  }

  private static List<JobResult> run(TestPipeline p, String prefix, int n, RoutePolicy policy) {
    List<CompletableFuture<JobResult>> futures = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      futures.add(p.client().submitAndAwait(Job.of(prefix + "-" + i, p.request("job " + prefix + i)).withRoute(policy),
          Duration.ofSeconds(90)));
    }
    return futures.stream().map(CompletableFuture::join).toList();
  }

  @Test
  void credentialsFromOneWorkersFileReachTheOthersAndRotationsAreWrittenBack(EmbeddedKafka kafka) throws IOException {
    try (TestPipeline p = pipeline(kafka, Duration.ofSeconds(8))) {
      Path file = login(p);
      startThree(p, "seed-", file, Duration.ofSeconds(4));
      // 8 s tokens refreshed 4 s ahead: at least two rotations while jobs run
      await().atMost(Duration.ofSeconds(30)).until(() -> p.sim.tokens().refreshes(RefreshResult.SUCCESS) >= 2);
      List<JobResult> results = run(p, "seeded", 60, RoutePolicy.SUBSCRIPTION_ONLY);

      assertTrue(results.stream().allMatch(r -> r.outcome() == Outcome.SUCCEEDED && r.route() == Route.SUBSCRIPTION));
      assertEquals(3, results.stream().map(JobResult::workerId).distinct().count(), "every worker used the subscription");
      assertEquals(0, p.sim.tokens().refreshes(RefreshResult.INVALID_GRANT));
      List<Secret> issued = p.sim.tokens().everIssued();
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
        JsonNode onDisk = new ObjectMapper().readTree(file.toFile()).get("claudeAiOauth");
        assertEquals(issued.get(issued.size() - 2).reveal(), onDisk.get("accessToken").asText(),
            "the file holds the latest access token");
      });
      assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    }
  }

  @Test
  void aStormOf401sFromThreeWorkersCausesOneRefreshAndEveryJobSucceeds(EmbeddedKafka kafka) throws IOException {
    try (TestPipeline p = pipeline(kafka, Duration.ofMinutes(30))) {
      Path file = login(p);
      startThree(p, "s", file, Duration.ofSeconds(1));
      run(p, "warm", 6, RoutePolicy.SUBSCRIPTION_ONLY);

      p.sim.tokens().expireAccessTokens();  // revoked server-side: every worker's next call is a 401
      List<JobResult> results = run(p, "storm", 300, RoutePolicy.SUBSCRIPTION_ONLY);

      assertTrue(results.stream().allMatch(r -> r.outcome() == Outcome.SUCCEEDED), "no job failed for authentication");
      long met401 = results.stream().filter(r -> r.attempts().stream().anyMatch(a -> a.status() == 401)).count();
      assertTrue(met401 >= 3, "the storm happened: " + met401 + " jobs met a 401");
      assertEquals(1, p.sim.tokens().refreshCalls(), "one refresh for the whole storm");
      for (JobResult r : results) {
        List<Attempt> a = r.attempts();
        assertTrue(a.size() <= 2 && a.get(a.size() - 1).status() == 200, "one retry at most: " + a);
      }
    }
  }

  @Test
  void tokenEndpointOutagesAreRetriedWithBackoff(EmbeddedKafka kafka) throws IOException {
    try (TestPipeline p = pipeline(kafka, Duration.ofSeconds(6))) {
      Path file = login(p);
      p.sim.tokens().failNextRefreshes(3, 503);
      p.startWorker(member(p, "o1", file, Duration.ofSeconds(4)));
      await().atMost(Duration.ofSeconds(30)).until(() -> p.sim.tokens().refreshes(RefreshResult.SUCCESS) >= 1);
      assertEquals(3, p.sim.tokens().refreshes(RefreshResult.INJECTED_FAILURE));
      List<JobResult> results = run(p, "after-outage", 10, RoutePolicy.SUBSCRIPTION_ONLY);
      assertTrue(results.stream().allMatch(r -> r.outcome() == Outcome.SUCCEEDED));
      assertEquals(0, p.sim.tokens().refreshes(RefreshResult.INVALID_GRANT));
    }
  }

  @Test
  void aRevokedRefreshTokenTakesTheRouteDownOnceLoudlyAndAnImportBringsItBack(EmbeddedKafka kafka)
      throws IOException {
    try (TestPipeline p = pipeline(kafka, Duration.ofMinutes(30)); LogCapture logs = new LogCapture()) {
      Path file = login(p);
      startThree(p, "r", file, Duration.ofSeconds(1));
      run(p, "before", 6, RoutePolicy.SUBSCRIPTION_ONLY);

      p.sim.tokens().revokeRefreshTokens();  // signed out elsewhere
      p.sim.tokens().expireAccessTokens();
      List<JobResult> during = run(p, "revoked", 120, RoutePolicy.SUBSCRIPTION_FIRST);

      assertTrue(during.stream().allMatch(r -> r.outcome() == Outcome.SUCCEEDED), "the API served every job");
      assertTrue(during.stream().filter(r -> r.route() == Route.API).count() >= 100, "fallback to the API");
      assertEquals(1, p.sim.tokens().refreshCalls(), "one failed refresh, then none");
      assertEquals(1, p.sim.tokens().refreshes(RefreshResult.INVALID_GRANT));
      List<String> errors = logs.messages(Level.ERROR);
      assertEquals(1, errors.size(), "exactly one ERROR line: " + errors);
      assertTrue(errors.get(0).contains("invalid_grant") && errors.get(0).contains("./promptq credentials import"),
          errors.get(0));

      List<JobResult> later = run(p, "still-revoked", 30, RoutePolicy.SUBSCRIPTION_FIRST);
      assertTrue(later.stream().allMatch(r -> r.route() == Route.API && r.attempts().size() == 1),
          "no subscription calls while revoked");
      assertEquals(1, p.sim.tokens().refreshCalls(), "no refresh retries while revoked");

      TokenAuthority.Issued fresh = p.sim.tokens().issue();
      CredentialsImport.publish(Map.of("bootstrap.servers", kafka.bootstrapServers()), p.topics.control(),
          CredentialCipher.fromBase64(KEY), new OAuthCredentials(fresh.accessToken(), Optional.of(fresh.refreshToken()),
              fresh.expiresAt(), List.of("user:inference"), "max"), "import@test", Clock.systemUTC());
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
        JobResult r = p.client().submitAndAwait(Job.of("after-import-" + System.nanoTime(), p.request("back?")),
            Duration.ofSeconds(30)).join();
        assertEquals(Route.SUBSCRIPTION, r.route());
      });
      assertEquals(1, logs.messages(Level.ERROR).size());
      assertNotEquals(0, p.sim.successes(Route.SUBSCRIPTION));
    }
  }
}
