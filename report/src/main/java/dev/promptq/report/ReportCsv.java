package dev.promptq.report;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;

/** The report's rows as CSV (RFC 4180), one line per row and a last {@code total} line, for spreadsheets. */
public final class ReportCsv {
  private ReportCsv() {}

  public static void print(PrintWriter out, UsageReport r) {
    List<String> windows = new ArrayList<>(new TreeSet<>(r.total().windowMax().keySet()));
    List<String> head = new ArrayList<>(List.of(r.by().wireName(), "jobs", "succeeded", "errored", "expired",
        "by_subscription", "by_api", "input_tokens", "output_tokens", "cache_write_5m_tokens", "cache_write_1h_tokens",
        "cache_read_tokens", "api_spend_usd", "subscription_value_usd", "api_equivalent_usd", "plan_usd", "saved_usd",
        "unpriced_tokens"));
    windows.forEach(w -> head.add("max_utilization_" + w));
    out.print(String.join(",", head) + "\r\n");
    for (UsageReport.Row row : r.rows()) {
      line(out, row, windows);
    }
    line(out, r.totalRow(), windows);
    out.flush();
  }

  private static void line(PrintWriter out, UsageReport.Row row, List<String> windows) {
    Totals t = row.totals();
    List<String> cells = new ArrayList<>(List.of(quoted(row.key()), n(t.jobs()), n(t.succeeded()), n(t.errored()),
        n(t.expired()), n(t.bySubscription()), n(t.byApi()), n(t.tokens().input()), n(t.tokens().output()),
        n(t.tokens().cacheWrite5m()), n(t.tokens().cacheWrite1h()), n(t.tokens().cacheRead()), usd(t.apiSpendUsd()),
        usd(t.subscriptionValueUsd()), usd(t.apiEquivalentUsd()), usd(row.planShareUsd()), usd(row.savedUsd()),
        n(t.unpricedTokens())));
    windows.forEach(w -> cells.add(t.windowMax().containsKey(w)
        ? String.format(Locale.ROOT, "%.4f", t.windowMax().get(w)) : ""));
    out.print(String.join(",", cells) + "\r\n");
  }

  /** A cell, quoted when it holds a comma, quote or line break (batch ids and models cannot, but a key could). */
  static String quoted(String s) {
    return s.matches("[^,\"\r\n]*") ? s : "\"" + s.replace("\"", "\"\"") + "\"";
  }

  private static String n(long v) {
    return Long.toString(v);
  }

  private static String usd(double v) {
    return String.format(Locale.ROOT, "%.6f", v);
  }
}
