package dev.promptq.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.promptq.config.Secret;
import dev.promptq.job.Job;
import dev.promptq.job.JobResult;
import dev.promptq.job.Route;
import dev.promptq.job.RoutePolicy;
import dev.promptq.kafka.Topics;
import dev.promptq.producer.ClientConfig;
import dev.promptq.producer.PromptQClient;
import dev.promptq.testkit.sim.AnthropicSimulator;
import dev.promptq.testkit.sim.AnthropicSimulatorBuilder;
import dev.promptq.testkit.sim.RecordedCall;
import dev.promptq.worker.credentials.Credentials;
import dev.promptq.worker.quota.QuotaSettings;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The subscription's windows learned from its answers (issue 17's acceptance figures): a group of
 * workers told nothing about the plan, against the simulator's windows, each run to its last
 * result.
 */
final class LearnedQuotaScenario {
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * What one run measured.
   *
   * @param results the jobs' results by id
   * @param calls every call the simulator answered
   * @param seconds from the first subscription call to the last result
   * @param weekUsedUsd what the simulator's {@code 7d} usage window counted, or NaN without one
   * @param creditUsedUsd what the subscription's successes cost at list prices (its credit, when it has one)
   */
  record Result(Map<String, JobResult> results, List<RecordedCall> calls, double seconds, double weekUsedUsd,
      double creditUsedUsd) {
    long rejected() {
      return calls.stream().filter(c -> c.route() == Route.SUBSCRIPTION && c.status() == 429).count();
    }

    long served(Route route) {
      return results.values().stream().filter(r -> r.succeeded() && r.route() == route).count();
    }

    /** The input tokens the answers of {@code route} were billed. */
    long inputTokens(Route route) {
      return results.values().stream().filter(r -> r.succeeded() && r.route() == route)
          .mapToLong(r -> r.message().path("usage").path("input_tokens").asLong()).sum();
    }

    /** Calls on {@code route} answered 429 after {@code from} past the first call on it. */
    long rejectedAfter(Route route, Duration from) {
      Instant first = calls.stream().filter(c -> c.route() == route).map(RecordedCall::at).min(Instant::compareTo)
          .orElse(Instant.MAX);
      return calls.stream().filter(c -> c.route() == route && c.status() == 429 && c.at().isAfter(first.plus(from)))
          .count();
    }

    /** Seconds from the first call on {@code route} to the last. */
    double span(Route route) {
      List<Instant> at = calls.stream().filter(c -> c.route() == route).map(RecordedCall::at).sorted().toList();
      return at.isEmpty() ? 0 : Duration.between(at.get(0), at.get(at.size() - 1)).toMillis() / 1000.0;
    }
  }

  /** How the jobs are spread: all keyed by their id (even), or most on one partition and the rest on another. */
  enum Spread { EVEN, UNEVEN }

  private final String bootstrap;

  LearnedQuotaScenario(String bootstrap) {
    this.bootstrap = bootstrap;
  }

  /**
   * Runs {@code jobs} jobs of {@code policy} through {@code workers} workers with {@code quota},
   * against a simulator built by {@code sim} (given the token and key to accept).
   */
  Result run(int workers, int jobs, RoutePolicy policy, Spread spread, QuotaSettings quota,
      Function<AnthropicSimulatorBuilder, AnthropicSimulatorBuilder> sim) throws Exception {
    return run(workers, jobs, policy, spread, quota, sim, 0);
  }

  /**
   * As above, with prompts of 100 to {@code maxPromptTokens} input tokens (seeded, so every run
   * sends the same), or short ones for 0.
   */
  Result run(int workers, int jobs, RoutePolicy policy, Spread spread, QuotaSettings quota,
      Function<AnthropicSimulatorBuilder, AnthropicSimulatorBuilder> sim, int maxPromptTokens) throws Exception {
    java.util.Random sizes = new java.util.Random(17);
    Secret token = Secret.of("sk-ant-oat01-learned-bench-" + UUID.randomUUID());
    Secret key = Secret.of("sk-ant-api03-learned-bench-" + UUID.randomUUID());
    Topics t = Topics.withPrefix("learned" + UUID.randomUUID().toString().substring(0, 8));
    Map<String, JobResult> results = new ConcurrentHashMap<>();
    try (AnthropicSimulator s = sim.apply(AnthropicSimulator.builder().oauthToken(token).apiKey(key)
        .latency(Duration.ofMillis(20))).build().start();
        PromptQClient client = PromptQClient.create(ClientConfig.of(bootstrap).withTopics(t));
        BenchGroup group = BenchGroup.start(bootstrap, t, workers, "learned", c -> c.anthropicBaseUrl(s.baseUrl())
            .credentials(new Credentials(Optional.of(token), Optional.of(key))).quota(quota).maxInFlight(32))) {
      List<CompletableFuture<JobResult>> pending = new ArrayList<>();
      for (int i = 0; i < jobs; i++) {
        ObjectNode r = JSON.createObjectNode().put("model", "claude-haiku-4-5").put("max_tokens", 16);
        String prompt = maxPromptTokens <= 0 ? "learned quota job " + i
            : "x".repeat(4 * (100 + sizes.nextInt(Math.max(1, maxPromptTokens - 100))));
        r.putArray("messages").addObject().put("role", "user").put("content", prompt);
        Job job = Job.of("l-" + i, r).withRoute(policy);
        String orderingKey = spread == Spread.EVEN ? job.id() : i % 4 == 3 ? "few" : "most";
        pending.add(client.submitAndAwait(job, orderingKey, Duration.ofMinutes(30)).thenApply(res -> {
          results.put(res.id(), res);
          return res;
        }));
      }
      client.flush();
      CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).get(30, TimeUnit.MINUTES);
      Instant end = Instant.now();
      List<RecordedCall> calls = s.calls();
      Instant first = calls.stream().filter(c -> c.route() == Route.SUBSCRIPTION).map(RecordedCall::at).min(
          Instant::compareTo).orElse(end);
      double week;
      try {
        week = s.windowUsedUsd("7d");
      } catch (IllegalStateException | IllegalArgumentException noWeek) {
        week = Double.NaN;
      }
      return new Result(Map.copyOf(results), calls, Duration.between(first, end).toMillis() / 1000.0, week,
          s.creditUsedUsd());
    }
  }
}
