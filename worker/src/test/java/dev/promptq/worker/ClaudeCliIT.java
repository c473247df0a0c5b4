package dev.promptq.worker;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.promptq.config.Secret;
import dev.promptq.job.Attempt;
import dev.promptq.job.Job;
import dev.promptq.job.JobResult;
import dev.promptq.job.Outcome;
import dev.promptq.job.Route;
import dev.promptq.job.RoutePolicy;
import dev.promptq.job.Wait;
import dev.promptq.testkit.junit.SharedKafka;
import dev.promptq.testkit.kafka.EmbeddedKafka;
import dev.promptq.testkit.sim.AnthropicSimulator;
import dev.promptq.testkit.sim.AnthropicSimulatorBuilder;
import dev.promptq.testkit.sim.RecordedCall;
import dev.promptq.worker.anthropic.Transports;
import dev.promptq.worker.claudecli.ClaudeCliSettings;
import dev.promptq.worker.credentials.CredentialSettings;
import dev.promptq.worker.credentials.Credentials;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The subscription route through the official Claude Code CLI ({@code subscription.transport=
 * claude-cli}), pinned and installed from the npm registry, against the simulator: answers, a
 * spent quota, an expired token, requests it cannot carry, and where the token may and may not
 * appear.
 */
@ExtendWith(SharedKafka.class)
class ClaudeCliIT {
  private static Path claude;

  @TempDir
  Path dir;

  @BeforeAll
  static void installClaudeCode() {
    claude = ClaudeCode.executable();
  }

  private ClaudeCliSettings cli(String workerId, int processes, Transports.Inexpressible inexpressible) {
    return new ClaudeCliSettings(claude.toString(), dir.resolve("cli-" + workerId), processes, inexpressible);
  }

  private static ObjectNode imageRequest(TestPipeline p) {
    ObjectNode r = p.request("unused");
    var content = ((ObjectNode) r.get("messages").get(0)).putArray("content");
    content.addObject().put("type", "image").putObject("source").put("type", "base64").put("media_type", "image/png")
        .put("data", "iVBORw0KGgo=");
    content.addObject().put("type", "text").put("text", "What is in this picture?");
    return r;
  }

  private static JobResult run(TestPipeline p, String id, ObjectNode request, RoutePolicy policy) {
    return p.client().submitAndAwait(Job.of(id, request).withRoute(policy), Duration.ofSeconds(90)).join();
  }

