package dev.promptq.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.promptq.config.Secret;
import dev.promptq.job.Attempt;
import dev.promptq.job.Job;
import dev.promptq.job.JobResult;
import dev.promptq.job.Outcome;
import dev.promptq.job.Route;
import dev.promptq.job.RoutePolicy;
import dev.promptq.kafka.ReplyHeaders;
import dev.promptq.testkit.junit.SharedKafka;
import dev.promptq.testkit.kafka.EmbeddedKafka;
import dev.promptq.testkit.sim.AnthropicSimulator;
import dev.promptq.testkit.sim.AnthropicSimulatorBuilder;
import dev.promptq.testkit.sim.RecordedCall;
import dev.promptq.worker.credentials.Credentials;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Which route answers a job, and when the worker must not call at all. */
@ExtendWith(SharedKafka.class)
class RoutingIT {
  private static final Duration WAIT = Duration.ofSeconds(60);

  /** A simulator that accepts the API key but not the worker's subscription token. */
  private static AnthropicSimulatorBuilder subscriptionRefused() {
    return AnthropicSimulator.builder().apiKey(TestPipeline.API_KEY).oauthToken(Secret.of("some-other-token"));
  }

  private static JobResult run(TestPipeline p, Job job) {
    return p.client().submitAndAwait(job, WAIT).join();
  }

  @Test
  void aSubscriptionJobIsServedByTheSubscription(EmbeddedKafka kafka) {
    try (TestPipeline p = new TestPipeline(kafka)) {
      p.startWorker("w");
      JobResult r = run(p, Job.of("sub-ok", p.request("hi")));
      assertEquals(Outcome.SUCCEEDED, r.outcome());
      assertEquals(Route.SUBSCRIPTION, r.route());
      assertEquals(1, r.attempts().size());
      assertEquals(200, r.attempts().get(0).status());
      assertEquals("claude-test", r.usage() == null ? null : r.message().path("model").asText());
    }
  }

  @Test
  void fallsBackToTheApiKeyWhenTheSubscriptionRefuses(EmbeddedKafka kafka) {
    try (TestPipeline p = new TestPipeline(kafka, subscriptionRefused())) {
      p.startWorker("w");
      JobResult r = run(p, Job.of("fallback", p.request("hi")));

      assertEquals(Outcome.SUCCEEDED, r.outcome());
      assertEquals(Route.API, r.route());
      List<Attempt> attempts = r.attempts();
      assertEquals(2, attempts.size());
      assertEquals(new Attempt(Route.SUBSCRIPTION, 401, "authentication_error", attempts.get(0).latencyMs()), attempts.get(0));
      assertEquals(new Attempt(Route.API, 200, null, attempts.get(1).latencyMs(), attempts.get(1).costUsd()),
          attempts.get(1));
      assertTrue(attempts.get(1).costUsd() > 0, "an API answer has a cost");
      assertNull(attempts.get(0).costUsd(), "a subscription answer has none");
    }
  }

