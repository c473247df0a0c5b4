package dev.promptq.worker;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.promptq.config.Secret;
import dev.promptq.job.Job;
import dev.promptq.job.JobResult;
import dev.promptq.job.Outcome;
import dev.promptq.job.Route;
import dev.promptq.job.RoutePolicy;
import dev.promptq.testkit.junit.SharedKafka;
import dev.promptq.testkit.kafka.EmbeddedKafka;
import dev.promptq.testkit.sim.AnthropicSimulator;
import dev.promptq.testkit.sim.AnthropicSimulatorBuilder;
import dev.promptq.testkit.sim.TokenAuthority.RefreshResult;
import dev.promptq.worker.credentials.CredentialSettings;
import dev.promptq.worker.credentials.Credentials;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Faults of the parts around the workers, provoked on real parts while jobs run: the broker
 * stopped and started again, the Anthropic endpoint unreachable, the token endpoint down across an
 * expiry. Each prints its figures. The workers are never restarted.
 */
@ExtendWith(SharedKafka.class)
class ChaosIT {
  @TempDir
  Path dir;

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  @Test
  void aBrokerStoppedForThirtySecondsAndStartedAgainLosesNoJobAndAnswersNoneTwice() throws Exception {
    int port = freePort();
    Path data = dir.resolve("kafka");
    EmbeddedKafka broker = EmbeddedKafka.builder().port(port).dataDir(data).build().start();
    EmbeddedKafka again = null;
    try (TestPipeline p = new TestPipeline(broker, AnthropicSimulator.builder().oauthToken(TestPipeline.OAUTH_TOKEN)
        .apiKey(TestPipeline.API_KEY).latency(Duration.ofMillis(20)))) {
      p.startWorker(p.workerConfig("chaos-k1").build());
      p.startWorker(p.workerConfig("chaos-k2").build());
      p.awaitGroupFormed();
      Set<String> ids = p.submitMany("broker", 3000);
      await().atMost(Duration.ofSeconds(60)).until(() -> p.sim.calls().size() >= 600);
      long stoppedAt = System.nanoTime();
      int callsBefore = p.sim.calls().size();

      broker.close();
      await().during(Duration.ofSeconds(30)).atMost(Duration.ofSeconds(40))
          .until(() -> p.workers().stream().noneMatch(w -> w.finished().isDone()));
      again = EmbeddedKafka.builder().port(port).dataDir(data).build().start();

      p.assertExactlyOneResultEach(ids);
      System.out.printf("broker outage: %d calls before the stop, %d in all for 3000 jobs (repeated after rewinds: "
          + "%d); all answered %.1f s after the stop%n", callsBefore, p.sim.calls().size(),
          p.sim.calls().size() - 3000, (System.nanoTime() - stoppedAt) / 1e9);
      assertTrue(p.workers().stream().noneMatch(w -> w.finished().isDone()), "no worker stopped");
    } finally {
      if (again != null) {
        again.close();
      }
      broker.close();
    }
  }

  @Test
  void anAnthropicEndpointUnreachableForAMinuteDelaysJobsAndFailsNone(EmbeddedKafka kafka) throws Exception {
    int port = freePort();
    AnthropicSimulatorBuilder sim = AnthropicSimulator.builder().port(port).oauthToken(TestPipeline.OAUTH_TOKEN)
        .apiKey(TestPipeline.API_KEY).latency(Duration.ofMillis(20));
    try (TestPipeline p = new TestPipeline(kafka, sim)) {
      p.startWorker(p.workerConfig("chaos-a1").router(TestPipeline.fastRouter(Duration.ofSeconds(30))).build());
      p.startWorker(p.workerConfig("chaos-a2").router(TestPipeline.fastRouter(Duration.ofSeconds(30))).build());
      p.awaitGroupFormed();
      Set<String> ids = p.submitMany("unreachable", 600);
      await().atMost(Duration.ofSeconds(60)).until(() -> p.sim.calls().size() >= 100);

      p.sim.close();  // connections refused from now on
      long downAt = System.nanoTime();
      await().during(Duration.ofSeconds(60)).atMost(Duration.ofSeconds(70))
          .until(() -> p.workers().stream().noneMatch(w -> w.finished().isDone()));
      try (AnthropicSimulator back = sim.build().start()) {
        Map<String, JobResult> results = p.assertExactlyOneResultEach(ids);

        long failed = results.values().stream().filter(r -> r.outcome() != Outcome.SUCCEEDED).count();
        long waited = results.values().stream().filter(r -> r.waits().stream()
            .anyMatch(w -> w.reason().equals("unreachable") || w.reason().equals("breaker_open"))).count();
        System.out.printf("endpoint outage: %d jobs answered after %.1f s, %d waited for the endpoint, %d calls after "
            + "it returned, %d failed%n", results.size(), (System.nanoTime() - downAt) / 1e9, waited,
            back.calls().size(), failed);
        assertEquals(0, failed, "a network outage delays jobs, it fails none");
        assertTrue(waited > 0);
      }
    }
  }

