package dev.promptq.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/** The report as JSON, for scripts: every figure the other formats print, in USD and tokens. */
public final class ReportJson {
  private ReportJson() {}

  public static ObjectNode of(UsageReport r, ObjectMapper mapper) {
    ObjectNode n = mapper.createObjectNode();
    n.put("from", r.from().toString());
    n.put("to", r.to().toString());
    n.put("by", r.by().wireName());
    n.put("records", r.records());
    n.put("days_of_data", r.daysOfData());
    n.put("period_days", r.periodDays());
    ObjectNode prices = n.putObject("prices");
    prices.put("source", r.pricesSource());
    prices.put("checked", r.pricesChecked());
    if (r.plan().usdPerMonth() != null) {
      n.putObject("plan").put("usd_per_month", r.plan().usdPerMonth()).put("enterprise_factor",
          r.plan().enterpriseFactor());
    }
    rows(n.putArray("rows"), r.rows());
    n.set("total", totals(mapper.createObjectNode(), r.total()));
    ((ObjectNode) n.get("total")).put("plan_usd", r.plan().priceFor(r.periodDays()))
        .put("saved_usd", r.total().subscriptionValueUsd() - r.plan().priceFor(r.periodDays()));
    n.putObject("verdict").put("kind", r.verdict().kind()).put("text", r.verdict().line())
        .put("api_equivalent_usd_per_month", r.apiEquivalentPerMonth());
    UsageReport.Projection p = r.projection();
    n.putObject("projection").put("month", p.month()).put("so_far_usd", p.soFarUsd()).put("api_so_far_usd",
        p.apiSoFarUsd()).put("per_day_usd", p.perDayUsd()).put("api_per_day_usd", p.apiPerDayUsd())
        .put("days_left", p.daysLeft()).put("by_month_end_usd", p.byMonthEndUsd())
        .put("api_by_month_end_usd", p.apiByMonthEndUsd());
    rows(n.putArray("days"), r.days());
    rows(n.putArray("top_batches"), r.topBatches());
    ArrayNode w = n.putArray("warnings");
    r.warnings().forEach(w::add);
    return n;
  }

  private static void rows(ArrayNode into, List<UsageReport.Row> rows) {
    for (UsageReport.Row row : rows) {
      ObjectNode o = into.addObject();
      o.put("key", row.key());
      totals(o, row.totals());
      o.put("plan_usd", row.planShareUsd());
      o.put("saved_usd", row.savedUsd());
    }
  }

  private static ObjectNode totals(ObjectNode o, Totals t) {
    o.put("jobs", t.jobs());
    o.putObject("outcomes").put("succeeded", t.succeeded()).put("errored", t.errored()).put("expired", t.expired());
    o.putObject("routes").put("subscription", t.bySubscription()).put("api", t.byApi());
    o.putObject("tokens").put("input", t.tokens().input()).put("output", t.tokens().output())
        .put("cache_write_5m", t.tokens().cacheWrite5m()).put("cache_write_1h", t.tokens().cacheWrite1h())
        .put("cache_read", t.tokens().cacheRead());
    o.put("api_spend_usd", t.apiSpendUsd());
    o.put("subscription_value_usd", t.subscriptionValueUsd());
    o.put("api_equivalent_usd", t.apiEquivalentUsd());
    o.put("unpriced_tokens", t.unpricedTokens());
    if (!t.unknownModels().isEmpty()) {
      ArrayNode u = o.putArray("unknown_models");
      t.unknownModels.forEach(u::add);
    }
    if (!t.windowMax.isEmpty()) {
      ObjectNode w = o.putObject("windows");
      t.windowMax.forEach((window, max) -> w.putObject(window).put("max", max).put("mean", t.windowMean(window)));
    }
    return o;
  }
}
