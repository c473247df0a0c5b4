package dev.promptq.gateway;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.anthropic.client.AnthropicClient;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.errors.BadRequestException;
import com.anthropic.errors.NotFoundException;
import com.anthropic.models.messages.batches.BatchCreateParams;
import com.anthropic.models.messages.batches.MessageBatch;
import com.anthropic.models.messages.batches.MessageBatchIndividualResponse;
import dev.promptq.gateway.keys.KeyBook;
import dev.promptq.job.RoutePolicy;
import dev.promptq.testkit.junit.SharedKafka;
import dev.promptq.testkit.kafka.EmbeddedKafka;
import dev.promptq.testkit.time.ManualClock;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The Message Batches API of the gateway, through Anthropic's official Java SDK with strict
 * validation: batches live in Kafka, so any instance answers for any batch.
 */
@ExtendWith(SharedKafka.class)
class GatewayBatchesIT {

  private static BatchCreateParams batch(String prefix, int n, String... prompts) {
    BatchCreateParams.Builder b = BatchCreateParams.builder();
    for (int i = 0; i < n; i++) {
      String prompt = i < prompts.length ? prompts[i] : prefix + " request " + i;
      b.addRequest(BatchCreateParams.Request.builder().customId(prefix + "-" + i)
          .params(BatchCreateParams.Request.Params.builder().model("claude-haiku-4-5").maxTokens(64)
              .addUserMessage(prompt).build())
          .build());
    }
    return b.build();
  }

