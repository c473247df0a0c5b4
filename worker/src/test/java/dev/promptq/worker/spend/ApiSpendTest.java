package dev.promptq.worker.spend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.promptq.testkit.time.ManualClock;
import dev.promptq.usage.PriceTable;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ApiSpendTest {
  private final ManualClock clock = new ManualClock(Instant.parse("2026-11-24T23:00:00Z"));

  private ApiSpend spend(Double perDay, Double perBatch) {
    return new ApiSpend(PriceTable.defaults(), perDay, perBatch, "w1", clock);
  }

  @Test
  void withoutBudgetsNothingIsEverSpent() {
    ApiSpend s = spend(null, null);
    s.record(1e6, "b");
    assertTrue(s.spentBudget("b").isEmpty());
  }

  @Test
  void theDayBudgetCountsEveryWorkersPublishedTotal() {
    ApiSpend s = spend(1.0, null);
    s.record(0.4, null);
    s.applyRemote("day/2026-11-24", "w2", 0.5);
    assertTrue(s.spentBudget(null).isEmpty());
    s.applyRemote("day/2026-11-24", "w2", 0.6);  // a later, higher total of w2
    assertEquals(1.0, s.spentToday(), 1e-9);
    assertTrue(s.spentBudget(null).orElseThrow().contains("api.budget.usd.per.day"));
    assertTrue(s.dayBudgetSpent());
  }

  @Test
  void theDayBudgetRenewsAtUtcMidnight() {
    ApiSpend s = spend(1.0, null);
    s.record(2.0, null);
    assertEquals(Instant.parse("2026-11-25T00:00:00Z"), s.nextDay());
    clock.advance(Duration.ofHours(1));
    assertTrue(s.spentBudget(null).isEmpty());
    assertEquals(0, s.spentToday(), 1e-9);
  }

  @Test
  void totalsOfAnotherDayAreIgnored() {
    ApiSpend s = spend(1.0, null);
    s.applyRemote("day/2026-11-23", "w2", 5.0);
    assertTrue(s.spentBudget(null).isEmpty());
  }

  @Test
  void aBatchBudgetConcernsOnlyJobsOfThatBatch() {
    ApiSpend s = spend(null, 0.5);
    s.record(0.3, "a");
    s.applyRemote("batch/a", "w2", 0.25);
    assertTrue(s.spentBudget("a").orElseThrow().contains("batch a"));
    assertTrue(s.spentBudget("b").isEmpty());
    assertTrue(s.spentBudget(null).isEmpty());
    assertFalse(s.dayBudgetSpent());
  }

  @Test
  void aRestartedWorkerGoesOnFromItsOwnPublishedTotal() {
    ApiSpend s = spend(1.0, null);
    s.applyRemote("day/2026-11-24", "w1", 0.9);
    s.record(0.2, null);
    assertTrue(s.spentBudget(null).isPresent());
  }

  @Test
  void everyRecordPublishesTheRunningTotals() {
    List<String> published = new ArrayList<>();
    ApiSpend s = spend(null, null);
    s.publishTo((scope, worker, usd) -> published.add(scope + " " + worker + " " + usd));
    s.record(0.25, "b1");
    s.record(0.25, null);
    assertEquals(List.of("day/2026-11-24 w1 0.25", "batch/b1 w1 0.25", "day/2026-11-24 w1 0.5"), published);
  }
}
