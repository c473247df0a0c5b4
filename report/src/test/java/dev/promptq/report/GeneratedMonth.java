package dev.promptq.report;

import dev.promptq.usage.Tokens;
import dev.promptq.usage.UsageRecord;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A month of usage records as workers would write them ({@link SyntheticUsage}: several models, both
 * routes, failures, cache writes and reads, batches, the subscription's windows; here also a
 * snapshot id and a model no price table knows), and its totals computed here with prices written
 * out by hand, independently of the price table and the report.
 */
final class GeneratedMonth {
  /** List prices, USD per million tokens, from Anthropic's model pages (December 2026). */
  static final Map<String, double[]> PRICES = Map.of(
      "claude-sonnet-5", new double[] {2, 10},
      "claude-haiku-4-5", new double[] {1, 5},
      "claude-opus-5-5", new double[] {4, 20},
      "claude-sonnet-4-6", new double[] {3, 15});
  static final List<String> MODELS = List.of("claude-sonnet-5", "claude-haiku-4-5", "claude-opus-5-5",
      "claude-sonnet-4-6", "claude-sonnet-5-20261015", "claude-sonnet-9");
  static final Instant START = Instant.parse("2026-11-01T00:00:00Z");

  final List<UsageRecord> records = new ArrayList<>();
  /** Per UTC day ({@code 2026-11-03}): {jobs, subscription value, api spend}. */
  final Map<String, double[]> byDay = new HashMap<>();
  final Map<String, double[]> byBatch = new HashMap<>();
  long jobs;
  long bySubscription;
  long byApi;
  long failed;
  long input;
  long output;
  long cacheWrite5m;
  long cacheWrite1h;
  long cacheRead;
  long unpriced;
  double subscriptionValue;
  double apiSpend;

  /** {@code perDay} jobs on each of {@code days} days from November 1st, from seed {@code seed}. */
  GeneratedMonth(int days, int perDay, long seed) {
    SyntheticUsage.generate(START, days, perDay, seed, MODELS, r -> {
      records.add(r);
      count(r);
    });
  }

  private void count(UsageRecord r) {
    jobs++;
    Tokens t = r.tokens();
    input += t.input();
    output += t.output();
    cacheWrite5m += t.cacheWrite5m();
    cacheWrite1h += t.cacheWrite1h();
    cacheRead += t.cacheRead();
    String base = r.model().replaceAll("-\\d{8}$", "");
    double[] p = PRICES.get(base);
    double usd = 0;
    if (r.route() == null) {
      failed++;
    } else if (p == null) {
      unpriced += t.input() + t.output() + t.cacheWrite5m() + t.cacheWrite1h() + t.cacheRead();
    } else {
      usd = (t.input() * p[0] + t.cacheWrite5m() * p[0] * 1.25 + t.cacheWrite1h() * p[0] * 2
          + t.cacheRead() * p[0] * 0.1 + t.output() * p[1]) / 1e6;
    }
    if ("subscription".equals(r.route())) {
      bySubscription++;
      subscriptionValue += usd;
    } else if ("api".equals(r.route())) {
      byApi++;
      apiSpend += usd;
    }
    String day = r.finishedAt().toString().substring(0, 10);
    double[] dd = byDay.computeIfAbsent(day, k -> new double[3]);
    dd[0]++;
    dd["api".equals(r.route()) ? 2 : 1] += usd;
    if (r.batch() != null) {
      double[] b = byBatch.computeIfAbsent(r.batch(), k -> new double[2]);
      b[0]++;
      b[1] += usd;
    }
  }
}
