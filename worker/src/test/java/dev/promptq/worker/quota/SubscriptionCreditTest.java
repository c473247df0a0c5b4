package dev.promptq.worker.quota;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.promptq.testkit.time.ManualClock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A dollar credit per billing cycle that the group's subscription calls draw on. */
class SubscriptionCreditTest {
  private final ManualClock clock = new ManualClock(Instant.parse("2026-12-02T10:00:00Z"));
  private final List<String> closed = new ArrayList<>();
  private final List<String> published = new ArrayList<>();

  private SubscriptionCredit credit(double usd, int resetDay) {
    SubscriptionCredit c = new SubscriptionCredit(usd, resetDay, "w1", clock);
    c.closeWith((until, reason) -> closed.add(reason + " until " + until));
    c.publishTo((scope, worker, total) -> published.add(scope + " " + worker + " " + total));
    return c;
  }

  @Test
  void aCycleBeginsOnItsResetDayAtMidnightUtc() {
    SubscriptionCredit c = credit(20, 15);
    assertEquals(LocalDate.parse("2026-11-15"), c.cycleStart(clock.instant()));
    assertEquals(Instant.parse("2026-12-15T00:00:00Z"), c.nextCycle());
    assertEquals(LocalDate.parse("2026-12-01"), credit(20, 1).cycleStart(clock.instant()));
    assertEquals(Instant.parse("2027-01-01T00:00:00Z"), credit(20, 1).nextCycle());
  }

  @Test
  void theGroupsCallsSpendTheCreditAndTheSubscriptionClosesUntilTheNextCycleOnce() {
    SubscriptionCredit c = credit(1.0, 1);
    c.record(0.3);
    c.applyRemote("credit/2026-12-01", "w2", 0.5);
    c.applyRemote("credit/2026-11-01", "w3", 5.0);  // last cycle's: ignored
    assertEquals(0.8, c.spent(), 1e-9);
    assertEquals(List.of(), closed);
    c.record(0.25);
    assertEquals(List.of("subscription_credit_spent until 2027-01-01T00:00:00Z"), closed);
    c.record(0.1);
    assertEquals(1, closed.size(), "closed once per cycle");
    String last = published.get(published.size() - 1);
    assertEquals(0.65, Double.parseDouble(last.substring("credit/2026-12-01 w1 ".length())), 1e-9, last);
    clock.advance(Duration.ofDays(30));
    assertEquals(0, c.spent(), 1e-9, "a new cycle, a new credit");
  }

  @Test
  void anAnswerSayingCreditIsRequiredClosesTheSubscriptionUntilTheNextCycle() {
    SubscriptionCredit c = credit(100, 10);
    c.required();
    assertEquals(List.of("subscription_credit_spent until 2026-12-10T00:00:00Z"), closed);
  }
}
