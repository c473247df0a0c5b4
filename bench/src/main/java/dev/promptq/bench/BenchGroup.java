package dev.promptq.bench;

import dev.promptq.config.Secret;
import dev.promptq.kafka.GatewaySeal;
import dev.promptq.kafka.TopicSetup;
import dev.promptq.kafka.Topics;
import dev.promptq.worker.Worker;
import dev.promptq.worker.WorkerConfig;
import dev.promptq.worker.WorkerConfigBuilder;
import dev.promptq.worker.credentials.Credentials;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.apache.kafka.clients.admin.Admin;

/**
 * A group of in-process workers for the quota benchmarks, on fresh topics of {@link #PARTITIONS}
 * job partitions; {@link #start} returns once every job partition is owned. Closing stops them all.
 */
final class BenchGroup implements AutoCloseable {
  static final int PARTITIONS = 12;

  private final List<Worker> workers = new ArrayList<>();

  private BenchGroup() {}

  /** Three workers on the simulator with both credentials, checking the gateway's seal with {@code gatewaySecret}. */
  static BenchGroup behindGateway(String bootstrap, Topics t, String prefix, String simUrl, Secret oauth, Secret apiKey,
      String gatewaySecret) throws InterruptedException {
    return start(bootstrap, t, 3, prefix, b -> b.anthropicBaseUrl(simUrl)
        .credentials(new Credentials(Optional.of(oauth), Optional.of(apiKey)))
        .gatewaySeal(GatewaySeal.fromBase64(Secret.of(gatewaySecret))));
  }

  /**
   * Creates {@code t}'s topics and starts {@code n} workers named {@code prefix-1..n}, each
   * configured by {@code config} on top of the group's common settings.
   */
  static BenchGroup start(String bootstrap, Topics t, int n, String prefix, UnaryOperator<WorkerConfigBuilder> config)
      throws InterruptedException {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      TopicSetup.ensure(admin, t, new TopicSetup.Spec(PARTITIONS, (short) -1), Duration.ofSeconds(60));
    }
    BenchGroup g = new BenchGroup();
    try {
      for (int i = 1; i <= n; i++) {
        g.workers.add(Worker.start(config.apply(WorkerConfig.builder(bootstrap).topics(t).groupId(t.jobs() + "-workers")
            .workerId(prefix + "-" + i).jobPartitions(PARTITIONS).kafkaProperties(Map.of("heartbeat.interval.ms", 500)))
            .build()));
      }
      for (Worker w : g.workers) {
        w.firstAssignment().join();
      }
      while (g.workers.stream().mapToInt(w -> w.assignment().size()).sum() < 2 * PARTITIONS) {  // jobs and interactive
        Thread.sleep(50);  // the group settles its cooperative rebalances
      }
      return g;
    } catch (RuntimeException | InterruptedException e) {
      g.close();
      throw e;
    }
  }

  @Override
  public void close() {
    workers.forEach(w -> w.close(Duration.ZERO));
  }
}
