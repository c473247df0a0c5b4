package dev.promptq.gateway.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class LaneWaitTest {
  private final AtomicLong now = new AtomicLong(1_000_000_000L);
  private final LaneWait wait = new LaneWait(now::get);

  private void seconds(double s) {
    now.addAndGet((long) (s * 1e9));
  }

  /** {@code n} requests answered evenly over {@code span} seconds. */
  private void answered(int n, double span) {
    for (int i = 0; i < n; i++) {
      wait.started();
      seconds(span / n);
      wait.answered();
    }
  }

  @Test
  void withoutEnoughAnswersThereIsNoEstimateAndNoRefusal() {
    answered(LaneWait.MIN_ANSWERS - 1, 30);
    for (int i = 0; i < 1000; i++) {
      wait.started();
    }
    assertEquals(OptionalLong.empty(), wait.refusal(Duration.ofSeconds(1)));
  }

  @Test
  void aRequestIsRefusedWhenTheRequestsAheadWouldTakeLongerThanItsTimeOutWithTheDifferenceToRetryAfter() {
    answered(300, 30);  // 10 answers a second
    for (int i = 0; i < 900; i++) {
      wait.started();  // 900 ahead: 90 s
    }
    assertEquals(90.0, wait.expectedSeconds(), 0.5);
    assertEquals(OptionalLong.empty(), wait.refusal(Duration.ofMinutes(10)), "a patient caller waits");
    assertEquals(OptionalLong.of(60), wait.refusal(Duration.ofSeconds(30)));
  }

  @Test
  void anUnhurriedLaneRefusesNoOne() {
    answered(300, 30);
    wait.started();
    assertEquals(OptionalLong.empty(), wait.refusal(Duration.ofSeconds(1)), "one ahead at 10 a second: 0.1 s");
  }

  @Test
  void answersOlderThanTheWindowAreForgottenAndWithoutAnEstimateNoOneIsRefused() {
    answered(300, 30);
    for (int i = 0; i < 900; i++) {
      wait.started();
    }
    seconds(LaneWait.WINDOW_SECONDS + 1);
    assertEquals(-1, wait.expectedSeconds(), "nothing answered for a window: no estimate");
    assertEquals(OptionalLong.empty(), wait.refusal(Duration.ofSeconds(1)));
  }
}
