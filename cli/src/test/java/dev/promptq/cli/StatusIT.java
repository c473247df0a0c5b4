package dev.promptq.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.promptq.config.Secret;
import dev.promptq.gateway.keys.KeyAdmin;
import dev.promptq.job.Job;
import dev.promptq.job.JobCodec;
import dev.promptq.job.RoutePolicy;
import dev.promptq.kafka.Topics;
import dev.promptq.producer.ClientConfig;
import dev.promptq.producer.PromptQClient;
import dev.promptq.testkit.junit.SharedKafka;
import dev.promptq.testkit.kafka.EmbeddedKafka;
import dev.promptq.testkit.sim.AnthropicSimulator;
import dev.promptq.testkit.sim.Directives;
import dev.promptq.worker.Worker;
import dev.promptq.worker.WorkerConfig;
import dev.promptq.worker.credentials.Credentials;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import picocli.CommandLine;

/** {@code ./promptq status --json} during a run: the group, its lag and the route states. */
@ExtendWith(SharedKafka.class)
class StatusIT {
  private final ObjectMapper mapper = JobCodec.newMapper();

  private String run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = PromptQ.commandLine();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int code = cl.execute(args);
    assertEquals(0, code, err.toString());
    return out.toString();
  }

  private ObjectNode request(String prompt) {
    ObjectNode r = mapper.createObjectNode().put("model", "claude-test").put("max_tokens", 20);
    r.putArray("messages").addObject().put("role", "user").put("content", prompt);
    return r;
  }

  @Test
  void statusShowsTheGroupItsLagAndTheRouteStates(EmbeddedKafka kafka) {
    Secret token = Secret.of("sk-ant-oat01-status-" + UUID.randomUUID());
    Secret key = Secret.of("sk-ant-api03-status-" + UUID.randomUUID());
    Topics topics = SharedKafka.uniqueTopics();
    String prefix = topics.jobs().substring(0, topics.jobs().length() - ".jobs".length());
    String group = "status-" + UUID.randomUUID();
    List<Worker> workers = new ArrayList<>();
    try (AnthropicSimulator sim = AnthropicSimulator.builder().oauthToken(token).apiKey(key)
            .responder(new Directives(Clock.systemUTC(), Duration.ofMinutes(1))).build().start();
        PromptQClient client = PromptQClient.create(ClientConfig.of(kafka.bootstrapServers()).withTopics(topics))) {
      for (String id : List.of("s1", "s2")) {
        workers.add(Worker.start(WorkerConfig.builder(kafka.bootstrapServers()).topics(topics).groupId(group)
            .workerId(id).anthropicBaseUrl(sim.baseUrl()).jobPartitions(4)
            .credentials(new Credentials(Optional.of(token), Optional.of(key))).build()));
      }
      workers.forEach(w -> w.firstAssignment().join());
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60))
          .until(() -> workers.stream().allMatch(w -> !w.assignment().isEmpty()));
      // the status lists the jobs topic's partitions; workers own the interactive lane's as well
      long partitions = workers.stream().mapToLong(w -> w.assignment().stream()
          .filter(tp -> tp.topic().equals(topics.jobs())).count()).sum();
      assertTrue(client.submitAndAwait(Job.of("spent", request("[sim:subscription:quota_spent*1]")),
          Duration.ofSeconds(60)).join().succeeded());
      ObjectNode bad = request("bad");
      bad.put("unknown_field", 1);
      assertEquals("errored", client.submitAndAwait(Job.of("rejected-job", bad), Duration.ofSeconds(60)).join()
          .outcome().wireName());
      // the worker publishes its recent errors from its control thread, within half a second
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> readJson(run("status", "--json",
          "--bootstrap-servers", kafka.bootstrapServers(), "--topic-prefix", prefix, "--group-id", group))
          .path("recent_errors").size() > 0);

      // each worker reports what it does every 5 s
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> {
        JsonNode w = readJson(run("status", "--json", "--bootstrap-servers", kafka.bootstrapServers(), "--topic-prefix",
            prefix, "--group-id", group)).path("workers");
        long done = 0;
        for (JsonNode n : w) {
          done += n.path("by_route").path("subscription").asLong() + n.path("by_route").path("api").asLong()
              + n.path("by_route").path("none").asLong();
        }
        return w.size() == 2 && done == 2;
      });
      try (KeyAdmin keys = new KeyAdmin(kafka.bootstrapServers(), Map.of(), topics, Clock.systemUTC())) {
        keys.create(new KeyAdmin.Grant("status-app", List.of(RoutePolicy.SUBSCRIPTION_FIRST), "*", null, 0));
      }
      JsonNode status = readJson(run("status", "--json", "--bootstrap-servers", kafka.bootstrapServers(),
          "--topic-prefix", prefix, "--group-id", group));
      assertEquals("status-app", status.path("gateway_keys_today").path(0).path("name").asText(), status.toString());
      assertEquals(0, status.path("gateway_keys_today").path(0).path("requests").asLong());
      System.out.println("status --json: " + status);
      assertEquals(group, status.path("group").asText());
      assertEquals("Stable", status.path("state").asText());
      assertEquals(2, status.path("members").size());
      assertEquals(partitions, (long) status.path("partitions").size());
      assertEquals(0, status.path("lag").asLong(), "every job answered and committed");
      assertEquals(false, status.path("routes").path("subscription").path("open").asBoolean());
      assertEquals("subscription_quota_spent", status.path("routes").path("subscription").path("reason").asText());
      assertEquals(true, status.path("routes").path("api").path("open").asBoolean());
      assertTrue(status.path("api_spend_today_usd").asDouble() > 0, "the fallback call cost something");
      JsonNode error = status.path("recent_errors").get(0);
      assertEquals("errored", error.path("kind").asText());
      assertEquals("rejected-job", error.path("job").asText());
      assertTrue(error.path("detail").asText().startsWith("invalid_request_error (400)"), error.toString());

      String text = run("status", "--bootstrap-servers", kafka.bootstrapServers(), "--topic-prefix", prefix,
          "--group-id", group);
      assertTrue(text.startsWith("group " + group + ": Stable, 2 members, lag 0, "), text);
      assertTrue(text.contains(" jobs/s over the last minute"), text);
      assertTrue(text.contains(" in flight, 0 waiting, "), text);
      assertTrue(text.contains("jobs by route since the workers started: "), text);
      assertTrue(text.contains("gateway keys today (UTC): status-app 0 requests, API $0.0000"), text);
      long started = System.nanoTime();
      run("status", "--bootstrap-servers", kafka.bootstrapServers(), "--topic-prefix", prefix, "--group-id", group);
      System.out.printf("status of a two-worker group: %d ms%n", (System.nanoTime() - started) / 1_000_000);
      assertTrue(text.contains("route subscription: closed until "), text);
      assertTrue(text.contains("recent errors (newest first):"), text);
    } finally {
      workers.forEach(w -> w.close(Duration.ofSeconds(5)));
    }
  }

  private JsonNode readJson(String text) {
    try {
      return mapper.readTree(text);
    } catch (java.io.IOException e) {
      throw new AssertionError("not JSON: " + text, e);
    }
  }
}
