package dev.promptq.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.promptq.config.Secret;
import dev.promptq.job.Job;
import dev.promptq.job.JobCodec;
import dev.promptq.job.JobResult;
import dev.promptq.job.Route;
import dev.promptq.kafka.Topics;
import dev.promptq.producer.ClientConfig;
import dev.promptq.producer.PromptQClient;
import dev.promptq.testkit.junit.SharedKafka;
import dev.promptq.testkit.kafka.EmbeddedKafka;
import dev.promptq.testkit.kafka.TopicReader;
import dev.promptq.testkit.sim.AnthropicSimulator;
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
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Workers as separate JVMs, one killed with SIGKILL mid-run, the others stopped with SIGTERM: a
 * {@code read_committed} reader sees exactly one result per job, and the survivors exit 0.
 */
@ExtendWith(SharedKafka.class)
class CrashIT {
  private static final int JOBS = 10_000;
  private static final int MAX_IN_FLIGHT = 64;
  private static final Pattern PROMPT_ID = Pattern.compile("job (\\S+)");

  @Test
  void aWorkerKilledMidRunLosesNoJobAndAnswersNoneTwice(EmbeddedKafka kafka) throws Exception {
    Path target = Path.of(System.getProperty("promptq.test.tmp", "target"));
    Path logs = Files.createDirectories(target.resolve("crash-" + UUID.randomUUID().toString().substring(0, 8)));
    Secret token = Secret.of("sk-ant-oat01-crash-" + UUID.randomUUID());
    Map<String, AtomicInteger> callsPerJob = new ConcurrentHashMap<>();
    String prefix = "crash" + UUID.randomUUID().toString().substring(0, 6);
    Topics topics = Topics.withPrefix(prefix);
    try (AnthropicSimulator sim = AnthropicSimulator.builder().oauthToken(token).latency(Duration.ofMillis(100))
        .responder(req -> {
          var m = PROMPT_ID.matcher(req.body().path("messages").get(0).path("content").asText());
          if (m.find()) {
            callsPerJob.computeIfAbsent(m.group(1), k -> new AtomicInteger()).incrementAndGet();
          }
          return Optional.empty();
        }).build().start();
        PromptQClient client = PromptQClient.create(ClientConfig.of(kafka.bootstrapServers()).withTopics(topics))) {
      Map<String, String> env = ChildProcess.workerEnv(kafka.bootstrapServers(), prefix, sim.baseUrl());
      env.put("CLAUDE_CODE_OAUTH_TOKEN", token.reveal());
      List<ChildProcess> workers = new ArrayList<>();
      try {
        for (int i = 1; i <= 3; i++) {
          ChildProcess w = ChildProcess.start(target.resolve("promptq.jar"), logs, "worker-" + i, env, "worker",
              "--worker-id", "crash-" + i, "--max-in-flight", String.valueOf(MAX_IN_FLIGHT),
              "--set", "kafka.session.timeout.ms=6000", "--set", "kafka.heartbeat.interval.ms=1000");
          workers.add(w);
          w.awaitLine(Pattern.compile("Worker crash-" + i + " running"), Duration.ofSeconds(90));
        }
        // Once the last member has partitions, the group is stable: the only hand-over left is the kill.
        workers.get(2).awaitLine(Pattern.compile("Worker crash-3 joined group"), Duration.ofSeconds(90));
        ObjectNode base = new JobCodec().mapper().createObjectNode().put("model", "claude-test").put("max_tokens", 20);
        Set<String> ids = new TreeSet<>();
        for (int i = 0; i < JOBS; i++) {
          String id = "c-" + i;
          ObjectNode request = base.deepCopy();
          request.putArray("messages").addObject().put("role", "user").put("content", "job " + id);
          client.submit(Job.of(id, request));
          ids.add(id);
        }
        client.flush();

        await().atMost(Duration.ofSeconds(120)).until(() -> sim.successes(Route.SUBSCRIPTION) >= JOBS / 3);
        workers.get(1).kill();

        Map<String, Integer> resultsPerId = new HashMap<>();
        JobCodec codec = new JobCodec();
        for (ConsumerRecord<byte[], byte[]> r : TopicReader.readAll(kafka.bootstrapServers(), topics.results(), JOBS,
            Duration.ofSeconds(3), Duration.ofMinutes(3))) {
          JobResult result = codec.decodeResult(r.value());
          resultsPerId.merge(result.id(), 1, Integer::sum);
        }
        List<String> twice = resultsPerId.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey).toList();
        Set<String> missing = new TreeSet<>(ids);
        missing.removeAll(resultsPerId.keySet());
        assertEquals(List.of(), twice, "answered twice");
        assertEquals(Set.of(), missing, "never answered");
        assertEquals(JOBS, resultsPerId.size());

        long calledTwice = callsPerJob.values().stream().filter(c -> c.get() > 1).count();
        System.out.printf("crash: %d jobs, %d results, %d simulator calls, %d jobs called more than once "
            + "(killed worker's max in flight: %d)%n", JOBS, resultsPerId.size(),
            callsPerJob.values().stream().mapToInt(AtomicInteger::get).sum(), calledTwice, MAX_IN_FLIGHT);
        // A killed worker's started-but-uncommitted jobs run again: at most max-in-flight, plus the
        // records of one poll that may overshoot it (max-in-flight / 8).
        assertTrue(calledTwice <= MAX_IN_FLIGHT + MAX_IN_FLIGHT / 8, "jobs called more than once: " + calledTwice);

        for (ChildProcess w : List.of(workers.get(0), workers.get(2))) {
          w.terminate();
          assertEquals(0, w.awaitExit(Duration.ofSeconds(60)), "a worker stopped with SIGTERM exits 0");
        }
      } finally {
        for (ChildProcess w : workers) {
          w.close();
        }
      }
    }
  }
}
