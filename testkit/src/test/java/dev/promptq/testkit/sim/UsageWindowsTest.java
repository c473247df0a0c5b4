package dev.promptq.testkit.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.promptq.testkit.time.ManualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The simulator's usage-weighted windows: filled by what answers cost at list prices, reported per window. */
class UsageWindowsTest {
  private static final Instant T0 = Instant.parse("2026-12-02T10:00:00Z");
  /** 100,000 input and 10,000 output tokens: $0.30 on claude-sonnet-5 ($2 / $10), $0.15 on claude-haiku-4-5. */
  private static final SimResponse ANSWER = new SimResponse(200, Map.of(),
      "{\"usage\":{\"input_tokens\":100000,\"output_tokens\":10000}}");
  private final ManualClock clock = new ManualClock(T0);

  private Map<String, String> call(UsageWindows w, String model) {
    SubscriptionLimits.Admission a = w.admit(model);
    return a.admitted() ? w.settle(a, model, ANSWER) : Map.of("refused", "true", "claim",
        a.headers().get("anthropic-ratelimit-unified-representative-claim"), "reset",
        a.headers().get("anthropic-ratelimit-unified-reset"), "status", a.headers().get("anthropic-ratelimit-unified-status"));
  }

  private static double utilization(Map<String, String> h, String window) {
    return Double.parseDouble(h.get("anthropic-ratelimit-unified-" + window + "-utilization"));
  }

  @Test
  void aFixedWindowFillsByCostMayEndAboveOneAndRefusesUntilItsReset() {
    UsageWindows w = new UsageWindows(List.of(SimWindow.fixed("5h", Duration.ofHours(5), 1.0)), 0.8, clock);
    assertEquals(0.3, utilization(call(w, "claude-sonnet-5"), "5h"), 1e-4);
    call(w, "claude-sonnet-5");
    Map<String, String> third = call(w, "claude-sonnet-5");
    assertEquals(0.9, utilization(third, "5h"), 1e-4);
    assertEquals("allowed_warning", third.get("anthropic-ratelimit-unified-status"));
    assertEquals("five_hour", third.get("anthropic-ratelimit-unified-representative-claim"));
    Map<String, String> fourth = call(w, "claude-sonnet-5");
    assertEquals(1.2, utilization(fourth, "5h"), 1e-4, "admitted below 1, charged after: utilisation may pass 1");
    Map<String, String> refused = call(w, "claude-sonnet-5");
    assertEquals("true", refused.get("refused"));
    assertEquals("rejected", refused.get("status"));
    assertEquals(Long.toString(T0.plus(Duration.ofHours(5)).getEpochSecond()), refused.get("reset"));
    clock.advance(Duration.ofHours(5));
    assertEquals(0.3, utilization(call(w, "claude-sonnet-5"), "5h"), 1e-4, "a new window starts with the next call");
  }

  @Test
  void theSevenDayWindowBindsWhileTheFiveHourOneHasRoom() {
    UsageWindows w = new UsageWindows(List.of(SimWindow.fixed("5h", Duration.ofHours(5), 10.0),
        SimWindow.fixed("7d", Duration.ofDays(7), 1.0)), 0.8, clock);
    Map<String, String> last = Map.of();
    for (int i = 0; i < 4; i++) {
      last = call(w, "claude-sonnet-5");
      clock.advance(Duration.ofHours(6));  // every call in a new five-hour window
    }
    assertEquals(0.03, utilization(last, "5h"), 1e-4);
    assertEquals(1.2, utilization(last, "7d"), 1e-4);
    assertEquals("seven_day", last.get("anthropic-ratelimit-unified-representative-claim"));
    Map<String, String> refused = call(w, "claude-sonnet-5");
    assertEquals("seven_day", refused.get("claim"));
    assertEquals(Long.toString(T0.plus(Duration.ofDays(7)).getEpochSecond()), refused.get("reset"));
  }

  @Test
  void aPerModelWeeklyWindowRefusesItsModelsOnly() {
    UsageWindows w = new UsageWindows(List.of(SimWindow.fixed("5h", Duration.ofHours(5), 100.0),
        SimWindow.fixed("7d-sonnet", Duration.ofDays(7), 0.5).forModels("claude-sonnet")), 0.8, clock);
    call(w, "claude-sonnet-5");
    Map<String, String> second = call(w, "claude-sonnet-5");
    assertEquals(1.2, utilization(second, "7d-sonnet"), 1e-4);
    assertEquals("seven_day_sonnet", second.get("anthropic-ratelimit-unified-representative-claim"));
    assertEquals("true", call(w, "claude-sonnet-4-6").get("refused"));
    Map<String, String> haiku = call(w, "claude-haiku-4-5");
    assertFalse(haiku.containsKey("refused"), "haiku is not counted by the sonnet window");
    assertEquals("rejected", haiku.get("anthropic-ratelimit-unified-7d-sonnet-status"));
    assertEquals("allowed", haiku.get("anthropic-ratelimit-unified-status"));
    assertEquals((0.6 + 0.15) / 100, utilization(haiku, "5h"), 1e-4);
  }

  @Test
  void aSlidingWindowFreesWhatLeavesIt() {
    UsageWindows w = new UsageWindows(List.of(SimWindow.sliding("5h", Duration.ofHours(1), 0.6)), 0.8, clock);
    call(w, "claude-sonnet-5");
    clock.advance(Duration.ofMinutes(30));
    assertEquals(1.0, utilization(call(w, "claude-sonnet-5"), "5h"), 1e-4);
    Map<String, String> refused = call(w, "claude-sonnet-5");
    assertEquals(Long.toString(T0.plus(Duration.ofHours(1)).getEpochSecond()), refused.get("reset"),
        "free again when the oldest call leaves the window");
    clock.advance(Duration.ofMinutes(31));
    assertEquals(1.0, utilization(call(w, "claude-sonnet-5"), "5h"), 1e-4);
    assertEquals(0.6, w.usedUsd("5h"), 1e-9);
  }

  @Test
  void anErrorAnswerCostsNothing() {
    UsageWindows w = new UsageWindows(List.of(SimWindow.fixed("5h", Duration.ofHours(5), 1.0)), 0.8, clock);
    SubscriptionLimits.Admission a = w.admit("claude-sonnet-5");
    assertTrue(a.admitted());
    Map<String, String> h = w.settle(a, "claude-sonnet-5", SimResponse.error(529, "overloaded_error", "busy"));
    assertEquals(0, utilization(h, "5h"));
    assertEquals(0, w.used());
  }

  @Test
  void aWindowIsGivenOnTheCommandLineAsNameLengthAndDollars() {
    assertEquals(SimWindow.fixed("5h", Duration.ofHours(5), 20), SimWindow.parse("5h=PT5H:20"));
    assertEquals(SimWindow.sliding("7d", Duration.ofDays(7), 150.5), SimWindow.parse("7d=P7D:150.5:sliding"));
    assertEquals(SimWindow.fixed("7d-sonnet", Duration.ofDays(7), 100).forModels("claude-sonnet"),
        SimWindow.parse("7d-sonnet=P7D:100:models=claude-sonnet"));
    for (String bad : List.of("5h", "5h=PT5H", "5h=5 hours:20", "5h=PT5H:lots", "5h=PT5H:0", "5H=PT5H:1",
        "5h=PT5H:1:weekly")) {
      IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
          () -> SimWindow.parse(bad), bad);
      assertTrue(e.getMessage().length() > 10, e.getMessage());
    }
  }
}
