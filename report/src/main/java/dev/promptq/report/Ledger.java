package dev.promptq.report;

import dev.promptq.usage.PriceTable;
import dev.promptq.usage.UsageRecord;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Adds usage records up into a {@link UsageReport}: rows by the chosen grouping, days for the
 * charts, batches, the recent rate and the month so far. Pure arithmetic: the records come from
 * the usage topic ({@link UsageReader}) or, in tests, from anywhere. Not thread-safe.
 */
public final class Ledger {
  private static final double DAY_MS = Duration.ofDays(1).toMillis();
  private static final Duration RECENT = Duration.ofDays(7);

  private final PriceTable prices;
  private final Grouping by;
  private final Instant from;
  private final Instant to;
  private final Instant recentFrom;
  private final Instant monthFrom;
  private final Totals total = new Totals();
  private final Totals recent = new Totals();
  private final Totals month = new Totals();
  private final Map<String, Totals> rows = new TreeMap<>();
  private final Map<String, Totals> days = new TreeMap<>();
  private final Map<String, Totals> batches = new HashMap<>();
  private Instant first;
  private long skipped;

  /**
   * @param from the period's start (inclusive)
   * @param to the period's end (exclusive)
   */
  public Ledger(PriceTable prices, Grouping by, Instant from, Instant to) {
    if (!from.isBefore(to)) {
      throw new IllegalArgumentException("the period must start before it ends: " + from + " .. " + to);
    }
    this.prices = prices;
    this.by = by;
    this.from = from;
    this.to = to;
    Instant r = to.minus(RECENT);
    this.recentFrom = r.isBefore(from) ? from : r;
    this.monthFrom = YearMonth.from(LocalDate.ofInstant(to.minusMillis(1), ZoneOffset.UTC)).atDay(1)
        .atStartOfDay(ZoneOffset.UTC).toInstant();
  }

  /** Counts {@code r} if it finished within the period; returns whether it did. */
  public boolean add(UsageRecord r) {
    Instant at = r.finishedAt();
    if (at.isBefore(from) || !at.isBefore(to)) {
      return false;
    }
    if (first == null || at.isBefore(first)) {
      first = at;
    }
    total.add(r, prices);
    rows.computeIfAbsent(by.key(r), k -> new Totals()).add(r, prices);
    days.computeIfAbsent(Grouping.DAY.key(r), k -> new Totals()).add(r, prices);
    if (r.batch() != null) {
      batches.computeIfAbsent(r.batch(), k -> new Totals()).add(r, prices);
    }
    if (!at.isBefore(recentFrom)) {
      recent.add(r, prices);
    }
    if (!at.isBefore(monthFrom)) {
      month.add(r, prices);
    }
    return true;
  }

  /** The plan's price for the part of a period row that lies within the report's period (up to {@code end}). */
  private double planShare(Plan plan, Grouping g, String key, Instant end) {
    Instant[] span = g.span(key);
    if (span == null) {
      return 0;
    }
    Instant a = span[0].isBefore(from) ? from : span[0];
    Instant b = span[1].isAfter(end) ? end : span[1];
    return b.isAfter(a) ? plan.priceFor(Duration.between(a, b).toMillis() / DAY_MS) : 0;
  }

  private static double perMonth(double usd, double days) {
    return days <= 0 ? 0 : usd / days * Plan.DAYS_PER_MONTH;
  }

  /** Counts a record that could not be read (reported as a warning). */
  public void skipped() {
    skipped++;
  }

  /** The report as of {@code now} (a period ending in the future counts as ending now). */
  public UsageReport report(Plan plan, Instant now) {
    Instant end = to.isAfter(now) ? now : to;
    Instant start = first == null ? end : first.isAfter(from) ? first : from;
    double daysOfData = Math.max(0, Duration.between(start, end).toMillis() / DAY_MS);
    double perMonth = perMonth(total.apiEquivalentUsd(), daysOfData);
    double recentDays = Math.max(1.0 / 24, Duration.between(first != null && first.isAfter(recentFrom) ? first
        : recentFrom, end).toMillis() / DAY_MS);
    YearMonth ym = YearMonth.from(LocalDate.ofInstant(to.minusMillis(1), ZoneOffset.UTC));
    Instant monthEnd = ym.plusMonths(1).atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant();
    double daysLeft = Math.max(0, Duration.between(end, monthEnd).toMillis() / DAY_MS);
    UsageReport.Projection projection = new UsageReport.Projection(ym.toString(), month.apiEquivalentUsd(),
        month.apiSpendUsd(), recent.apiEquivalentUsd() / recentDays, recent.apiSpendUsd() / recentDays, daysLeft);

    List<UsageReport.Row> rowList = new ArrayList<>();
    rows.forEach((k, t) -> rowList.add(new UsageReport.Row(k, t, planShare(plan, by, k, end))));
    if (!by.isTime()) {
      rowList.sort(Comparator.comparingDouble((UsageReport.Row r) -> -r.totals().apiEquivalentUsd())
          .thenComparing(UsageReport.Row::key));
    }
    List<UsageReport.Row> dayList = new ArrayList<>();
    days.forEach((k, t) -> dayList.add(new UsageReport.Row(k, t, planShare(plan, Grouping.DAY, k, end))));
    List<UsageReport.Row> top = batches.entrySet().stream()
        .map(e -> new UsageReport.Row(e.getKey(), e.getValue(), 0))
        .sorted(Comparator.comparingDouble((UsageReport.Row r) -> -r.totals().apiEquivalentUsd())
            .thenComparing(UsageReport.Row::key))
        .limit(10).toList();

    List<String> warnings = new ArrayList<>();
    if (!total.unknownModels.isEmpty()) {
      warnings.add(String.format(Locale.ROOT, "%,d tokens of %s are not priced: the price table (checked %s) does not "
          + "know %s; add %s with prices.file or api.prices", total.unpricedTokens, String.join(", ",
          total.unknownModels), prices.checked(), total.unknownModels.size() == 1 ? "it" : "them",
          total.unknownModels.size() == 1 ? "it" : "them"));
    }
    if (skipped > 0) {
      warnings.add(String.format(Locale.ROOT, "%,d records of the usage topic were not usage records and were skipped",
          skipped));
    }
    return new UsageReport(from, to, by, List.copyOf(rowList), total, List.copyOf(dayList), top, plan,
        plan.verdict(perMonth(total.subscriptionValueUsd(), daysOfData), perMonth(total.apiSpendUsd(), daysOfData),
            daysOfData), daysOfData, Duration.between(from, end).toMillis() / DAY_MS, perMonth, projection, prices.source(), prices.checked(),
        List.copyOf(warnings), total.jobs);
  }
}
