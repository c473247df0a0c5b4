package dev.promptq.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.promptq.config.Secret;
import dev.promptq.job.Job;
import dev.promptq.job.Route;
import dev.promptq.job.RoutePolicy;
import dev.promptq.kafka.Topics;
import dev.promptq.producer.ClientConfig;
import dev.promptq.producer.PromptQClient;
import dev.promptq.testkit.sim.AnthropicSimulator;
import dev.promptq.testkit.sim.RecordedCall;
import dev.promptq.testkit.sim.WindowCounts;
import dev.promptq.worker.credentials.Credentials;
import dev.promptq.worker.quota.Budget;
import dev.promptq.worker.quota.QuotaSettings;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The quota governor's figures: a group of N workers with a subscription budget of R requests per
 * window, against the simulator's fixed window quota of the same R, with more
 * {@code subscription_only} jobs than the budget allows: the budget used in each full window
 * (the ratio to R) and the violations (quota 429s, and the most calls in any window).
 */
final class QuotaScenario {

  /** What one run measured. */
  record Result(int workers, List<Integer> windows, int maxInAnyWindow, long rejected) {
    double minUse(int budget) {
      return windows.stream().mapToInt(Integer::intValue).min().orElse(0) / (double) budget;
    }

    double meanUse(int budget) {
      return windows.stream().mapToInt(Integer::intValue).average().orElse(0) / budget;
    }
  }

  private final String bootstrap;

  QuotaScenario(String bootstrap) {
    this.bootstrap = bootstrap;
  }

  /** Runs {@code windows} full windows of work with {@code workers} workers. */
  Result run(int workers, int budget, Duration window, int windows) throws InterruptedException {
    Secret token = Secret.of("sk-ant-oat01-quota-bench-" + UUID.randomUUID());
    Topics t = Topics.withPrefix("quota" + UUID.randomUUID().toString().substring(0, 8));
    QuotaSettings quota = new QuotaSettings(Optional.of(new Budget(budget, window)), Optional.empty(), 0.1,
        Duration.ofMillis(250));
    try (AnthropicSimulator sim = AnthropicSimulator.builder().oauthToken(token).subscriptionQuota(budget, window)
        .latency(Duration.ofMillis(20)).build().start();
        PromptQClient client = PromptQClient.create(ClientConfig.of(bootstrap).withTopics(t));
        BenchGroup group = BenchGroup.start(bootstrap, t, workers, "quota", c -> c.anthropicBaseUrl(sim.baseUrl())
            .credentials(new Credentials(Optional.of(token), Optional.empty())).quota(quota))) {
      ObjectMapper json = new ObjectMapper();
      int jobs = budget * (windows + 1);
      for (int i = 0; i < jobs; i++) {
        ObjectNode r = json.createObjectNode().put("model", "claude-bench").put("max_tokens", 16);
        r.putArray("messages").addObject().put("role", "user").put("content", "quota job " + i);
        client.submit(Job.of("q-" + i, r).withRoute(RoutePolicy.SUBSCRIPTION_ONLY));
      }
      client.flush();
      // Half a window more than measured: each window starts with the first call after the last one ended.
      Duration run = window.multipliedBy(windows).plus(window.dividedBy(2));
      Instant end = null;
      while (end == null) {
        Thread.sleep(200);
        List<Instant> at = served(sim);
        if (!at.isEmpty() && at.get(0).plus(run).isBefore(Instant.now())) {
          end = Instant.now();
        }
      }
      List<Instant> at = served(sim);
      long rejected = sim.calls().stream().filter(c -> c.route() == Route.SUBSCRIPTION && c.status() == 429).count();
      List<Integer> full = WindowCounts.fixedWindows(at, window, end);
      return new Result(workers, full.subList(0, Math.min(windows, full.size())),
          WindowCounts.maxInAnyWindow(at, window), rejected);
    }
  }

  private static List<Instant> served(AnthropicSimulator sim) {
    return sim.calls().stream().filter(c -> c.route() == Route.SUBSCRIPTION && c.status() == 200)
        .map(RecordedCall::at).sorted().toList();
  }
}