  private static MessageBatch awaitEnded(AnthropicClient client, String id) {
    await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() ->
        client.messages().batches().retrieve(id).processingStatus() == MessageBatch.ProcessingStatus.ENDED);
    return client.messages().batches().retrieve(id);
  }

  private static Map<String, MessageBatchIndividualResponse> results(AnthropicClient client, String id) {
    Map<String, MessageBatchIndividualResponse> out = new HashMap<>();
    try (StreamResponse<MessageBatchIndividualResponse> s = client.messages().batches().resultsStreaming(id)) {
      s.stream().forEach(r -> out.put(r.customId(), r));
    }
    return out;
  }

  @Test
  void aBatchIsServedByTheGroupAndReadThroughAnyGatewayInstance(EmbeddedKafka kafka) {
    try (GatewayRig rig = new GatewayRig(kafka)) {
      rig.startWorker();
      String key = rig.key("batcher", "*", RoutePolicy.SUBSCRIPTION_FIRST, RoutePolicy.API_ONLY);
      AnthropicClient one = rig.sdk(rig.startGateway("gw-1", Clock.systemUTC()), key);
      AnthropicClient two = rig.sdk(rig.startGateway("gw-2", Clock.systemUTC()), key);

      MessageBatch created = one.messages().batches().create(batch("b", 6, "hello 0", "[sim:invalid_request] no"));
      assertTrue(created.id().startsWith("msgbatch_"));
      assertEquals(MessageBatch.ProcessingStatus.IN_PROGRESS, created.processingStatus());
      assertEquals(6, created.requestCounts().processing());

      MessageBatch ended = awaitEnded(two, created.id());
      assertEquals(5, ended.requestCounts().succeeded());
      assertEquals(1, ended.requestCounts().errored());
      assertTrue(ended.endedAt().isPresent());
      assertTrue(ended.resultsUrl().orElseThrow().endsWith("/v1/messages/batches/" + created.id() + "/results"));

      Map<String, MessageBatchIndividualResponse> results = results(two, created.id());
      assertEquals(6, results.size());
      assertTrue(results.get("b-0").result().asSucceeded().message().content().get(0).asText().text().length() > 0);
      assertTrue(results.get("b-1").result().asErrored().error().error().isInvalidRequestError(),
          results.get("b-1").toString());

      // the second on the api route, with a beta: both go with each of its requests
      MessageBatch second = one.messages().batches().create(batch("c", 2).toBuilder()
          .putAdditionalHeader("promptq-route", "api_only").putAdditionalHeader("anthropic-beta", "files-api-2025-04-14")
          .build());
      // another instance learns of a batch when it reads its record: within moments
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
        List<String> listed = new ArrayList<>();
        two.messages().batches().list().autoPager().forEach(b -> listed.add(b.id()));
        assertEquals(List.of(second.id(), created.id()), listed, "newest first");
      });

      AnthropicClient stranger = rig.sdk(rig.startGateway("gw-3", Clock.systemUTC()),
          rig.key("someone-else", "*", RoutePolicy.SUBSCRIPTION_FIRST));
      assertThrows(NotFoundException.class, () -> stranger.messages().batches().retrieve(created.id()),
          "a key sees only its own batches");

      awaitEnded(one, second.id());
      assertTrue(rig.betasSeen.contains("c request 0 | files-api-2025-04-14"), rig.betasSeen.toString());
      // the key's use today counts its batches' results and their API spend, once, whichever instances read them
      String keyId = rig.admin.book().find("batcher").orElseThrow().id();
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
        KeyBook.DayUse use = rig.admin.book().use(keyId, LocalDate.now(ZoneOffset.UTC));
        assertEquals(8, use.requests(), "6 + 2 batch requests, though three instances read them");
        assertTrue(use.usd() > 0, "the api_only batch cost something: " + use);
      });
      assertEquals(created.id(), one.messages().batches().delete(created.id()).id());
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
          assertThrows(NotFoundException.class, () -> two.messages().batches().retrieve(created.id())));
    }
  }

  @Test
  void aCanceledBatchsJobsAreAnsweredCanceledWithoutACall(EmbeddedKafka kafka) {
    try (GatewayRig rig = new GatewayRig(kafka)) {
      String key = rig.key("canceler", "*", RoutePolicy.SUBSCRIPTION_FIRST);
      AnthropicClient client = rig.sdk(rig.startGateway("gw-1", Clock.systemUTC()), key);
      MessageBatch created = client.messages().batches().create(batch("x", 5));  // no worker yet: all wait
      MessageBatch canceling = client.messages().batches().cancel(created.id());
      assertEquals(MessageBatch.ProcessingStatus.CANCELING, canceling.processingStatus());
      assertTrue(canceling.cancelInitiatedAt().isPresent());
      assertThrows(BadRequestException.class, () -> client.messages().batches().delete(created.id()),
          "a batch that has not ended cannot be deleted");

      rig.startWorker();
      MessageBatch ended = awaitEnded(client, created.id());
      assertEquals(5, ended.requestCounts().canceled());
      assertEquals(0, rig.sim.calls().size(), "no call for a canceled batch");
      results(client, created.id()).values().forEach(r -> assertTrue(r.result().isCanceled(), r.toString()));
    }
  }

  @Test
  void aBatchNobodyServesEndsExpiredAfterADay(EmbeddedKafka kafka) {
    try (GatewayRig rig = new GatewayRig(kafka)) {
      ManualClock clock = new ManualClock(Instant.now());
      String key = rig.key("patient", "*", RoutePolicy.SUBSCRIPTION_FIRST);
      AnthropicClient client = rig.sdk(rig.startGateway("gw-1", clock), key);
      MessageBatch created = client.messages().batches().create(batch("e", 3));
      assertEquals(created.createdAt().plusHours(24), created.expiresAt());
      clock.advance(Duration.ofHours(24));
      MessageBatch ended = client.messages().batches().retrieve(created.id());
      assertEquals(MessageBatch.ProcessingStatus.ENDED, ended.processingStatus());
      assertEquals(3, ended.requestCounts().expired());
      Map<String, MessageBatchIndividualResponse> results = results(client, created.id());
      assertEquals(List.of("e-0", "e-1", "e-2"), results.keySet().stream().sorted().toList());
      results.values().forEach(r -> assertTrue(r.result().isExpired(), r.toString()));
    }
  }
}
