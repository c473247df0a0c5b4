package dev.promptq.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.promptq.usage.PriceTable;
import dev.promptq.usage.Tokens;
import dev.promptq.usage.UsageRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The report's sums equal those computed independently over a generated month. */
class LedgerTest {
  private static final double CENT = 1e-6;
  private static final Instant DEC_1 = Instant.parse("2026-12-01T00:00:00Z");
  private final GeneratedMonth month = new GeneratedMonth(30, 200, 42);
  private final PriceTable prices = PriceTable.defaults();

  private UsageReport report(Grouping by, Instant from, Instant to, Plan plan, Instant now) {
    Ledger ledger = new Ledger(prices, by, from, to);
    month.records.forEach(ledger::add);
    return ledger.report(plan, now);
  }

  private UsageReport november(Grouping by, Plan plan) {
    return report(by, GeneratedMonth.START, DEC_1, plan, DEC_1);
  }

  @Test
  void theTotalsOfAMonthEqualThoseComputedIndependently() {
    UsageReport r = november(Grouping.DAY, new Plan(200.0, 5));
    Totals t = r.total();
    assertEquals(month.jobs, t.jobs());
    assertEquals(6000, t.jobs());
    assertEquals(month.bySubscription, t.bySubscription());
    assertEquals(month.byApi, t.byApi());
    assertEquals(month.failed, t.errored() + t.expired());
    assertEquals(new Tokens(month.input, month.output, month.cacheWrite5m, month.cacheWrite1h, month.cacheRead),
        t.tokens());
    assertEquals(month.subscriptionValue, t.subscriptionValueUsd(), CENT);
    assertEquals(month.apiSpend, t.apiSpendUsd(), CENT);
    assertEquals(month.unpriced, t.unpricedTokens());
    assertTrue(month.subscriptionValue > 10 && month.apiSpend > 1, "the month is worth something: " + month.subscriptionValue);
  }

  @Test
  void eachDaysRowEqualsThatDaysIndependentSums() {
    UsageReport r = november(Grouping.DAY, new Plan(200.0, 5));
    assertEquals(30, r.rows().size());
    for (UsageReport.Row row : r.rows()) {
      double[] expected = month.byDay.get(row.key());
      assertEquals((long) expected[0], row.totals().jobs(), row.key());
      assertEquals(expected[1], row.totals().subscriptionValueUsd(), CENT, row.key());
      assertEquals(expected[2], row.totals().apiSpendUsd(), CENT, row.key());
      assertEquals(200 * 12 / 365.25, row.planShareUsd(), CENT, "a day's share of the plan");
      assertEquals(expected[1] - 200 * 12 / 365.25, row.savedUsd(), CENT);
    }
    assertEquals(r.rows().stream().map(x -> x.key() + " " + x.totals().jobs()).toList(),
        r.days().stream().map(x -> x.key() + " " + x.totals().jobs()).toList(), "by day, the rows are the charts' days");
  }

  @Test
  void weeksMonthsModelsRoutesAndBatchesAddUpToTheSameTotal() {
    for (Grouping g : Grouping.values()) {
      UsageReport r = november(g, new Plan(null, 5));
      assertEquals(month.jobs, r.rows().stream().mapToLong(x -> x.totals().jobs()).sum(), g.wireName());
      assertEquals(month.subscriptionValue + month.apiSpend,
          r.rows().stream().mapToDouble(x -> x.totals().apiEquivalentUsd()).sum(), CENT, g.wireName());
    }
    assertEquals(List.of("2026-11"), november(Grouping.MONTH, new Plan(null, 5)).rows().stream()
        .map(UsageReport.Row::key).toList());
    assertEquals("2026-W44", november(Grouping.WEEK, new Plan(null, 5)).rows().get(0).key(), "Sunday Nov 1st");
    List<String> routes = november(Grouping.ROUTE, new Plan(null, 5)).rows().stream().map(UsageReport.Row::key).toList();
    assertEquals(List.of("subscription", "api", "(no answer)"), routes, "by value, highest first");
    UsageReport byModel = november(Grouping.MODEL, new Plan(null, 5));
    assertTrue(byModel.rows().stream().anyMatch(x -> x.key().equals("claude-sonnet-5-20261015")
        && x.totals().apiEquivalentUsd() > 0), "a snapshot id is priced as its model");
  }

