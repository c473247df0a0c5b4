package dev.promptq.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class JobCodecTest {
  private final JobCodec codec = new JobCodec();

  private JobCodec.Decoded decode(String json) {
    return codec.decodeJob(json.getBytes(StandardCharsets.UTF_8));
  }

  private static final String VALID_REQUEST =
      "{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

  @Test
  void aJobSurvivesEncodeAndDecode() {
    ObjectNode request = codec.mapper().createObjectNode().put("model", "m").put("max_tokens", 5);
    request.putArray("messages").addObject().put("role", "user").put("content", "hi");
    Job job = Job.of("job-1", request).withRoute(RoutePolicy.API_ONLY).withReplyTo("promptq.mine")
        .withDeadline(Instant.parse("2030-01-01T00:00:00Z"))
        .withMetadata(codec.mapper().createObjectNode().put("k", "v")).withBatch("nightly-2026-11-24")
        .withBetas(java.util.List.of("interleaved-thinking-2025-05-14", "context-1m-2025-08-07"));

    JobCodec.Decoded decoded = codec.decodeJob(codec.encodeJob(job));

    assertEquals(job, assertInstanceOf(JobCodec.Decoded.Valid.class, decoded).job());
  }

  @Test
  void betasThatCouldNotBeAHeaderValueOrAreTooManyMakeTheRecordInvalid() {
    String ok = "{\"id\":\"a\",\"request\":" + VALID_REQUEST + ",\"betas\":[\"files-api-2025-04-14\"]}";
    assertEquals(java.util.List.of("files-api-2025-04-14"),
        ((JobCodec.Decoded.Valid) decode(ok)).job().betas());
    for (String betas : new String[] {"\"files-api\"", "[\"a\\r\\nx-api-key: b\"]", "[1]",
        "[" + "\"b\",".repeat(Job.MAX_BETAS) + "\"b\"]"}) {
      JobCodec.Decoded d = decode("{\"id\":\"a\",\"request\":" + VALID_REQUEST + ",\"betas\":" + betas + "}");
      assertInstanceOf(JobCodec.Decoded.Invalid.class, d, betas);
      assertTrue(((JobCodec.Decoded.Invalid) d).reason().startsWith("betas"), ((JobCodec.Decoded.Invalid) d).reason());
    }
  }

  @Test
  void aTokenCountJobTakesNoMaxTokensAndAnUnknownEndpointIsInvalid() {
    String count = "{\"id\":\"c\",\"endpoint\":\"count_tokens\",\"request\":{\"model\":\"m\","
        + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}}";
    Job job = ((JobCodec.Decoded.Valid) decode(count)).job();
    assertEquals(Endpoint.COUNT_TOKENS, job.endpoint());
    assertEquals(job, ((JobCodec.Decoded.Valid) codec.decodeJob(codec.encodeJob(job))).job());
    assertEquals(Endpoint.MESSAGES, ((JobCodec.Decoded.Valid) decode("{\"id\":\"a\",\"request\":" + VALID_REQUEST
        + "}")).job().endpoint());
    assertTrue(((JobCodec.Decoded.Invalid) decode("{\"id\":\"c\",\"endpoint\":\"count_tokens\",\"request\":"
        + VALID_REQUEST + "}")).reason().contains("max_tokens"));
    assertTrue(((JobCodec.Decoded.Invalid) decode("{\"id\":\"c\",\"endpoint\":\"complete\",\"request\":"
        + VALID_REQUEST + "}")).reason().startsWith("endpoint must be messages or count_tokens"));
  }

  @Test
  void routeDefaultsToSubscriptionFirst() {
    Job job = ((JobCodec.Decoded.Valid) decode("{\"id\":\"a\",\"request\":" + VALID_REQUEST + "}")).job();
    assertEquals(RoutePolicy.SUBSCRIPTION_FIRST, job.route());
    assertNull(job.replyTo());
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(delimiter = '|', value = {
      "{not json                                  | invalid JSON",
      "[1,2]                                      | a job must be a JSON object, got an array",
      "{\"request\":{}}                           | missing field: id",
      "{\"id\":7,\"request\":{}}                  | id must be a string, got a number",
      "{\"id\":\"has space\",\"request\":{}}      | invalid id (must be 1-64 of [A-Za-z0-9_-]): has space",
      "{\"id\":\"a\"}                             | missing field: request",
      "{\"id\":\"a\",\"request\":\"hi\"}          | request must be a JSON object (a Messages API body), got a string",
      "{\"id\":\"a\",\"request\":{},\"route\":\"cheap\"} | unknown route policy: cheap",
      "{\"id\":\"a\",\"request\":{},\"reply_to\":\"bad topic\"} | reply_to must be a legal topic name",
      "{\"id\":\"a\",\"request\":{},\"deadline\":\"tomorrow\"} | deadline is not an ISO-8601 instant: tomorrow",
      "{\"id\":\"a\",\"request\":{},\"colour\":1}  | unknown field: colour",
      "{\"id\":\"a\",\"request\":{},\"batch\":\"a b\"} | batch must be 1-64 of [A-Za-z0-9_-]",
      "{\"id\":\"a\",\"request\":{}} {}            | invalid JSON",
  })
  void badRecordsAreInvalidWithAReason(String json, String reasonStart) {
    JobCodec.Decoded decoded = decode(json.strip());
    String reason = assertInstanceOf(JobCodec.Decoded.Invalid.class, decoded).reason();
    assertTrue(reason.startsWith(reasonStart.strip()), reason);
  }

  @Test
  void nonUtf8AndNullValuesAreInvalid() {
    assertEquals("record value is not UTF-8",
        ((JobCodec.Decoded.Invalid) codec.decodeJob(new byte[] {(byte) 0xC3, (byte) 0x28})).reason());
    assertEquals("empty record (null value)", ((JobCodec.Decoded.Invalid) codec.decodeJob(null)).reason());
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(delimiter = '|', value = {
      "{}                                                   | request.model must be a non-empty string",
      "{\"model\":\"\"}                                       | request.model must be a non-empty string",
      "{\"model\":\"m\"}                                      | request.max_tokens must be a positive integer",
      "{\"model\":\"m\",\"max_tokens\":0}                     | request.max_tokens must be a positive integer",
      "{\"model\":\"m\",\"max_tokens\":1.5}                   | request.max_tokens must be a positive integer",
      "{\"model\":\"m\",\"max_tokens\":9,\"messages\":[]}     | request.messages must be a non-empty array",
      "{\"model\":\"m\",\"max_tokens\":9,\"messages\":[1]}    | request.messages.0 must be an object",
      "{\"model\":\"m\",\"max_tokens\":9,\"messages\":[{\"role\":\"system\",\"content\":\"x\"}]} | request.messages.0.role must be",
      "{\"model\":\"m\",\"max_tokens\":9,\"messages\":[{\"role\":\"user\",\"content\":7}]} | request.messages.0.content must be",
  })
  void aRequestWithoutTheFieldsTheApiRequiresIsInvalidBeforeAnyCall(String request, String reasonStart) {
    String reason = assertInstanceOf(JobCodec.Decoded.Invalid.class,
        decode("{\"id\":\"a\",\"request\":" + request.strip() + "}")).reason();
    assertTrue(reason.startsWith(reasonStart.strip()), reason);
  }

  @Test
  void oversizedDeepAndBigMetadataRecordsAreInvalidWithTheLimitNamed() {
    JobCodec small = new JobCodec(new JobCodec.Limits(200, 8, 20));
    String big = "{\"id\":\"a\",\"request\":" + VALID_REQUEST + ",\"metadata\":\"" + "x".repeat(300) + "\"}";
    byte[] bigBytes = big.getBytes(StandardCharsets.UTF_8);
    assertEquals("record of " + bigBytes.length + " bytes exceeds job.max.bytes (200)",
        ((JobCodec.Decoded.Invalid) small.decodeJob(bigBytes)).reason());
    String deep = "{\"id\":\"a\",\"request\":" + "[".repeat(10) + "]".repeat(10) + "}";
    String reason = ((JobCodec.Decoded.Invalid) small.decodeJob(deep.getBytes(StandardCharsets.UTF_8))).reason();
    assertTrue(reason.startsWith("invalid JSON: Document nesting depth (9) exceeds the maximum allowed (8"), reason);
    String meta = "{\"id\":\"a\",\"request\":" + VALID_REQUEST + ",\"metadata\":{\"k\":\"" + "y".repeat(30) + "\"}}";
    assertEquals("metadata of 38 bytes exceeds job.metadata.max.bytes (20)",
        ((JobCodec.Decoded.Invalid) small.decodeJob(meta.getBytes(StandardCharsets.UTF_8))).reason());
  }

  @Test
  void anInvalidRecordKeepsItsIdWhenReadable() {
    JobCodec.Decoded.Invalid invalid = (JobCodec.Decoded.Invalid) decode("{\"id\":\"keep-me\"}");
    assertEquals("keep-me", invalid.id());
  }

  @Test
  void aResultSurvivesEncodeAndDecode() {
    JobResult result = new JobResult("r1", Outcome.ERRORED, Route.API, null,
        new ApiError("overloaded_error", "Overloaded", 529),
        List.of(new Attempt(Route.SUBSCRIPTION, 429, "rate_limit_error", 12, null, Attempt.CLAUDE_CLI, 0.0),
            new Attempt(Route.API, 529, "overloaded_error", 30, 0.0025), new Attempt(Route.API, 529, null, 3, 0.001)),
        null, codec.mapper().createObjectNode().put("n", 1), "w1",
        Instant.parse("2026-01-01T00:00:00Z"), Instant.parse("2026-01-01T00:00:01Z"), Instant.parse("2026-01-01T00:00:03Z"),
        List.of(new Wait("backoff", 40), new Wait("api_budget_spent", 1200)),
        List.of(new RouteNote(Route.SUBSCRIPTION, "claude_cli_cannot_express", "messages.0.content.1 is an image")));

    JobResult back = codec.decodeResult(codec.encodeResult(result));

    assertEquals(result, back);
    assertEquals("claude_cli", codec.resultToNode(result).path("attempts").get(0).path("transport").asText());
    assertTrue(codec.resultToNode(result).path("attempts").get(1).path("transport").isMissingNode(),
        "http, the usual transport, is not written");
    assertEquals(0.0035, back.apiCostUsd(), 1e-12);
    assertEquals(0.0035, codec.resultToNode(result).path("api_cost_usd").asDouble(), 1e-12);
    assertEquals(1000, back.queueTime().toMillis());
    assertEquals(2000, back.processingTime().toMillis());
  }
}
