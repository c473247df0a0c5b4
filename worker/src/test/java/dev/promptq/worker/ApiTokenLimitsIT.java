package dev.promptq.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.promptq.job.Job;
import dev.promptq.job.JobResult;
import dev.promptq.job.Route;
import dev.promptq.job.RoutePolicy;
import dev.promptq.testkit.junit.SharedKafka;
import dev.promptq.testkit.kafka.EmbeddedKafka;
import dev.promptq.testkit.sim.AnthropicSimulator;
import dev.promptq.testkit.sim.ApiRateLimits;
import dev.promptq.testkit.sim.RecordedCall;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The api route paced by the key's token limits, learned from its answers: nothing configured,
 * three workers, jobs of mixed sizes that together need several times what the key's bucket holds.
 */
@ExtendWith(SharedKafka.class)
class ApiTokenLimitsIT {
  /** The simulator's period: a minute on the real API, compressed. */
  private static final Duration PERIOD = Duration.ofSeconds(5);

  @Test
  void afterTheFirstPeriodNoCallMeetsA429AndEveryJobIsAnswered(EmbeddedKafka kafka) {
    try (TestPipeline p = new TestPipeline(kafka, AnthropicSimulator.builder().oauthToken(TestPipeline.OAUTH_TOKEN)
        .apiKey(TestPipeline.API_KEY).latency(Duration.ofMillis(20))
        .apiRateLimits(new ApiRateLimits.Limits(0, 20_000, 0, PERIOD)))) {
      for (String w : List.of("w1", "w2", "w3")) {
        p.startWorker(w);
      }
      p.awaitGroupFormed();
      Random sizes = new Random(17);
      Set<String> ids = new LinkedHashSet<>();
      long tokens = 0;
      for (int i = 0; i < 60; i++) {
        int size = 100 + sizes.nextInt(1500);  // 100 to 1,600 input tokens
        tokens += size;
        String id = "sized-" + i;
        p.client().submit(Job.of(id, p.request("x".repeat(size * 4))).withRoute(RoutePolicy.API_ONLY));
        ids.add(id);
      }
      p.client().flush();
      Map<String, JobResult> results = p.assertExactlyOneResultEach(ids);
      assertTrue(results.values().stream().allMatch(JobResult::succeeded), "every job was answered");

      List<RecordedCall> api = p.sim.calls().stream().filter(c -> c.route() == Route.API).toList();
      Instant first = api.stream().map(RecordedCall::at).min(Instant::compareTo).orElseThrow();
      Instant last = api.stream().map(RecordedCall::at).max(Instant::compareTo).orElseThrow();
      long rejected = api.stream().filter(c -> c.status() == 429).count();
      long late = api.stream().filter(c -> c.status() == 429 && c.at().isAfter(first.plus(PERIOD))).count();
      System.out.printf("api by tokens: %d jobs, %d input tokens in %d ms (the bucket holds 20,000 and refills "
          + "4,000 a second), %d 429s, %d after the first period%n", ids.size(), tokens,
          Duration.between(first, last).toMillis(), rejected, late);
      assertEquals(0, late, "no 429 after the first period");
    }
  }
}
