package dev.promptq.worker.quota;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.promptq.testkit.time.ManualClock;
import dev.promptq.usage.PriceTable;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A window's capacity and remainder learned from utilisation and what the group's calls cost; the cap that follows. */
class WindowEstimatesTest {
  private static final Instant T0 = Instant.parse("2026-12-02T10:00:00Z");
  /** 100,000 input tokens on claude-haiku-4-5 ($1 per million): $0.10 a call. */
  private final JsonNode usage;
  private final ManualClock clock = new ManualClock(T0);
  private final List<WindowUsage> published = new ArrayList<>();

  WindowEstimatesTest() throws Exception {
    usage = new ObjectMapper().readTree("{\"input_tokens\":100000,\"output_tokens\":0}");
  }

  private WindowEstimates estimates(String worker, double reserve) {
    WindowEstimates e = new WindowEstimates(PriceTable.defaults(), reserve, 4, QuotaSettings.PLAN_WINDOWS, worker, clock);
    e.publishTo(published::add);
    return e;
  }

  /** Headers of a window that began at T0 (reset = T0 + length), at {@code u}. */
  private static Optional<UnifiedRateLimit> headers(double fiveHour, double sevenDay) {
    Map<String, String> h = new java.util.HashMap<>(Map.of("anthropic-ratelimit-unified-status", "allowed",
        "anthropic-ratelimit-unified-5h-utilization", Double.toString(fiveHour),
        "anthropic-ratelimit-unified-5h-reset", Long.toString(T0.plus(Duration.ofHours(5)).getEpochSecond())));
    if (!Double.isNaN(sevenDay)) {
      h.put("anthropic-ratelimit-unified-7d-utilization", Double.toString(sevenDay));
      h.put("anthropic-ratelimit-unified-7d-reset", Long.toString(T0.plus(Duration.ofDays(7)).getEpochSecond()));
    }
    return UnifiedRateLimit.from(h);
  }

  @Test
  void theCapacityIsTheGroupsSpendOverTheUtilisationAndTheRemainderIsInCalls() {
    WindowEstimates e = estimates("w1", 0);
    for (int i = 1; i <= 10; i++) {  // ten $0.10 calls fill a $5 window to 0.2
      clock.advance(Duration.ofSeconds(10));
      e.answered(headers(i * 0.02, Double.NaN), false, "claude-haiku-4-5", usage, 0);
    }
    WindowEstimates.Estimate est = e.binding().orElseThrow();
    assertEquals("5h", est.window());
    assertEquals(1.0, est.groupUsd(), 1e-9);
    assertEquals(5.0, est.capacityUsd(), 1e-6);
    assertEquals(40, est.leftCalls(), 1e-6, "$4 left at $0.10 a call");
    clock.advance(Duration.ofSeconds(1));
    assertEquals(new WindowEstimates.Cap(14, null, false), e.cap(1), "slow start: 4, one more per answer");
    assertEquals(5, e.cap(0.25).calls(), "half of a quarter of the 40 calls left");
    assertEquals(10, published.size(), "each answer publishes the worker's use of the window");
    WindowUsage last = published.get(9);
    assertEquals(new WindowUsage("5h", "w1", T0.minusSeconds(1), 1.0, 0.2, last.averageUsd(), T0.plusSeconds(100)), last);
    assertEquals(0.1, last.averageUsd(), 1e-9, "with the cost of a call, for a worker that has no answer yet");
  }

