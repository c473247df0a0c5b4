package dev.promptq.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.promptq.config.Secret;
import dev.promptq.job.Job;
import dev.promptq.job.JobCodec;
import dev.promptq.kafka.Topics;
import dev.promptq.producer.ClientConfig;
import dev.promptq.producer.PromptQClient;
import dev.promptq.testkit.junit.SharedKafka;
import dev.promptq.testkit.kafka.EmbeddedKafka;
import dev.promptq.testkit.kafka.TopicReader;
import dev.promptq.testkit.sim.AnthropicSimulator;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** SIGTERM: the worker stops fetching, finishes the jobs it is running, commits them and exits 0. */
@ExtendWith(SharedKafka.class)
class GracefulShutdownIT {

  @Test
  void sigtermFinishesRunningJobsCommitsThemAndExitsZero(EmbeddedKafka kafka) throws Exception {
    Path target = Path.of(System.getProperty("promptq.test.tmp", "target"));
    Secret token = Secret.of("sk-ant-oat01-graceful-" + UUID.randomUUID());
    String prefix = "graceful" + UUID.randomUUID().toString().substring(0, 6);
    Topics topics = Topics.withPrefix(prefix);
    try (AnthropicSimulator sim = AnthropicSimulator.builder().oauthToken(token).latency(Duration.ofSeconds(3))
        .build().start();
        PromptQClient client = PromptQClient.create(ClientConfig.of(kafka.bootstrapServers()).withTopics(topics));
        ChildProcess worker = ChildProcess.start(target.resolve("promptq.jar"), target, "graceful-worker", Map.of(
            "PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"),
            "PROMPTQ_BOOTSTRAP_SERVERS", kafka.bootstrapServers(),
            "PROMPTQ_TOPIC_PREFIX", prefix,
            "ANTHROPIC_BASE_URL", sim.baseUrl(),
            "CLAUDE_CODE_OAUTH_TOKEN", token.reveal()), "worker", "--worker-id", "graceful",
            // all 50 jobs in flight at once: no slow start
            "--set", "subscription.slow.start=64")) {
      worker.awaitLine(Pattern.compile("Worker graceful running"), Duration.ofSeconds(90));
      ObjectNode request = new JobCodec().mapper().createObjectNode().put("model", "claude-test").put("max_tokens", 20);
      request.putArray("messages").addObject().put("role", "user").put("content", "take your time");
      Set<String> ids = new HashSet<>();
      for (int i = 0; i < 50; i++) {
        client.submit(Job.of("g-" + i, request));
        ids.add("g-" + i);
      }
      client.flush();
      await().atMost(Duration.ofSeconds(60)).until(() -> sim.maxConcurrentRequests() >= 50);

      worker.terminate();

      assertEquals(0, worker.awaitExit(Duration.ofSeconds(60)));
      Set<String> answered = new HashSet<>();
      var results = TopicReader.readAll(kafka.bootstrapServers(), topics.results(), 50, Duration.ofSeconds(1),
          Duration.ofSeconds(30));
      results.forEach(r -> answered.add(new JobCodec().decodeResult(r.value()).id()));
      assertEquals(50, results.size(), "one result each");
      assertEquals(ids, answered);
      assertEquals(50, sim.calls().size(), "no job was handed back and called again");
    }
  }
}