  @Test
  void theTopBatchesAreTheOnesWorthMost() {
    UsageReport r = november(Grouping.DAY, new Plan(null, 5));
    assertEquals(10, r.topBatches().size());
    double previous = Double.MAX_VALUE;
    for (UsageReport.Row b : r.topBatches()) {
      double[] expected = month.byBatch.get(b.key());
      assertEquals((long) expected[0], b.totals().jobs());
      assertEquals(expected[1], b.totals().apiEquivalentUsd(), CENT);
      assertTrue(expected[1] <= previous);
      previous = expected[1];
    }
    double tenth = r.topBatches().get(9).totals().apiEquivalentUsd();
    month.byBatch.forEach((id, v) -> assertTrue(r.topBatches().stream().anyMatch(b -> b.key().equals(id))
        || v[1] <= tenth, id + " is worth more than the tenth"));
  }

  @Test
  void anUnknownModelIsCountedButNotPricedAndTheReportSaysSo() {
    UsageReport r = november(Grouping.DAY, new Plan(null, 5));
    assertEquals(java.util.Set.of("claude-sonnet-9"), r.total().unknownModels());
    assertEquals(1, r.warnings().size());
    assertTrue(r.warnings().get(0).contains("claude-sonnet-9") && r.warnings().get(0).contains("not priced"),
        r.warnings().get(0));
  }

  @Test
  void theVerdictWeighsTheSubscriptionsWorkAgainstItsPriceAndTheWholeWorkAgainstFarAbove() {
    double days = Duration.between(GeneratedMonth.START.plusSeconds(1800), DEC_1).toMillis() / 86_400_000.0;
    double sub = month.subscriptionValue / days * 365.25 / 12;
    double all = (month.subscriptionValue + month.apiSpend) / days * 365.25 / 12;
    UsageReport r = november(Grouping.DAY, new Plan(all * 2, 5));
    assertEquals(days, r.daysOfData(), 1e-9);
    assertEquals(30, r.periodDays(), 1e-9);
    assertEquals(all, r.apiEquivalentPerMonth(), CENT);
    assertEquals(Plan.Verdict.API, r.verdict().kind(), r.verdict().line());
    assertTrue(r.verdict().line().startsWith("Use the API: "), r.verdict().line());
    UsageReport between = november(Grouping.DAY, new Plan((sub + all) / 2, 5));
    assertEquals(Plan.Verdict.API, between.verdict().kind(),
        "the API's fallback made the whole work dearer than the plan, but the subscription's share is not: "
            + between.verdict().line());
    UsageReport keep = november(Grouping.DAY, new Plan(sub * 0.9, 5));
    assertEquals(Plan.Verdict.SUBSCRIPTION, keep.verdict().kind(), keep.verdict().line());
    assertTrue(keep.verdict().line().contains(String.format(java.util.Locale.ROOT, "$%,.2f more than", sub * 0.1)),
        keep.verdict().line());
    assertEquals(Plan.Verdict.ENTERPRISE, november(Grouping.DAY, new Plan(all / 5, 5)).verdict().kind());
    UsageReport noPlan = november(Grouping.DAY, new Plan(null, 5));
    assertEquals(Plan.Verdict.NO_PLAN, noPlan.verdict().kind());
    assertTrue(noPlan.verdict().line().contains("plan.usd.per.month"), noPlan.verdict().line());
  }