  @Test
  void otherWorkersUseCountsAndAnUnrelatedWindowDoesNot() {
    WindowEstimates e = estimates("w1", 0);
    clock.advance(Duration.ofSeconds(10));
    e.applyRemote(new WindowUsage("5h", "w2", T0, 0.9, 0.18, 0.1, clock.instant()));
    e.applyRemote(new WindowUsage("5h", "w3", T0.minus(Duration.ofHours(3)), 50, 0.9, 0.1, clock.instant()));  // another window
    e.answered(headers(0.2, Double.NaN), false, "claude-haiku-4-5", usage, 0);
    assertEquals(1.0, e.binding().orElseThrow().groupUsd(), 1e-9);
    assertEquals(5.0, e.binding().orElseThrow().capacityUsd(), 1e-6);
    e.applyRemote(new WindowUsage("5h", "w2", T0, 1.4, 0.3, 0.1, clock.instant()));
    assertEquals(1.5 / 0.3, e.binding().orElseThrow().capacityUsd(), 1e-6,
        "w2's later answer counts its later calls: the highest utilisation goes with the sum");
  }

  @Test
  void theSevenDayWindowBindsWhenItHasFewerCallsLeft() {
    WindowEstimates e = estimates("w1", 0);
    for (int i = 1; i <= 10; i++) {
      clock.advance(Duration.ofSeconds(10));
      e.answered(headers(i * 0.01, i * 0.09), false, "claude-haiku-4-5", usage, 0);
    }
    WindowEstimates.Estimate est = e.binding().orElseThrow();
    assertEquals("7d", est.window());
    assertEquals(1.0 / 0.9 - 1.0, est.leftCalls() * 0.1, 1e-6, "capacity $1.11, $0.11 left");
    clock.advance(Duration.ofSeconds(1));
    assertEquals(1, e.cap(1).calls());
    assertEquals(new WindowEstimates.Cap(0, T0.plus(Duration.ofDays(7)), false), e.cap(0.5),
        "half of 1.1 calls is no call, and it only shrinks: spent for this worker");
    e.answered(headers(0.11, 0.99), false, "claude-haiku-4-5", usage, 0);
    assertEquals(new WindowEstimates.Cap(0, T0.plus(Duration.ofDays(7)), false), e.cap(1), "less than a call left");
  }

  @Test
  void theReserveIsLeftForThePersonAndAReportedFullWindowIsSpent() {
    WindowEstimates e = estimates("w1", 0.2);
    for (int i = 1; i <= 10; i++) {
      clock.advance(Duration.ofSeconds(10));
      e.answered(headers(i * 0.02, Double.NaN), false, "claude-haiku-4-5", usage, 0);
    }
    assertEquals(30, e.binding().orElseThrow().leftCalls(), 1e-6, "$5 x (1 - 0.2 - 0.2) = $3");
    e.answered(headers(0.8, Double.NaN), false, "claude-haiku-4-5", usage, 0);
    assertEquals(new WindowEstimates.Cap(0, T0.plus(Duration.ofHours(5)), false), e.cap(1), "spent until the reset");
    clock.advance(Duration.ofHours(5));
    assertEquals(15, e.cap(1).calls(), "after the reset the window no longer counts: the slow-start window alone");
  }

  @Test
  void whatTheGroupSpendsWhileAnAnswerTravelsIsCountedAsGone() {
    WindowEstimates e = estimates("w1", 0);
    for (int i = 1; i <= 10; i++) {  // $0.10 every 10 s: $0.01 a second
      clock.advance(Duration.ofSeconds(10));
      e.answered(headers(i * 0.02, Double.NaN), false, "claude-haiku-4-5", usage, 2000);
    }
    // answers take about 2 s (the average of the latest, from 0): $0.01 x (latency + 0.25 s) may be gone meanwhile
    double latency = 2.0 * (1 - Math.pow(0.8, 10));
    assertEquals(40, e.binding().orElseThrow().leftCalls(), 1e-6);
    assertEquals(40 - (latency + 0.25) * 0.01 / 0.1, e.binding().orElseThrow().leftNowCalls(), 1e-6);
    clock.advance(Duration.ofSeconds(3));
    assertEquals(40, e.binding().orElseThrow().leftNowCalls(), 1e-6, "no news for longer than that: nothing more is gone");
  }

