package dev.promptq.testkit.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.promptq.testkit.time.ManualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The simulator's API-key rate limits: token buckets for requests, input and output tokens, as the API has them. */
class ApiRateLimitsTest {
  private static final Instant T0 = Instant.parse("2026-12-02T10:00:00Z");
  private static final ObjectMapper JSON = new ObjectMapper();
  private final ManualClock clock = new ManualClock(T0);

  /** A request billed {@code tokens} input tokens (the simulator counts a quarter of the messages' JSON length). */
  private static JsonNode request(int tokens, int maxTokens) throws Exception {
    String text = "x".repeat(tokens * 4 - "[{\"role\":\"user\",\"content\":\"\"}]".length());
    JsonNode body = JSON.readTree("{\"model\":\"claude-haiku-4-5\",\"max_tokens\":" + maxTokens
        + ",\"messages\":[{\"role\":\"user\",\"content\":\"" + text + "\"}]}");
    assertEquals(tokens, ApiRateLimits.inputTokens(body));
    return body;
  }

  private static JsonNode answer(int outputTokens) throws Exception {
    return JSON.readTree("{\"usage\":{\"input_tokens\":1,\"output_tokens\":" + outputTokens + "}}");
  }

  @Test
  void inputTokensPerMinuteAdmitUntilTheBucketIsEmptyThenRefuseWithRetryAfter() throws Exception {
    ApiRateLimits limits = new ApiRateLimits(ApiRateLimits.Limits.perMinute(0, 6000, 0), clock);
    ApiRateLimits.Admission first = limits.admit(request(4000, 100));
    assertNotNull(first.taken());
    Map<String, String> h = limits.settle(first.taken(), 200, answer(20));
    assertEquals("6000", h.get("anthropic-ratelimit-input-tokens-limit"));
    assertEquals("2000", h.get("anthropic-ratelimit-input-tokens-remaining"));
    assertEquals(T0.plusSeconds(40).toString(), h.get("anthropic-ratelimit-input-tokens-reset"),
        "4000 tokens at 100 a second: full again in 40 s");
    ApiRateLimits.Admission refused = limits.admit(request(3000, 100));
    assertNull(refused.taken());
    assertEquals("10", refused.refusal().get("retry-after"), "1000 tokens short at 100 a second");
    clock.advance(Duration.ofSeconds(10));
    assertNotNull(limits.admit(request(3000, 100)).taken());
  }

  @Test
  void outputIsReservedAtMaxTokensAndSettledByTheAnswersUsage() throws Exception {
    ApiRateLimits limits = new ApiRateLimits(ApiRateLimits.Limits.perMinute(0, 0, 1000), clock);
    ApiRateLimits.Admission a = limits.admit(request(10, 800));
    assertNull(limits.admit(request(10, 800)).taken(), "800 of 1000 reserved: another 800 does not fit");
    Map<String, String> h = limits.settle(a.taken(), 200, answer(50));
    assertEquals("950", h.get("anthropic-ratelimit-output-tokens-remaining"), "only the 50 used stay taken");
    assertNotNull(limits.admit(request(10, 800)).taken());
  }

  @Test
  void anErrorGivesBackWhatItTookAndRequestsPerMinuteCountToo() throws Exception {
    ApiRateLimits limits = new ApiRateLimits(new ApiRateLimits.Limits(2, 0, 0, Duration.ofSeconds(10)), clock);
    ApiRateLimits.Admission a = limits.admit(request(10, 10));
    assertNotNull(limits.admit(request(10, 10)).taken());
    assertEquals("5", limits.admit(request(10, 10)).refusal().get("retry-after"), "two per 10 s: one every 5 s");
    Map<String, String> h = limits.settle(a.taken(), 500, JSON.createObjectNode());
    assertEquals("1", h.get("anthropic-ratelimit-requests-remaining"));
    assertNotNull(limits.admit(request(10, 10)).taken());
  }
}
