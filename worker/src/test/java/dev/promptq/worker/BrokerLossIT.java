package dev.promptq.worker;

import static org.awaitility.Awaitility.await;

import dev.promptq.job.Route;
import dev.promptq.testkit.kafka.EmbeddedKafkaCluster;
import dev.promptq.testkit.sim.AnthropicSimulator;
import dev.promptq.testkit.sim.AnthropicSimulatorBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Losing one broker of three (replication factor 3, min.insync.replicas 2) loses no job and answers none twice. */
class BrokerLossIT {

  @Test
  void stoppingOneBrokerMidRunLosesNothingAndAnswersNothingTwice() {
    Path target = Path.of(System.getProperty("promptq.test.tmp", "target"));
    AnthropicSimulatorBuilder sim = AnthropicSimulator.builder().oauthToken(TestPipeline.OAUTH_TOKEN)
        .latency(Duration.ofMillis(20));
    try (EmbeddedKafkaCluster cluster = EmbeddedKafkaCluster.start(3, target);
        ClusterPipeline p = new ClusterPipeline(cluster, sim)) {
      p.pipeline.startWorker(p.pipeline.workerConfig("b1").replicationFactor((short) 3).build());
      p.pipeline.startWorker(p.pipeline.workerConfig("b2").replicationFactor((short) 3).build());
      Set<String> ids = p.pipeline.submitMany("loss", 3000);

      await().atMost(Duration.ofSeconds(90)).until(() -> p.pipeline.sim.successes(Route.SUBSCRIPTION) >= 800);
      cluster.stopNode(2);

      p.pipeline.assertExactlyOneResultEach(ids);
      System.out.printf("broker loss: %d jobs, %d simulator calls%n", ids.size(), p.pipeline.sim.calls().size());
    }
  }

  /** A {@link TestPipeline} on a cluster instead of the shared broker. */
  private static final class ClusterPipeline implements AutoCloseable {
    final TestPipeline pipeline;

    ClusterPipeline(EmbeddedKafkaCluster cluster, AnthropicSimulatorBuilder sim) {
      this.pipeline = new TestPipeline(cluster.bootstrapServers(), sim);
    }

    @Override
    public void close() {
      pipeline.close();
    }
  }
}