  @Test
  void aShareUnderOneCallOnlyBecauseOfFreshSpendingSettlesInsteadOfGivingUp() {
    WindowEstimates e = estimates("w1", 0);
    for (int i = 1; i <= 10; i++) {  // $1 a second, answers 0.9 s old: about 9 calls may be gone meanwhile
      clock.advance(Duration.ofMillis(100));
      e.answered(headers(i * 0.02, Double.NaN), false, "claude-haiku-4-5", usage, 5000);
    }
    WindowEstimates.Cap cap = e.cap(0.2);
    assertEquals(0, cap.calls());
    assertTrue(cap.settling(), "40 calls left, a fifth of them is 8: wait for the figures, do not pay the API");
    assertTrue(cap.until().isAfter(clock.instant()) && cap.until().isBefore(clock.instant().plusSeconds(10)));
    clock.advance(Duration.ofSeconds(10));
    assertEquals(4, e.cap(0.2).calls(), "half of the fifth of 40 calls left");
  }

  @Test
  void slowStartGrowsWithAnswersAndA429HalvesIt() {
    WindowEstimates e = estimates("w1", 0);
    assertEquals(4, e.cap(1).calls());
    for (int i = 0; i < 6; i++) {
      e.answered(Optional.empty(), false, "claude-haiku-4-5", usage, 0);
    }
    assertEquals(10, e.cap(1).calls());
    e.answered(Optional.empty(), true, null, null, 0);
    assertEquals(5, e.cap(1).calls());
    assertTrue(e.estimates().isEmpty(), "no window named, nothing estimated");
  }

  @Test
  void tooLittleUseGivesNoEstimateYet() {
    WindowEstimates e = estimates("w1", 0);
    e.answered(headers(0.004, Double.NaN), false, "claude-haiku-4-5", usage, 0);
    assertTrue(Double.isNaN(e.binding().orElseThrow().capacityUsd()));
    assertEquals(5, e.cap(1).calls());
  }

  /** Headers of a 5h window resetting at {@code reset}, at {@code u}. */
  private static Optional<UnifiedRateLimit> fiveHour(double u, Instant reset) {
    return UnifiedRateLimit.from(Map.of("anthropic-ratelimit-unified-status", "allowed",
        "anthropic-ratelimit-unified-5h-utilization", Double.toString(u),
        "anthropic-ratelimit-unified-5h-reset", Long.toString(reset.getEpochSecond())));
  }

  @Test
  void workThatCanOnlyWaitSpendsTheRemainderEvenlyUntilTheReset() {
    WindowEstimates e = estimates("w1", 0);
    for (int i = 1; i <= 10; i++) {  // a $5 window, 40 calls left, 5 h less 100 s to its reset
      clock.advance(Duration.ofSeconds(10));
      e.answered(headers(i * 0.02, Double.NaN), false, "claude-haiku-4-5", usage, 0);
    }
    clock.advance(Duration.ofSeconds(3));
    double untilReset = Duration.between(clock.instant(), T0.plus(Duration.ofHours(5))).toMillis() / 1000.0;
    assertEquals(40 / (untilReset / 60), e.binding().orElseThrow().evenPerMinute(clock.instant()), 1e-9);
    assertEquals(Optional.empty(), e.pace(0.5), "the first call goes at once");
    Instant due = e.pace(0.5).orElseThrow();
    assertEquals(untilReset / (40 * 0.5), Duration.between(clock.instant(), due).toMillis() / 1000.0, 0.01,
        "this worker's half of 40 calls over the time left: one every 899 s");
    clock.advance(Duration.between(clock.instant(), due));
    assertEquals(Optional.empty(), e.pace(0.5), "due now");
    assertTrue(e.pace(1).isPresent(), "and the next one later");
  }

  @Test
  void withoutAnEstimateNothingIsPacedAndTheSlowStartCapGoverns() {
    WindowEstimates e = estimates("w1", 0);
    e.answered(headers(0.004, Double.NaN), false, "claude-haiku-4-5", usage, 0);
    assertEquals(Optional.empty(), e.pace(1));
    assertEquals(Optional.empty(), e.pace(1));
  }

