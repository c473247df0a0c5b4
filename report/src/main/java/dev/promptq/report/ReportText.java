package dev.promptq.report;

import java.io.PrintWriter;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.format.TextStyle;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/** The report for a terminal: a compact table, the verdict, the month's projection, warnings. */
public final class ReportText {
  private ReportText() {}

  public static void print(PrintWriter out, UsageReport r, String topic) {
    out.printf(Locale.ROOT, "usage from %s, %s to %s (UTC), by %s: %,d jobs, %s%n", topic, day(r.from()),
        day(r.to().minusMillis(1)), r.by().wireName(), r.records(), dataSpan(r.daysOfData()));
    out.printf("prices: %s (checked %s)%n", r.pricesSource(), r.pricesChecked());
    if (r.records() == 0) {
      out.println(r.verdict().line());
      r.warnings().forEach(w -> out.println("warning: " + w));
      return;
    }
    Set<String> windows = new TreeSet<>(r.total().windowMax().keySet());
    List<String> shown = windows.stream().limit(2).toList();
    int keyWidth = Math.max(10, Math.min(40, r.rows().stream().mapToInt(x -> x.key().length()).max().orElse(5)));
    StringBuilder head = new StringBuilder(String.format(Locale.ROOT,
        "%-" + keyWidth + "s %8s %8s %7s %6s %8s %8s %8s %8s %11s %11s", r.by().wireName(), "jobs", "subscr.", "api",
        "failed", "input", "output", "cache w", "cache r", "API spend", "sub. value"));
    if (r.plan().usdPerMonth() != null && r.by().isTime()) {
      head.append(String.format(Locale.ROOT, " %9s %11s", "plan", "saved"));
    }
    shown.forEach(w -> head.append(String.format(Locale.ROOT, " %7s", w + " max")));
    out.println();
    out.println(head);
    for (UsageReport.Row row : r.rows()) {
      out.println(line(row, keyWidth, r, shown));
    }
    out.println(line(r.totalRow(),
        keyWidth, r, shown));
    out.println();
    out.println(r.verdict().line());
    if (r.plan().usdPerMonth() != null) {
      double saved = r.total().subscriptionValueUsd() - r.plan().priceFor(r.periodDays());
      out.printf(Locale.ROOT, "The subscription carried %s of work at API list prices for %s of plan: %s %s.%n",
          Money.usd(r.total().subscriptionValueUsd()), Money.usd(r.plan().priceFor(r.periodDays())),
          saved >= 0 ? "saved" : "lost", Money.usd(Math.abs(saved)));
    }
    out.println(projection(r.projection()));
    if (!r.topBatches().isEmpty() && r.by() != Grouping.BATCH) {
      out.print("top batches at API list prices:");
      r.topBatches().stream().limit(5).forEach(b -> out.printf(Locale.ROOT, " %s %s (%,d jobs);", b.key(),
          Money.usd(b.totals().apiEquivalentUsd()), b.totals().jobs()));
      out.println();
    }
    r.warnings().forEach(w -> out.println("warning: " + w));
  }

  private static String line(UsageReport.Row row, int keyWidth, UsageReport r, List<String> windows) {
    Totals t = row.totals();
    String key = row.key().length() > keyWidth ? row.key().substring(0, keyWidth - 1) + "~" : row.key();
    StringBuilder b = new StringBuilder(String.format(Locale.ROOT,
        "%-" + keyWidth + "s %,8d %,8d %,7d %,6d %8s %8s %8s %8s %11s %11s", key, t.jobs(), t.bySubscription(),
        t.byApi(), t.errored() + t.expired(), Money.tokens(t.tokens().input()), Money.tokens(t.tokens().output()),
        Money.tokens(t.tokens().cacheWrites()), Money.tokens(t.tokens().cacheRead()), Money.usd(t.apiSpendUsd()),
        Money.usd(t.subscriptionValueUsd())));
    if (r.plan().usdPerMonth() != null && r.by().isTime()) {
      b.append(String.format(Locale.ROOT, " %9s %11s", Money.usd(row.planShareUsd()), Money.usd(row.savedUsd())));
    }
    windows.forEach(w -> b.append(String.format(Locale.ROOT, " %7s", Money.percent(t.windowMax().get(w)))));
    return b.toString();
  }

  static String projection(UsageReport.Projection p) {
    YearMonth ym = YearMonth.parse(p.month());
    String name = ym.getMonth().getDisplayName(TextStyle.FULL, Locale.ENGLISH) + " " + ym.getYear();
    if (p.daysLeft() <= 0) {
      return String.format(Locale.ROOT, "%s: %s of work at API list prices, %s of it billed by the API.", name,
          Money.usd(p.soFarUsd()), Money.usd(p.apiSoFarUsd()));
    }
    return String.format(Locale.ROOT, "%s so far: %s at API list prices (%s billed by the API); at the last 7 days' "
        + "rate, %s by %s %d (%s billed).", name, Money.usd(p.soFarUsd()), Money.usd(p.apiSoFarUsd()),
        Money.usd(p.byMonthEndUsd()), ym.getMonth().getDisplayName(TextStyle.SHORT, Locale.ENGLISH), ym.lengthOfMonth(),
        Money.usd(p.apiByMonthEndUsd()));
  }

  static String day(Instant i) {
    return LocalDate.ofInstant(i, ZoneOffset.UTC).toString();
  }

  static String dataSpan(double days) {
    return days >= 2 ? String.format(Locale.ROOT, "%.0f days of data", days)
        : String.format(Locale.ROOT, "%.1f hours of data", days * 24);
  }
}
