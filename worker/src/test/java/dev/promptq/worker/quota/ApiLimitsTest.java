package dev.promptq.worker.quota;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.promptq.testkit.time.ManualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The api route's rate limits by requests and tokens: reserved before a call, settled by its usage, learned from headers. */
class ApiLimitsTest {
  private static final Instant T0 = Instant.parse("2026-12-02T10:00:00Z");
  private static final ObjectMapper JSON = new ObjectMapper();
  private final ManualClock clock = new ManualClock(T0);

  private static JsonNode json(String s) throws Exception {
    return JSON.readTree(s);
  }

  private Map<String, String> headers(String bucket, long limit, long remaining, Duration toFull) {
    return Map.of("anthropic-ratelimit-" + bucket + "-limit", Long.toString(limit),
        "anthropic-ratelimit-" + bucket + "-remaining", Long.toString(remaining),
        "anthropic-ratelimit-" + bucket + "-reset", clock.instant().plus(toFull).toString());
  }

  @Test
  void aRequestIsEstimatedFromItsTextWithMediaAtAFixedWeightAndItsMaxTokens() throws Exception {
    String image = "A".repeat(400_000);
    JsonNode request = json("{\"model\":\"m\",\"max_tokens\":700,\"system\":\"" + "s".repeat(400) + "\","
        + "\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image\",\"source\":{\"type\":\"base64\","
        + "\"media_type\":\"image/png\",\"data\":\"" + image + "\"}},{\"type\":\"text\",\"text\":\"hi\"}]}]}");
    ApiLimits.Reservation r = ApiLimits.estimate(request);
    assertEquals(1, r.requests());
    assertEquals(700, r.output());
    assertTrue(r.input() > ApiLimits.MEDIA_TOKENS && r.input() < ApiLimits.MEDIA_TOKENS + 200,
        "the image counts 1600, not its 400,000 bytes: " + r.input());
  }

  @Test
  void beforeTheFirstAnswerFewCallsGoAndAnAnswerWithoutLimitsLimitsNothing() {
    ApiLimits limits = new ApiLimits(0, 0, clock);
    ApiLimits.Reservation call = new ApiLimits.Reservation(1, 100_000, 4096);
    for (int i = 0; i < ApiLimits.FIRST_CALLS; i++) {
      assertEquals(Optional.empty(), limits.tryReserve(call, 1));
    }
    assertEquals(Optional.of(T0.plusMillis(50)), limits.tryReserve(call, 1), "wait for the first answer");
    limits.settle(call, 200, null, Map.of(), 1);
    for (int i = 0; i < 1000; i++) {
      assertEquals(Optional.empty(), limits.tryReserve(call, 1), "no limit configured or answered: none");
    }
  }

  @Test
  void aConfiguredInputLimitPacesCallsAndUsageSettlesTheEstimate() throws Exception {
    ApiLimits limits = new ApiLimits(6000, 0, clock);  // 100 tokens a second
    ApiLimits.Reservation big = new ApiLimits.Reservation(1, 4000, 100);
    assertEquals(Optional.empty(), limits.tryReserve(big, 1), "a bucket starts full");
    Optional<Instant> due = limits.tryReserve(big, 1);
    assertEquals(Optional.of(T0.plusSeconds(20)), due, "2000 left, 2000 short at 100 a second");
    // the first call's answer: it used 1000 input tokens, not 4000
    limits.settle(big, 200, json("{\"input_tokens\":900,\"cache_creation_input_tokens\":100,\"output_tokens\":5}"),
        Map.of(), 1);
    assertEquals(Optional.empty(), limits.tryReserve(big, 1), "3000 given back: 5000 held");
    assertEquals(Optional.of(T0.plusSeconds(30)), limits.tryReserve(big, 1));
    limits.settle(big, 429, null, Map.of(), 1);
    assertEquals(Optional.empty(), limits.tryReserve(big, 1), "a call without a success gives everything back");
  }

  @Test
  void theAnswersTeachTheLimitItsRefillRateAndWhatTheKeyHasLeft() {
    ApiLimits limits = new ApiLimits(0, 0, clock);
    ApiLimits.Reservation call = new ApiLimits.Reservation(1, 1000, 0);
    assertEquals(Optional.empty(), limits.tryReserve(call, 0.5));
    // the key: 10,000 a period, 4,000 left, full again in 12 s: it refills 500 a second (a 20 s period)
    limits.settle(call, 200, null, headers("input-tokens", 10_000, 4000, Duration.ofSeconds(12)), 0.5);
    ApiLimits.Bucket input = limits.buckets().get(1);
    assertEquals(10_000, input.limit());
    assertEquals(500, input.perSecond(), 1e-9);
    assertEquals(2000, input.level(), 1e-9, "half of what the key has left, not half of the limit");
    assertEquals(Optional.empty(), limits.tryReserve(new ApiLimits.Reservation(1, 2000, 0), 0.5));
    assertEquals(Optional.of(T0.plusSeconds(4)), limits.tryReserve(new ApiLimits.Reservation(1, 1000, 0), 0.5),
        "empty; this worker's half of 500 a second brings 1000 in 4 s");
    clock.advance(Duration.ofSeconds(60));
    assertEquals(Optional.empty(), limits.tryReserve(new ApiLimits.Reservation(1, 5000, 0), 0.5));
    assertTrue(limits.tryReserve(new ApiLimits.Reservation(1, 1, 0), 0.5).isPresent(),
        "a minute refills it to its share of the limit, 5000, and no more");
  }

  @Test
  void aCallLargerThanTheWholeShareGoesWhenTheBucketIsFull() {
    ApiLimits limits = new ApiLimits(600, 0, clock);  // 10 a second
    assertEquals(Optional.empty(), limits.tryReserve(new ApiLimits.Reservation(1, 100, 0), 1));
    assertEquals(Optional.of(T0.plusSeconds(10)), limits.tryReserve(new ApiLimits.Reservation(1, 5000, 0), 1),
        "it could never fit: it waits for a full bucket, 100 tokens at 10 a second");
    clock.advance(Duration.ofSeconds(10));
    assertEquals(Optional.empty(), limits.tryReserve(new ApiLimits.Reservation(1, 5000, 0), 1));
  }
}