  @Test
  void aNewWindowStartsFromThePreviousWindowsCapacity() {
    WindowEstimates e = new WindowEstimates(PriceTable.defaults(), 0, 4, Map.of("5h", Duration.ofSeconds(100)), "w1",
        clock);
    Instant firstReset = T0.plusSeconds(100);
    for (int i = 1; i <= 10; i++) {  // ten $0.10 calls fill the window to 0.2: $5
      clock.advance(Duration.ofSeconds(1));
      e.answered(fiveHour(i * 0.02, firstReset), false, "claude-haiku-4-5", usage, 0);
    }
    assertEquals(5.0, e.binding().orElseThrow().capacityUsd(), 1e-6);
    clock.advance(Duration.ofSeconds(95));  // the window ended; the next begins with the next call
    Instant secondReset = clock.instant().plusSeconds(100);
    e.answered(fiveHour(0.004, secondReset), false, "claude-haiku-4-5", usage, 0);
    WindowEstimates.Estimate next = e.binding().orElseThrow();
    assertEquals(secondReset, next.reset());
    assertEquals(0.1, next.groupUsd(), 1e-9, "the window's length is the configured 100 s: the first one's calls are out");
    assertEquals(5.0, next.capacityUsd(), 1e-6, "too little signal yet: the previous window's capacity");
    assertEquals(5.0 * (1 - 0.004) / 0.1, next.leftCalls(), 1e-6);
  }

  @Test
  void nearTheEndOfAWindowEachWorkerHasOneCallInFlight() {
    WindowEstimates e = estimates("w1", 0);
    for (int i = 1; i <= 20; i++) {  // twenty $0.10 calls fill a $2.50 window to 0.8: 5 calls left
      clock.advance(Duration.ofSeconds(10));
      e.answered(headers(i * 0.04, Double.NaN), false, "claude-haiku-4-5", usage, 0);
    }
    clock.advance(Duration.ofSeconds(10));
    assertEquals(5, e.binding().orElseThrow().leftCalls(), 1e-6);
    assertEquals(2, e.cap(1).calls(), "half of the five calls left, so figures a round old cannot overshoot");
    assertEquals(1, e.cap(1.0 / 3).calls(), "a third of five is one call and a bit: one in flight");
    assertEquals(new WindowEstimates.Cap(0, T0.plus(Duration.ofHours(5)), false), e.cap(0.1),
        "a tenth of five calls is no call: spent for this worker");
  }

  @Test
  void aWorkerWithNoAnswerYetStartsFromTheGroupsFigures() {
    WindowEstimates e = estimates("w4", 0);
    clock.advance(Duration.ofSeconds(10));
    assertEquals(4, e.cap(1).calls(), "nothing known: the slow start");
    // w2 spent $4.80 in a window now at 0.96: $5 capacity, $0.20 left, two calls of $0.10
    e.applyRemote(new WindowUsage("5h", "w2", T0.minusSeconds(1), 4.8, 0.96, 0.1, clock.instant()));
    clock.advance(Duration.ofSeconds(10));
    WindowEstimates.Estimate est = e.estimate("5h").orElseThrow();
    assertEquals(T0.plus(Duration.ofHours(5)), est.reset(), "the window's reset, from where it began");
    assertEquals(2, est.leftCalls(), 1e-6);
    assertEquals(1, e.cap(1).calls(), "not the four blind calls of a slow start");
    e.applyRemote(new WindowUsage("5h", "w2", T0.minusSeconds(1), 5.0, 1.0, 0.1, clock.instant()));
    assertEquals(new WindowEstimates.Cap(0, T0.plus(Duration.ofHours(5)), false), e.cap(1),
        "the group spent the window: the new worker sends nothing into it");
  }
}