  @Test
  void aRequestWithoutTheRequiredFieldsIsRefusedByTheClientBeforeAnythingIsSent(EmbeddedKafka kafka) {
    try (TestPipeline p = new TestPipeline(kafka)) {
      ObjectNode bad = p.request("hi");
      bad.remove("max_tokens");
      IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
          () -> p.client().submitAndAwait(Job.of("bad-request", bad), WAIT));
      assertEquals("job bad-request: request.max_tokens must be a positive integer", e.getMessage());
      assertEquals(0, p.sim.calls().size());
    }
  }

  @Test
  void subscriptionOnlyWaitsForARefusedSubscriptionAndNeverSpendsApiMoney(EmbeddedKafka kafka) {
    try (TestPipeline p = new TestPipeline(kafka, subscriptionRefused())) {
      p.startWorker("w");
      JobResult r = run(p, Job.of("sub-only", p.request("hi")).withRoute(RoutePolicy.SUBSCRIPTION_ONLY)
          .withDeadline(Instant.now().plusSeconds(3)));

      assertEquals(Outcome.EXPIRED, r.outcome(), "it waited for the subscription until its deadline");
      assertEquals("unauthorized", r.waits().get(0).reason());
      assertEquals(List.of(Route.SUBSCRIPTION), p.sim.calls().stream().map(RecordedCall::route).toList());
    }
  }

  @Test
  void apiOnlyNeverTouchesTheSubscription(EmbeddedKafka kafka) {
    try (TestPipeline p = new TestPipeline(kafka)) {
      p.startWorker("w");
      JobResult r = run(p, Job.of("api-only", p.request("hi")).withRoute(RoutePolicy.API_ONLY));

      assertEquals(Outcome.SUCCEEDED, r.outcome());
      assertEquals(Route.API, r.route());
      assertEquals(List.of(Route.API), p.sim.calls().stream().map(RecordedCall::route).toList());
    }
  }

  @Test
  void aJobPastItsDeadlineExpiresWithoutACall(EmbeddedKafka kafka) {
    try (TestPipeline p = new TestPipeline(kafka)) {
      p.startWorker("w");
      JobResult r = run(p, Job.of("late", p.request("hi")).withDeadline(Instant.now().minusSeconds(1)));

      assertEquals(Outcome.EXPIRED, r.outcome());
      assertNull(r.route());
      assertEquals(0, r.attempts().size());
      assertEquals(0, p.sim.calls().size());
    }
  }

  @Test
  void aPolicyWithoutAMatchingCredentialIsErroredWithoutACall(EmbeddedKafka kafka) {
    try (TestPipeline p = new TestPipeline(kafka)) {
      p.startWorker(p.workerConfig("api-key-only")
          .credentials(new Credentials(Optional.empty(), Optional.of(TestPipeline.API_KEY))).build());

      JobResult r = run(p, Job.of("no-route", p.request("hi")).withRoute(RoutePolicy.SUBSCRIPTION_ONLY));

      assertEquals(Outcome.ERRORED, r.outcome());
      assertEquals("no_route", r.error().type());
      assertEquals(0, p.sim.calls().size());
    }
  }

  @Test
  void theResultGoesToTheJobsReplyTopicWithItsCorrelationIdAndMetadata(EmbeddedKafka kafka) {
    try (TestPipeline p = new TestPipeline(kafka)) {
      p.startWorker("w");
      String replyTo = p.topics.results() + ".mine";
      Job job = Job.of("replied", p.request("hi")).withReplyTo(replyTo)
          .withMetadata(p.codec.mapper().createObjectNode().put("ticket", 42));
      // Created by the client when awaiting on it; a raw record names the correlation id itself.
      p.client().submitAndAwait(Job.of("warm-up", p.request("x")).withReplyTo(replyTo), WAIT).join();
      byte[] correlation = "corr-123".getBytes(StandardCharsets.UTF_8);
      p.produceRaw(job.id().getBytes(StandardCharsets.UTF_8), p.codec.encodeJob(job),
          Map.of(ReplyHeaders.CORRELATION_ID, correlation));

      List<ConsumerRecord<byte[], byte[]>> replies = p.readAll(replyTo, 2);
      ConsumerRecord<byte[], byte[]> reply = replies.stream()
          .filter(r -> "replied".equals(ReplyHeaders.text(r.headers(), ReplyHeaders.JOB_ID))).findFirst().orElseThrow();
      assertEquals("corr-123", ReplyHeaders.text(reply.headers(), ReplyHeaders.CORRELATION_ID));
      assertEquals("succeeded", ReplyHeaders.text(reply.headers(), ReplyHeaders.OUTCOME));
      assertEquals("replied", new String(reply.key(), StandardCharsets.UTF_8));
      JobResult r = p.codec.decodeResult(reply.value());
      assertEquals(42, r.metadata().path("ticket").asInt());
      assertEquals("w", r.workerId());
    }
  }
}
