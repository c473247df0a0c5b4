package dev.promptq.report;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * The report as one self-contained HTML page: the verdict and figures, four SVG charts (daily
 * value by route, cumulative value against the plan's price, window utilisation, top batches) and
 * the table. No script, no stylesheet or font from elsewhere: it opens from a file, offline.
 */
public final class ReportHtml {
  static final String SUBSCRIPTION = "#2563eb";
  static final String API = "#d97706";
  static final String CUMULATIVE = "#059669";
  static final String PLAN = "#dc2626";
  static final String BATCHES = "#7c3aed";
  static final String[] WINDOWS = {"#db2777", "#0891b2", "#65a30d", "#9333ea"};

  private ReportHtml() {}

  public static String of(UsageReport r, String topic) {
    StringBuilder h = new StringBuilder();
    h.append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>promptq usage ")
        .append(ReportText.day(r.from())).append(" to ").append(ReportText.day(r.to().minusMillis(1)))
        .append("</title><style>body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#111;max-width:960px}"
            + "h1{font-size:22px}.verdict{font-size:16px;font-weight:600;padding:10px 14px;background:#f1f5f9;"
            + "border-left:4px solid #2563eb}table{border-collapse:collapse;font-size:12px}td,th{padding:3px 8px;"
            + "text-align:right;border-bottom:1px solid #e5e7eb}td:first-child,th:first-child{text-align:left}"
            + "figure{margin:18px 0}.title{font:600 14px system-ui,sans-serif}.legend,.label{font:12px system-ui,"
            + "sans-serif}.axis{font:11px system-ui,sans-serif;fill:#555}.grid{stroke:#e5e7eb}.warn{color:#b45309}"
            + "</style></head><body>");
    h.append("<h1>promptq usage, ").append(ReportText.day(r.from())).append(" to ")
        .append(ReportText.day(r.to().minusMillis(1))).append(" (UTC)</h1>");
    h.append(String.format(Locale.ROOT, "<p>%,d jobs from <code>%s</code>, %s. Prices: %s (checked %s).</p>",
        r.records(), SvgChart.esc(topic), ReportText.dataSpan(r.daysOfData()), SvgChart.esc(r.pricesSource()),
        SvgChart.esc(r.pricesChecked())));
    h.append("<p class=\"verdict\" id=\"verdict\">").append(SvgChart.esc(r.verdict().line())).append("</p>");
    Totals t = r.total();
    h.append(String.format(Locale.ROOT, "<p>The subscription answered %,d jobs, worth %s at API list prices; the API "
        + "answered %,d for %s. %s</p>", t.bySubscription(), Money.usd(t.subscriptionValueUsd()), t.byApi(),
        Money.usd(t.apiSpendUsd()), SvgChart.esc(ReportText.projection(r.projection()))));
    for (String w : r.warnings()) {
      h.append("<p class=\"warn\">warning: ").append(SvgChart.esc(w)).append("</p>");
    }
    List<String> labels = new ArrayList<>();
    List<Totals> days = filledDays(r, labels);
    h.append(figure(SvgChart.stackedBars("Daily value by route (USD at API list prices)", labels, List.of(
        new SvgChart.Series("subscription (not billed)", SUBSCRIPTION, values(days, Totals::subscriptionValueUsd)),
        new SvgChart.Series("API (billed)", API, values(days, Totals::apiSpendUsd))), Money::usd),
        "What each day's work would have cost at API list prices: the subscription's share and what the API billed."));
    double[] cumulative = new double[days.size()];
    double[] bySubscription = new double[days.size()];
    double[] plan = new double[days.size()];
    double sum = 0;
    double sub = 0;
    for (int i = 0; i < days.size(); i++) {
      sum += days.get(i).apiEquivalentUsd();
      sub += days.get(i).subscriptionValueUsd();
      cumulative[i] = sum;
      bySubscription[i] = sub;
      plan[i] = r.plan().priceFor(i + 1);
    }
    List<SvgChart.Series> value = new ArrayList<>(List.of(new SvgChart.Series("all work", CUMULATIVE, cumulative),
        new SvgChart.Series("the subscription's work", SUBSCRIPTION, bySubscription)));
    if (r.plan().usdPerMonth() != null) {
      value.add(new SvgChart.Series(String.format(Locale.ROOT, "plan ($%,.0f a month)", r.plan().usdPerMonth()), PLAN,
          plan));
    }
    h.append(figure(SvgChart.lines("Cumulative value at API list prices against the plan's price (USD)", labels, value,
        Money::usd, 0), "Where the subscription's line runs above the plan's, the subscription pays for itself; the "
        + "line of all work is what the API alone would have cost."));
    List<String> windows = new ArrayList<>(new TreeSet<>(t.windowMax().keySet()));
    List<SvgChart.Series> util = new ArrayList<>();
    for (int i = 0; i < windows.size() && i < WINDOWS.length; i++) {
      String w = windows.get(i);
      util.add(new SvgChart.Series(w + " window, daily max", WINDOWS[i],
          values(days, d -> d.windowMax().getOrDefault(w, Double.NaN))));
    }
    h.append(figure(util.isEmpty() ? "<p>No subscription answer reported its windows in this period.</p>"
        : SvgChart.lines("Subscription windows: highest utilisation seen per day", labels, util, Money::percent, 1),
        "From the utilisation headers of the subscription's answers, as workers saw them."));
    List<String> batchLabels = r.topBatches().stream().map(UsageReport.Row::key).toList();
    h.append(figure(batchLabels.isEmpty() ? "<p>No batches in this period.</p>"
        : SvgChart.horizontalBars("Top batches (USD at API list prices)", batchLabels,
            values(r.topBatches().stream().map(UsageReport.Row::totals).toList(), Totals::apiEquivalentUsd), BATCHES,
            Money::usd), "The batches whose work was worth most."));
    h.append(table(r));
    return h.append("</body></html>").toString();
  }

  private static List<Totals> filledDays(UsageReport r, List<String> labels) {
    Map<String, Totals> byDay = new HashMap<>();
    r.days().forEach(d -> byDay.put(d.key(), d.totals()));
    List<Totals> out = new ArrayList<>();
    if (r.days().isEmpty()) {
      return out;
    }
    LocalDate first = LocalDate.parse(r.days().get(0).key());
    LocalDate last = LocalDate.parse(r.days().get(r.days().size() - 1).key());
    for (LocalDate d = first; !d.isAfter(last); d = d.plusDays(1)) {
      labels.add(d.toString().substring(5));
      out.add(byDay.getOrDefault(d.toString(), new Totals()));
    }
    return out;
  }

  private static double[] values(List<Totals> rows, java.util.function.ToDoubleFunction<Totals> f) {
    return rows.stream().mapToDouble(f).toArray();
  }

  private static String figure(String svg, String caption) {
    return "<figure>" + svg + "<figcaption>" + SvgChart.esc(caption) + "</figcaption></figure>";
  }

  private static String table(UsageReport r) {
    StringBuilder b = new StringBuilder("<table><thead><tr><th>").append(r.by().wireName())
        .append("</th><th>jobs</th><th>subscription</th><th>API</th><th>failed</th><th>input</th><th>output</th>"
            + "<th>cache writes</th><th>cache reads</th><th>API spend</th><th>subscription value</th><th>saved</th>"
            + "</tr></thead><tbody>");
    List<UsageReport.Row> rows = new ArrayList<>(r.rows());
    rows.add(r.totalRow());
    for (UsageReport.Row row : rows) {
      Totals t = row.totals();
      b.append(String.format(Locale.ROOT, "<tr><td>%s</td><td>%,d</td><td>%,d</td><td>%,d</td><td>%,d</td><td>%s</td>"
          + "<td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>", SvgChart.esc(row.key()),
          t.jobs(), t.bySubscription(), t.byApi(), t.errored() + t.expired(), Money.tokens(t.tokens().input()),
          Money.tokens(t.tokens().output()), Money.tokens(t.tokens().cacheWrites()), Money.tokens(t.tokens().cacheRead()),
          Money.usd(t.apiSpendUsd()), Money.usd(t.subscriptionValueUsd()),
          row.planShareUsd() > 0 ? Money.usd(row.savedUsd()) : "-"));
    }
    return b.append("</tbody></table>").toString();
  }
}