  @Test
  void aPeriodRowPaysThePlanOnlyForItsDaysWithinTheReport() {
    UsageReport r = november(Grouping.WEEK, new Plan(365.25 / 12, 5));  // a dollar a day
    assertEquals("2026-W44", r.rows().get(0).key());
    assertEquals(1, r.rows().get(0).planShareUsd(), 1e-9, "only Sunday the 1st is in November");
    assertEquals(7, r.rows().get(1).planShareUsd(), 1e-9);
    assertEquals(30, r.rows().stream().mapToDouble(UsageReport.Row::planShareUsd).sum(), 1e-9);
    assertEquals(30, r.totalRow().planShareUsd(), 1e-9);
    Instant now = Instant.parse("2026-11-10T12:00:00Z");
    UsageReport partial = report(Grouping.MONTH, GeneratedMonth.START, DEC_1, new Plan(365.25 / 12, 5), now);
    assertEquals(9.5, partial.rows().get(0).planShareUsd(), 1e-9, "no plan is paid for days still to come");
  }

  @Test
  void aFewHoursOfDataGiveAVerdictThatSaysItIsAGuess() {
    UsageReport r = report(Grouping.DAY, GeneratedMonth.START, GeneratedMonth.START.plus(Duration.ofHours(6)),
        new Plan(200.0, 5), DEC_1);
    assertTrue(r.daysOfData() < 1);
    assertTrue(r.verdict().line().contains("run a week or a month before deciding"), r.verdict().line());
  }

  @Test
  void theMonthIsProjectedFromTheLastSevenDaysRate() {
    Instant now = Instant.parse("2026-11-20T12:00:00Z");
    UsageReport r = report(Grouping.DAY, GeneratedMonth.START, now, new Plan(200.0, 5), now);
    double soFar = 0;
    double api = 0;
    double recent = 0;
    double recentApi = 0;
    for (UsageRecord u : month.records) {
      if (!u.finishedAt().isBefore(now)) {
        continue;
      }
      double usd = u.route() == null ? 0 : prices.cost(u.model(), u.tokens(), false).orElse(0.0);
      soFar += usd;
      api += "api".equals(u.route()) ? usd : 0;
      if (!u.finishedAt().isBefore(now.minus(Duration.ofDays(7)))) {
        recent += usd;
        recentApi += "api".equals(u.route()) ? usd : 0;
      }
    }
    UsageReport.Projection p = r.projection();
    assertEquals("2026-11", p.month());
    assertEquals(10.5, p.daysLeft(), 1e-9);
    assertEquals(soFar, p.soFarUsd(), CENT);
    assertEquals(soFar + recent / 7 * 10.5, p.byMonthEndUsd(), CENT);
    assertEquals(api + recentApi / 7 * 10.5, p.apiByMonthEndUsd(), CENT);
  }

  @Test
  void recordsOutsideThePeriodAreLeftOutAndAnEmptyPeriodSaysSo() {
    Ledger ledger = new Ledger(prices, Grouping.DAY, DEC_1, DEC_1.plus(Duration.ofDays(1)));
    month.records.forEach(r -> assertFalse(ledger.add(r)));
    UsageReport r = ledger.report(new Plan(200.0, 5), DEC_1.plus(Duration.ofDays(1)));
    assertEquals(0, r.records());
    assertEquals(Plan.Verdict.NO_DATA, r.verdict().kind());
    assertThrows(IllegalArgumentException.class, () -> new Ledger(prices, Grouping.DAY, DEC_1, DEC_1));
  }

  @Test
  void windowUtilisationIsTheHighestSeenPerPeriod() {
    UsageReport r = november(Grouping.DAY, new Plan(null, 5));
    UsageReport.Row last = r.rows().get(29);
    assertEquals(30 / 32.0, last.totals().windowMax().get("7d"), 1e-12);
    double max5h = month.records.stream().filter(u -> u.finishedAt().toString().startsWith("2026-11-30"))
        .mapToDouble(u -> u.windows().getOrDefault("5h", 0.0)).max().orElseThrow();
    assertEquals(max5h, last.totals().windowMax().get("5h"), 1e-12);
    assertEquals(Map.of(), new Totals().windowMax());
  }
}
