package dev.promptq.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.promptq.config.Secret;
import dev.promptq.job.Job;
import dev.promptq.job.JobCodec;
import dev.promptq.job.JobResult;
import dev.promptq.job.Outcome;
import dev.promptq.job.RoutePolicy;
import dev.promptq.kafka.Topics;
import dev.promptq.producer.ClientConfig;
import dev.promptq.producer.PromptQClient;
import dev.promptq.testkit.junit.SharedKafka;
import dev.promptq.testkit.kafka.EmbeddedKafka;
import dev.promptq.testkit.kafka.TopicReader;
import dev.promptq.testkit.sim.AnthropicSimulator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The batch lane on three worker JVMs: the lane's owner is killed with SIGKILL while its batches
 * are open, and the next owner while it publishes results; the third finishes. A
 * {@code read_committed} reader sees exactly one result per job.
 */
@ExtendWith(SharedKafka.class)
class BatchLaneCrashIT {
  private static final int JOBS = 10_000;

  private static String log(ChildProcess w) {
    try {
      return Files.readString(w.stderrFile());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static int count(String text, String what) {
    int n = 0;
    for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) {
      n++;
    }
    return n;
  }

  /**
   * The live worker whose log says {@code what} at least {@code times} times, once one does: the
   * lane's owner is whoever submits and publishes (the role may move before any batch, harmlessly).
   */
  private static ChildProcess awaitLog(List<ChildProcess> workers, String what, int times) {
    return await().atMost(Duration.ofSeconds(120)).until(() -> workers.stream()
        .filter(w -> w.isAlive() && count(log(w), what) >= times).findFirst(), Optional::isPresent).get();
  }

  @Test
  void lanesOwnersKilledWhileBatchesAreOpenAndWhileResultsArePublishedLoseNoJobAndAnswerNoneTwice(
      EmbeddedKafka kafka) throws Exception {
    Path target = Path.of(System.getProperty("promptq.test.tmp", "target"));
    Path logs = Files.createDirectories(target.resolve("lane-crash-" + UUID.randomUUID().toString().substring(0, 8)));
    Secret key = Secret.of("sk-ant-api03-lane-crash-" + UUID.randomUUID());
    String prefix = "lanecrash" + UUID.randomUUID().toString().substring(0, 6);
    Topics topics = Topics.withPrefix(prefix);
    try (AnthropicSimulator sim = AnthropicSimulator.builder().apiKey(key).batchProcessing(Duration.ofSeconds(4))
        .build().start();
        PromptQClient client = PromptQClient.create(ClientConfig.of(kafka.bootstrapServers()).withTopics(topics))) {
      Map<String, String> env = ChildProcess.workerEnv(kafka.bootstrapServers(), prefix, sim.baseUrl());
      env.put("ANTHROPIC_API_KEY", key.reveal());
      List<ChildProcess> workers = new ArrayList<>();
      try {
        for (int i = 1; i <= 3; i++) {
          ChildProcess w = ChildProcess.start(target.resolve("promptq.jar"), logs, "lane-" + i, env, "worker",
              "--worker-id", "lane-" + i, "--set", "kafka.session.timeout.ms=6000",
              "--set", "kafka.heartbeat.interval.ms=1000", "--set", "batch.lane.gather.ms=300",
              "--set", "batch.lane.poll.ms=300", "--set", "batch.lane.max.requests=500");
          workers.add(w);
          w.awaitLine(Pattern.compile("Worker lane-" + i + " running"), Duration.ofSeconds(90));
        }
        workers.get(2).awaitLine(Pattern.compile("Worker lane-3 joined group"), Duration.ofSeconds(90));

        ObjectNode base = new JobCodec().mapper().createObjectNode().put("model", "claude-haiku-4-5")
            .put("max_tokens", 20);
        Set<String> ids = new TreeSet<>();
        for (int i = 0; i < JOBS; i++) {
          ObjectNode request = base.deepCopy();
          request.putArray("messages").addObject().put("role", "user").put("content", "lane job " + i);
          client.submit(Job.of("l-" + i, request).withRoute(RoutePolicy.API_BATCH));
          ids.add("l-" + i);
        }
        client.flush();

        // batches open, none ended yet (they take 4 s): the owner dies
        ChildProcess first = awaitLog(workers, "batch lane: submitted", 3);
        first.kill();
        // the next owner publishes its first batch's results: it dies while publishing the others
        ChildProcess second = awaitLog(workers, "batch lane: published", 1);
        second.kill();

        Map<String, Integer> resultsPerId = new HashMap<>();
        JobCodec codec = new JobCodec();
        int succeeded = 0;
        for (ConsumerRecord<byte[], byte[]> r : TopicReader.readAll(kafka.bootstrapServers(), topics.results(), JOBS,
            Duration.ofSeconds(3), Duration.ofMinutes(4))) {
          JobResult result = codec.decodeResult(r.value());
          resultsPerId.merge(result.id(), 1, Integer::sum);
          succeeded += result.outcome() == Outcome.SUCCEEDED ? 1 : 0;
        }
        ChildProcess third = awaitLog(workers, "batch lane: published", 1);
        List<String> twice = resultsPerId.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey)
            .toList();
        Set<String> missing = new TreeSet<>(ids);
        missing.removeAll(resultsPerId.keySet());
        assertEquals(List.of(), twice, "answered twice");
        assertEquals(Set.of(), missing, "never answered");
        assertEquals(JOBS, succeeded, "every job succeeded");
        long submittedTwice = sim.batchSubmissions().values().stream().filter(n -> n > 1).count();
        System.out.printf("lane crash: %d jobs, %d results, %d batch requests submitted, %d submitted twice; "
            + "owners %s (killed with open batches), %s (killed publishing), %s (finished)%n", JOBS,
            resultsPerId.size(), sim.batchSubmissions().values().stream().mapToInt(Integer::intValue).sum(),
            submittedTwice, name(workers, first), name(workers, second), name(workers, third));
      } finally {
        for (ChildProcess w : workers) {
          w.close();
        }
      }
    }
  }

  private static String name(List<ChildProcess> workers, ChildProcess w) {
    return "lane-" + (workers.indexOf(w) + 1);
  }
}