  @Test
  void jobsRunThroughClaudeCodeWithTheirTextAndUsage(EmbeddedKafka kafka) {
    try (TestPipeline p = new TestPipeline(kafka)) {
      p.startWorker(p.workerConfig("cli-ok").claudeCli(cli("cli-ok", 4, Transports.Inexpressible.NEXT_ROUTE)).build());
      p.awaitGroupFormed();
      List<CompletableFuture<JobResult>> futures = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        ObjectNode r = p.request("Question number " + i);
        if (i == 0) {
          r.put("system", "Answer like a pirate");
        }
        futures.add(p.client().submitAndAwait(Job.of("ok-" + i, r).withRoute(RoutePolicy.SUBSCRIPTION_ONLY),
            Duration.ofSeconds(90)));
      }
      for (int i = 0; i < 8; i++) {
        JobResult r = futures.get(i).join();
        assertEquals(Outcome.SUCCEEDED, r.outcome(), r.toString());
        assertEquals(Route.SUBSCRIPTION, r.route());
        assertEquals("Simulated answer to: Question number " + i,
            r.message().path("content").get(0).path("text").asText());
        assertEquals("claude-test", r.message().path("model").asText());
        assertTrue(r.usage().path("input_tokens").asLong() > 0, r.usage().toString());
        assertEquals(("Simulated answer to: Question number " + i).length() / 4, r.usage().path("output_tokens").asLong());
        Attempt a = r.attempts().get(0);
        assertEquals(Attempt.CLAUDE_CLI, a.transport());
        assertNotNull(a.cliCostUsd(), "the CLI's cost estimate");
        assertEquals(0.0, r.apiCostUsd(), "nothing charged to the API");
      }
      assertEquals(8, p.sim.successes(Route.SUBSCRIPTION));
      assertTrue(Set.of("HEAD /").containsAll(p.sim.unknownRequests().keySet()),
          "nothing beyond the Messages API and its warm-up: " + p.sim.unknownRequests());
    }
  }

  @Test
  void aSpentQuotaSendsTheJobToTheApiAndTheRouteWaitsForTheReset(EmbeddedKafka kafka) {
    AnthropicSimulatorBuilder sim = AnthropicSimulator.builder().oauthToken(TestPipeline.OAUTH_TOKEN)
        .apiKey(TestPipeline.API_KEY).subscriptionQuota(3, Duration.ofSeconds(20));  // room for three slow CLI calls
    try (TestPipeline p = new TestPipeline(kafka, sim)) {
      // one job at a time, so the fourth subscription call is the one the quota refuses
      p.startWorker(p.workerConfig("cli-quota").maxInFlight(1).router(TestPipeline.fastRouter(Duration.ofMinutes(1)))
          .claudeCli(cli("cli-quota", 1, Transports.Inexpressible.NEXT_ROUTE)).build());
      p.awaitGroupFormed();
      List<JobResult> first = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        first.add(run(p, "q-" + i, p.request("quota job " + i), RoutePolicy.SUBSCRIPTION_FIRST));
      }
      JobResult waited = run(p, "q-wait", p.request("worth waiting for"), RoutePolicy.SUBSCRIPTION_ONLY);

      assertEquals(List.of(Route.SUBSCRIPTION, Route.SUBSCRIPTION, Route.SUBSCRIPTION, Route.API, Route.API, Route.API),
          first.stream().map(JobResult::route).toList());
      JobResult refused = first.get(3);
      assertEquals(List.of(429, 200), refused.attempts().stream().map(Attempt::status).toList());
      assertEquals(List.of(Attempt.CLAUDE_CLI, Attempt.HTTP), refused.attempts().stream().map(Attempt::transport).toList());
      assertTrue(first.subList(4, 6).stream().allMatch(r -> r.attempts().size() == 1),
          "later jobs went straight to the API while the quota was spent");

      assertEquals(Outcome.SUCCEEDED, waited.outcome());
      assertEquals(Route.SUBSCRIPTION, waited.route());
      assertTrue(waited.waits().stream().map(Wait::reason).anyMatch("subscription_quota_spent"::equals), waited.toString());
      List<RecordedCall> rejected = p.sim.calls().stream()
          .filter(c -> c.route() == Route.SUBSCRIPTION && c.status() == 429).toList();
      // any subscription call before the reset would have been refused too
      assertEquals(1, rejected.size(), "one refused call: the route waited for the reset instead of trying again");
      assertEquals(4, p.sim.successes(Route.SUBSCRIPTION), "three before the quota ran out, one after its reset");
    }
  }

  @Test
  void anOverloadIsRetriedAndAHungCallIsKilledWithItsProcessesThenFallsBack(EmbeddedKafka kafka) {
    try (TestPipeline p = TestPipeline.withDirectives(kafka, Duration.ofSeconds(30))) {
      // two subscription calls per job at most, a 4 s limit per call
      p.startWorker(p.workerConfig("cli-faults").callTimeout(Duration.ofSeconds(4))
          .router(new dev.promptq.worker.routing.RouterSettings(2, Duration.ofMillis(10), Duration.ofMillis(100), 10,
              5, Duration.ofSeconds(2), Duration.ofMinutes(1), Duration.ofMillis(300), 0.9))
          .claudeCli(cli("cli-faults", 2, Transports.Inexpressible.NEXT_ROUTE)).build());
      p.awaitGroupFormed();
      JobResult overloaded = run(p, "busy", p.request("[sim:subscription:overloaded*1] busy"),
          RoutePolicy.SUBSCRIPTION_FIRST);
      JobResult hung = run(p, "hung", p.request("[sim:subscription:timeout] hung"), RoutePolicy.SUBSCRIPTION_FIRST);

      assertEquals(List.of(529, 200), overloaded.attempts().stream().map(Attempt::status).toList());
      assertEquals(Route.SUBSCRIPTION, overloaded.route(), "retried through Claude Code");
      assertEquals(List.of("timeout", "timeout"), hung.attempts().subList(0, 2).stream().map(Attempt::errorType).toList());
      assertEquals(Route.API, hung.route(), "then the API");
      assertEquals(Outcome.SUCCEEDED, hung.outcome());
      await().atMost(Duration.ofSeconds(10)).until(() -> claudeProcesses().isEmpty());
    }
  }

  @Test
  void anExpiredTokenIsRefreshedByTheGroupAndTheJobSucceedsWithTheNewOne(EmbeddedKafka kafka) throws IOException {
    String client = "promptq-cli-it";
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    AnthropicSimulatorBuilder sim = AnthropicSimulator.builder().apiKey(TestPipeline.API_KEY)
        .oauthTokens(Duration.ofMinutes(30), client);
    try (TestPipeline p = new TestPipeline(kafka, sim); LogCapture logs = new LogCapture()) {
      Path file = dir.resolve(".credentials.json");
      p.sim.tokens().login(file);
      CredentialSettings credentials = new CredentialSettings(file, false,
          Secret.of(Base64.getEncoder().encodeToString(key)), p.sim.tokenUrl(), client, null, Duration.ofSeconds(1),
          Duration.ofSeconds(20), Duration.ofSeconds(1), Duration.ofMillis(100), Duration.ofSeconds(1),
          Duration.ofSeconds(6), null);
      p.startWorker(p.workerConfig("cli-refresh").credentials(new Credentials(Optional.empty(),
              Optional.of(TestPipeline.API_KEY))).credentialSettings(credentials)
          .claudeCli(cli("cli-refresh", 2, Transports.Inexpressible.NEXT_ROUTE)).build());
      p.awaitGroupFormed();
      assertEquals(Route.SUBSCRIPTION, run(p, "before", p.request("before"), RoutePolicy.SUBSCRIPTION_ONLY).route());

      p.sim.tokens().expireAccessTokens();
      JobResult met401 = run(p, "expired", p.request("after expiry"), RoutePolicy.SUBSCRIPTION_ONLY);
      JobResult next = run(p, "next", p.request("next"), RoutePolicy.SUBSCRIPTION_ONLY);

      assertEquals(Outcome.SUCCEEDED, met401.outcome(), met401.toString());
      assertEquals(List.of(401, 200), met401.attempts().stream().map(Attempt::status).toList());
      assertTrue(met401.attempts().stream().allMatch(a -> a.transport().equals(Attempt.CLAUDE_CLI)));
      assertEquals(1, p.sim.tokens().refreshCalls(), "one group refresh");
      assertEquals(List.of(200), next.attempts().stream().map(Attempt::status).toList(), "the new token serves");
      String everything = logs.everything() + resultsText(p);
      for (Secret issued : p.sim.tokens().everIssued()) {
        assertFalse(everything.contains(issued.reveal()), "an issued token reached the logs or results");
      }
    }
  }

  @Test
  void thePlantedTokenNeverAppearsInProcessArgumentsLogsOrResults(EmbeddedKafka kafka) throws Exception {
    try (TestPipeline p = new TestPipeline(kafka); LogCapture logs = new LogCapture()) {
      p.sim.setLatency(Duration.ofMillis(1500));  // CLI processes stay up long enough to be listed
      p.startWorker(p.workerConfig("cli-leak").claudeCli(cli("cli-leak", 4, Transports.Inexpressible.NEXT_ROUTE))
          .build());
      p.awaitGroupFormed();
      List<CompletableFuture<JobResult>> futures = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        futures.add(p.client().submitAndAwait(Job.of("leak-" + i, p.request("leak " + i))
            .withRoute(RoutePolicy.SUBSCRIPTION_ONLY), Duration.ofSeconds(90)));
      }
      List<String> listings = new ArrayList<>();
      await().atMost(Duration.ofSeconds(60)).until(() -> {
        List<ProcessHandle> running = claudeProcesses();
        for (ProcessHandle h : running) {
          listings.add(h.info().commandLine().orElse(""));
          listings.add(cmdline(h.pid()));
        }
        return running.size() >= 2;
      });
      listings.add(ps());
      futures.forEach(CompletableFuture::join);

      String token = TestPipeline.OAUTH_TOKEN.reveal();
      assertTrue(listings.stream().anyMatch(l -> l.contains("--no-session-persistence")), "the listings show the CLI");
      assertTrue(listings.stream().noneMatch(l -> l.contains(token)), "the token is in no process's arguments");
      assertFalse(logs.everything().contains(token), "nor in the logs");
      assertFalse(resultsText(p).contains(token), "nor in the results");
      try (var files = Files.walk(dir.resolve("cli-cli-leak"))) {
        for (Path f : files.filter(Files::isRegularFile).toList()) {
          assertFalse(new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1).contains(token),
              "nor in what Claude Code wrote to its home: " + f);
        }
      }
    }
  }

  @Test
  void aRequestTheCliCannotCarryTakesTheNextRouteOrHttpWithTheReason(EmbeddedKafka kafka) {
    try (TestPipeline p = new TestPipeline(kafka)) {
      p.startWorker(p.workerConfig("cli-next").claudeCli(cli("cli-next", 2, Transports.Inexpressible.NEXT_ROUTE))
          .build());
      p.awaitGroupFormed();
      JobResult first = run(p, "img-first", imageRequest(p), RoutePolicy.SUBSCRIPTION_FIRST);
      JobResult only = run(p, "img-only", imageRequest(p), RoutePolicy.SUBSCRIPTION_ONLY);

      assertEquals(Outcome.SUCCEEDED, first.outcome());
      assertEquals(Route.API, first.route(), "the API carries the image");
      assertEquals(Transports.CANNOT_EXPRESS, first.notes().get(0).reason());
      assertTrue(first.notes().get(0).detail().startsWith("messages.0.content.0 has type image"),
          first.notes().get(0).detail());
      assertEquals(Outcome.ERRORED, only.outcome());
      assertEquals(Transports.CANNOT_EXPRESS, only.error().type());
      assertTrue(only.error().message().contains("has type image"), only.error().message());
      assertTrue(only.attempts().isEmpty(), "no call that could only drop the image");
    }
    try (TestPipeline p = new TestPipeline(kafka)) {
      p.startWorker(p.workerConfig("cli-http").claudeCli(cli("cli-http", 2, Transports.Inexpressible.HTTP)).build());
      p.awaitGroupFormed();
      JobResult overHttp = run(p, "img-http", imageRequest(p), RoutePolicy.SUBSCRIPTION_ONLY);

      assertEquals(Route.SUBSCRIPTION, overHttp.route());
      assertEquals(Attempt.HTTP, overHttp.attempts().get(0).transport());
      assertTrue(overHttp.notes().get(0).detail().contains("sent to the subscription over http"),
          overHttp.notes().get(0).detail());
    }
  }

  /** This JVM's Claude Code child processes, now. */
  private static List<ProcessHandle> claudeProcesses() {
    return ProcessHandle.current().descendants()
        .filter(h -> h.info().command().map(c -> c.contains("claude")).orElse(false)).toList();
  }

  /** Every record of the results topic, as text. */
  private static String resultsText(TestPipeline p) {
    StringBuilder all = new StringBuilder();
    for (ConsumerRecord<byte[], byte[]> r : p.readAll(p.topics.results(), 1)) {
      all.append(new String(r.value(), StandardCharsets.UTF_8)).append('\n');
    }
    return all.toString();
  }

  private static String cmdline(long pid) {
    try {
      return new String(Files.readAllBytes(Path.of("/proc/" + pid + "/cmdline")), StandardCharsets.UTF_8)
          .replace('\0', ' ');
    } catch (IOException gone) {
      return "";
    }
  }

  /** What {@code ps} shows every user: every process's arguments. */
  private static String ps() throws IOException, InterruptedException {
    Process ps = new ProcessBuilder("ps", "-eo", "args").redirectErrorStream(true).start();
    String out = new String(ps.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    ps.waitFor();
    return out;
  }
}
