package dev.promptq.worker;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.promptq.job.Route;
import dev.promptq.testkit.junit.SharedKafka;
import dev.promptq.testkit.kafka.EmbeddedKafka;
import dev.promptq.testkit.sim.AnthropicSimulator;
import dev.promptq.testkit.sim.AnthropicSimulatorBuilder;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Members joining and leaving mid-run lose no job and answer none twice. */
@ExtendWith(SharedKafka.class)
class RebalanceIT {

  @Test
  void addingAndRemovingWorkersMidRunLosesNothingAndAnswersNothingTwice(EmbeddedKafka kafka) {
    AnthropicSimulatorBuilder sim = AnthropicSimulator.builder().oauthToken(TestPipeline.OAUTH_TOKEN)
        .apiKey(TestPipeline.API_KEY).latency(Duration.ofMillis(50));
    try (TestPipeline p = new TestPipeline(kafka, sim)) {
      Worker w1 = p.startWorker(p.workerConfig("w1").maxInFlight(32).build());
      p.startWorker(p.workerConfig("w2").maxInFlight(32).build());
      Set<String> ids = p.submitMany("rebalance", 3000);

      await().atMost(Duration.ofSeconds(60)).until(() -> p.sim.successes(Route.SUBSCRIPTION) >= 600);
      p.startWorker(p.workerConfig("w3").maxInFlight(32).build());
      await().atMost(Duration.ofSeconds(60)).until(() -> p.sim.successes(Route.SUBSCRIPTION) >= 1500);
      w1.close(Duration.ofSeconds(2));

      p.assertExactlyOneResultEach(ids);
      System.out.printf("rebalance: %d jobs, %d simulator calls (%d repeated after hand-overs)%n", ids.size(),
          p.sim.calls().size(), p.sim.calls().size() - ids.size());
    }
  }

  @Test
  void aWorkerKeepsItsPartitionsWhileCallsOutlastMaxPollInterval(EmbeddedKafka kafka) {
    // Calls take 8 s; the consumer would be expelled after 3 s without a poll.
    AnthropicSimulatorBuilder sim = AnthropicSimulator.builder().oauthToken(TestPipeline.OAUTH_TOKEN)
        .latency(Duration.ofSeconds(8));
    try (TestPipeline p = new TestPipeline(kafka, sim)) {
      p.startWorker(p.workerConfig("slow").maxInFlight(10)
          .kafkaProperties(java.util.Map.of("max.poll.interval.ms", "3000")).build());
      Set<String> ids = p.submitMany("slow", 20);

      p.assertExactlyOneResultEach(ids);

      // Leaving the group would have handed the running jobs back and called the API again.
      assertEquals(20, p.sim.calls().size());
    }
  }
}
