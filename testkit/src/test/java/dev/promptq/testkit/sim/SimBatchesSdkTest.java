package dev.promptq.testkit.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.errors.BadRequestException;
import com.anthropic.models.messages.batches.BatchCreateParams;
import com.anthropic.models.messages.batches.BatchListParams;
import com.anthropic.models.messages.batches.MessageBatch;
import com.anthropic.models.messages.batches.MessageBatchIndividualResponse;
import dev.promptq.config.Secret;
import dev.promptq.testkit.time.ManualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Anthropic's official Java SDK, with strict response validation, against the simulator's
 * Message Batches API: every call and every object the SDK knows must read without complaint.
 */
class SimBatchesSdkTest {
  private static final String KEY = "sk-ant-api03-sdk-batch-key";
  private final ManualClock clock = new ManualClock(Instant.parse("2026-12-02T12:00:00Z"));
  private AnthropicSimulator sim;
  private AnthropicClient client;

  @BeforeEach
  void start() {
    sim = AnthropicSimulator.builder().apiKey(Secret.of(KEY)).clock(clock).batchProcessing(Duration.ofMinutes(5))
        .responder(new Directives(clock, Duration.ofHours(1))).build().start();
    client = AnthropicOkHttpClient.builder().apiKey(KEY).baseUrl(sim.baseUrl()).responseValidation(true)
        .maxRetries(0).build();
  }

  @AfterEach
  void stop() {
    client.close();
    sim.close();
  }

  private static BatchCreateParams batch(String prefix, int n, String prompt) {
    BatchCreateParams.Builder b = BatchCreateParams.builder();
    for (int i = 0; i < n; i++) {
      b.addRequest(BatchCreateParams.Request.builder().customId(prefix + "-" + i)
          .params(BatchCreateParams.Request.Params.builder().model("claude-haiku-4-5").maxTokens(64)
              .addUserMessage(prompt + " " + i).build())
          .build());
    }
    return b.build();
  }

  @Test
  void createRetrieveResultsAndDeleteReadAsTheSdkExpects() {
    MessageBatch created = client.messages().batches().create(batch("sdk", 4, "hello"));
    assertEquals(MessageBatch.ProcessingStatus.IN_PROGRESS, created.processingStatus());
    assertEquals(4, created.requestCounts().processing());
    clock.advance(Duration.ofMinutes(5));
    MessageBatch ended = client.messages().batches().retrieve(created.id());
    assertEquals(MessageBatch.ProcessingStatus.ENDED, ended.processingStatus());
    assertEquals(4, ended.requestCounts().succeeded());
    assertTrue(ended.resultsUrl().orElseThrow().startsWith(sim.baseUrl()));

    Map<String, MessageBatchIndividualResponse> results = new HashMap<>();
    try (StreamResponse<MessageBatchIndividualResponse> stream = client.messages().batches()
        .resultsStreaming(created.id())) {
      stream.stream().forEach(r -> results.put(r.customId(), r));
    }
    assertEquals(4, results.size());
    assertTrue(results.get("sdk-2").result().isSucceeded());
    assertTrue(results.get("sdk-2").result().asSucceeded().message().usage().inputTokens() > 0);

    assertEquals(created.id(), client.messages().batches().delete(created.id()).id());
  }

  @Test
  void erroredCanceledAndPagedBatchesReadAsTheSdkExpects() {
    MessageBatch errored = client.messages().batches().create(batch("bad", 2, "[sim:api:invalid_request]"));
    clock.advance(Duration.ofMinutes(5));
    try (StreamResponse<MessageBatchIndividualResponse> stream = client.messages().batches()
        .resultsStreaming(errored.id())) {
      stream.stream().forEach(r -> {
        assertTrue(r.result().isErrored());
        assertTrue(r.result().asErrored().error().error().isInvalidRequestError(), r.toString());
      });
    }
    MessageBatch canceled = client.messages().batches().create(batch("stop", 10, "cancel"));
    clock.advance(Duration.ofMinutes(1));
    assertEquals(MessageBatch.ProcessingStatus.CANCELING,
        client.messages().batches().cancel(canceled.id()).processingStatus());
    clock.advance(Duration.ofSeconds(1));
    assertEquals(8, client.messages().batches().retrieve(canceled.id()).requestCounts().canceled());

    List<String> seen = new ArrayList<>();
    client.messages().batches().list(BatchListParams.builder().limit(1).build()).autoPager()
        .forEach(b -> seen.add(b.id()));
    assertEquals(List.of(canceled.id(), errored.id()), seen, "newest first, every page");

    BadRequestException refused = assertThrows(BadRequestException.class,
        () -> client.messages().batches().create(BatchCreateParams.builder()
            .addRequest(BatchCreateParams.Request.builder().customId("not ok!")
                .params(BatchCreateParams.Request.Params.builder().model("claude-haiku-4-5").maxTokens(8)
                    .addUserMessage("x").build()).build()).build()));
    assertTrue(refused.getMessage().contains("custom_id"), refused.getMessage());
  }
}
