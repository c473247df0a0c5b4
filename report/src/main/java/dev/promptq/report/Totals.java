package dev.promptq.report;

import dev.promptq.usage.PriceTable;
import dev.promptq.usage.Tokens;
import dev.promptq.usage.UsageRecord;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The sums of one row of the report (or of all of it), priced as it is added to. Not thread-safe:
 * one reader fills it.
 */
public final class Totals {
  long jobs;
  long succeeded;
  long errored;
  long expired;
  long bySubscription;
  long byApi;
  Tokens tokens = Tokens.NONE;
  /** What the API key's account was billed: the API route's tokens at list prices. */
  double apiSpendUsd;
  /** What the subscription's answers would have cost at API list prices. */
  double subscriptionValueUsd;
  /** Tokens of models the price table does not know: counted, never priced. */
  long unpricedTokens;
  final Set<String> unknownModels = new TreeSet<>();
  /** Highest utilisation seen per subscription window. */
  final Map<String, Double> windowMax = new TreeMap<>();
  private final Map<String, double[]> windowSum = new TreeMap<>();

  void add(UsageRecord r, PriceTable prices) {
    jobs++;
    switch (r.outcome()) {
      case "succeeded" -> succeeded++;
      case "expired" -> expired++;
      default -> errored++;
    }
    tokens = tokens.plus(r.tokens());
    if (r.route() != null) {
      Optional<Double> value = prices.cost(r.model(), r.tokens(), r.lane().equals(UsageRecord.BATCH));
      if (value.isEmpty() && r.tokens().total() > 0) {
        unpricedTokens += r.tokens().total();
        unknownModels.add(r.model() == null ? "(no model)" : r.model());
      }
      if (r.billed()) {
        byApi++;
        apiSpendUsd += value.orElse(0.0);
      } else {
        bySubscription++;
        subscriptionValueUsd += value.orElse(0.0);
      }
    }
    r.windows().forEach((window, u) -> {
      windowMax.merge(window, u, Math::max);
      double[] s = windowSum.computeIfAbsent(window, w -> new double[2]);
      s[0] += u;
      s[1]++;
    });
  }

  /** The mean utilisation of {@code window} over the records that reported it, or NaN. */
  public double windowMean(String window) {
    double[] s = windowSum.get(window);
    return s == null ? Double.NaN : s[0] / s[1];
  }

  /** Everything at API list prices: the subscription's work plus what the API billed. */
  public double apiEquivalentUsd() {
    return subscriptionValueUsd + apiSpendUsd;
  }

  public long jobs() {
    return jobs;
  }

  public long succeeded() {
    return succeeded;
  }

  public long errored() {
    return errored;
  }

  public long expired() {
    return expired;
  }

  public long bySubscription() {
    return bySubscription;
  }

  public long byApi() {
    return byApi;
  }

  public Tokens tokens() {
    return tokens;
  }

  public double apiSpendUsd() {
    return apiSpendUsd;
  }

  public double subscriptionValueUsd() {
    return subscriptionValueUsd;
  }

  public long unpricedTokens() {
    return unpricedTokens;
  }

  public Set<String> unknownModels() {
    return Set.copyOf(unknownModels);
  }

  public Map<String, Double> windowMax() {
    return Map.copyOf(windowMax);
  }
}
