package dev.promptq.worker.quota;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** What the subscription's answers say about its windows, kept per window, with the binding one. */
class WindowsSeenTest {
  private static final Instant T0 = Instant.parse("2026-12-02T10:00:00Z");

  private static Map<String, String> headers(String fiveHour, String sevenDay, String claim) {
    return Map.of("anthropic-ratelimit-unified-status", "allowed",
        "anthropic-ratelimit-unified-reset", Long.toString(T0.plusSeconds(3600).getEpochSecond()),
        "anthropic-ratelimit-unified-representative-claim", claim,
        "anthropic-ratelimit-unified-5h-status", "allowed",
        "anthropic-ratelimit-unified-5h-utilization", fiveHour,
        "anthropic-ratelimit-unified-5h-reset", Long.toString(T0.plusSeconds(3600).getEpochSecond()),
        "anthropic-ratelimit-unified-7d-utilization", sevenDay,
        "anthropic-ratelimit-unified-7d-reset", Long.toString(T0.plus(Duration.ofDays(4)).getEpochSecond()));
  }

  @Test
  void everyWindowAnAnswerNamesIsReadWithItsStatusResetAndTheClaim() {
    UnifiedRateLimit u = UnifiedRateLimit.from(headers("0.25", "0.8", "seven_day")).orElseThrow();
    assertEquals(0.25, u.utilization());
    assertEquals(new UnifiedRateLimit.Window("allowed", 0.25, T0.plusSeconds(3600)), u.windows().get("5h"));
    assertEquals(new UnifiedRateLimit.Window(null, 0.8, T0.plus(Duration.ofDays(4))), u.windows().get("7d"));
    assertEquals("seven_day", u.claim());
    assertEquals(Map.of("5h", 0.25, "7d", 0.8), u.utilizations());
    assertEquals("7d", u.fullestWholePlanWindow().orElseThrow().getKey());
    assertEquals(Optional.empty(), UnifiedRateLimit.from(Map.of("anthropic-ratelimit-unified-status", "allowed"))
        .orElseThrow().fullestWholePlanWindow());
  }

  @Test
  void oddHeadersAreLeftOut() {
    UnifiedRateLimit u = UnifiedRateLimit.from(Map.of("anthropic-ratelimit-unified-status", "allowed",
        "anthropic-ratelimit-unified-5h-utilization", "lots",
        "anthropic-ratelimit-unified-Evil Window-utilization", "0.5",
        "anthropic-ratelimit-unified-7d-utilization", "-1")).orElseThrow();
    assertEquals(Map.of(), u.windows());
  }

  @Test
  void theBindingWindowIsTheFullestWhoseResetHasNotPassed() {
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    WindowsSeen seen = new WindowsSeen(meters, w -> Optional.empty(), java.time.Clock.fixed(T0, java.time.ZoneOffset.UTC));
    assertEquals(Optional.empty(), seen.binding(T0));
    seen.observe(UnifiedRateLimit.from(headers("0.9", "0.5", "five_hour")).orElseThrow(), T0);
    assertEquals(Optional.of("5h"), seen.binding(T0));
    seen.observe(UnifiedRateLimit.from(headers("0.2", "0.5", "seven_day")).orElseThrow(), T0);
    assertEquals(Optional.of("7d"), seen.binding(T0), "the latest answer's figures count");
    assertEquals(Optional.of("7d"), seen.binding(T0.plus(Duration.ofDays(1))));
    assertEquals(Optional.empty(), seen.binding(T0.plus(Duration.ofDays(5))), "both windows have reset since");
    assertEquals(0.5, meters.get("promptq.quota.window.utilization").tag("window", "7d").gauge().value());
    assertEquals(T0.plus(Duration.ofDays(4)).getEpochSecond(),
        meters.get("promptq.quota.window.reset").tag("window", "7d").gauge().value());
    assertEquals(Map.of("5h", 0.2, "7d", 0.5), seen.utilizations());
    assertNull(seen.windows().get("7d").status());
    assertTrue(seen.windows().containsKey("5h"));
  }

  @Test
  void onceWindowsHaveEstimatesTheOneWithFewestCallsLeftBindsAndTheGaugesShowThem() {
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    // the 5h window is fuller but holds much more: 200 calls left against the week's 30
    Map<String, WindowEstimates.Estimate> est = Map.of(
        "5h", new WindowEstimates.Estimate("5h", 0.9, T0.plusSeconds(3600), 18, 20, 200, 190),
        "7d", new WindowEstimates.Estimate("7d", 0.5, T0.plus(Duration.ofDays(4)), 3, 6, 30, 30));
    WindowsSeen seen = new WindowsSeen(meters, w -> Optional.ofNullable(est.get(w)),
        java.time.Clock.fixed(T0, java.time.ZoneOffset.UTC));
    seen.observe(UnifiedRateLimit.from(headers("0.9", "0.5", "five_hour")).orElseThrow(), T0);
    assertEquals(Optional.of("7d"), seen.binding(T0));
    assertEquals(1.0, meters.get("promptq.quota.window.binding").tag("window", "7d").gauge().value());
    assertEquals(0.0, meters.get("promptq.quota.window.binding").tag("window", "5h").gauge().value());
    assertEquals(6.0, meters.get("promptq.quota.window.capacity").tag("window", "7d").gauge().value());
    assertEquals(200.0, meters.get("promptq.quota.window.left.calls").tag("window", "5h").gauge().value(), 1e-9);
    assertEquals(30 / (4 * 24 * 60.0), meters.get("promptq.quota.window.even.pace").tag("window", "7d").gauge().value(),
        1e-9, "30 calls over four days");
  }
}