  @Test
  void theTokenEndpointDownAcrossAnExpiryServesOnTheApiAndRecoversTheSubscriptionWithoutARevocation(
      EmbeddedKafka kafka) throws Exception {
    String client = "promptq-chaos-client";
    byte[] k = new byte[32];
    new SecureRandom().nextBytes(k);
    Secret key = Secret.of(Base64.getEncoder().encodeToString(k));
    try (TestPipeline p = new TestPipeline(kafka, AnthropicSimulator.builder().apiKey(TestPipeline.API_KEY)
        .oauthTokens(Duration.ofSeconds(12), client))) {
      Path file = dir.resolve(".credentials.json");
      p.sim.tokens().login(file);
      for (int i = 1; i <= 2; i++) {
        CredentialSettings s = new CredentialSettings(i == 1 ? file : null, true, key, p.sim.tokenUrl(), client, null,
            Duration.ofSeconds(3), Duration.ofSeconds(2), Duration.ofSeconds(1), Duration.ofMillis(100),
            Duration.ofSeconds(1), Duration.ofSeconds(6), null);
        p.startWorker(p.workerConfig("chaos-t" + i)
            .credentials(new Credentials(Optional.empty(), Optional.of(TestPipeline.API_KEY)))
            .credentialSettings(s).router(TestPipeline.fastRouter(Duration.ofSeconds(60))).build());
      }
      p.awaitGroupFormed();
      assertEquals(Route.SUBSCRIPTION, run(p, "before", 1).get(0).route());

      p.sim.tokens().failNextRefreshes(1_000_000, 503);  // the token endpoint is down
      List<JobResult> during = new ArrayList<>();
      await().atMost(Duration.ofSeconds(60)).until(() -> {
        during.addAll(run(p, "during-" + during.size(), 1));
        return during.stream().filter(r -> r.route() == Route.API).count() >= 5;  // the token expired
      });
      p.sim.tokens().failNextRefreshes(0, 503);  // back
      List<JobResult> after = new ArrayList<>();
      await().atMost(Duration.ofSeconds(60)).until(() -> {
        after.addAll(run(p, "after-" + after.size(), 1));
        return after.get(after.size() - 1).route() == Route.SUBSCRIPTION;
      });

      System.out.printf("token endpoint outage: %d jobs during it (%d on the api), %d after until the subscription "
          + "served again; refreshes: %d failed, %d succeeded, %d invalid_grant%n", during.size(),
          during.stream().filter(r -> r.route() == Route.API).count(), after.size(),
          p.sim.tokens().refreshes(RefreshResult.INJECTED_FAILURE), p.sim.tokens().refreshes(RefreshResult.SUCCESS),
          p.sim.tokens().refreshes(RefreshResult.INVALID_GRANT));
      assertEquals(0, p.sim.tokens().refreshes(RefreshResult.INVALID_GRANT));
      assertTrue(during.stream().allMatch(r -> r.outcome() == Outcome.SUCCEEDED));
      assertTrue(after.stream().allMatch(r -> r.outcome() == Outcome.SUCCEEDED));
      assertFalse(p.workers().stream().anyMatch(w -> w.finished().isDone()));
    }
  }

  private static List<JobResult> run(TestPipeline p, String prefix, int n) {
    List<CompletableFuture<JobResult>> futures = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      futures.add(p.client().submitAndAwait(Job.of(prefix + "-" + i, p.request("job " + prefix + i))
          .withRoute(RoutePolicy.SUBSCRIPTION_FIRST), Duration.ofSeconds(60)));
    }
    return futures.stream().map(CompletableFuture::join).toList();
  }
}
