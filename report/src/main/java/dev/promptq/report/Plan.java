package dev.promptq.report;

import java.util.Locale;

/**
 * The subscription's price and the advice people follow: measure a month, then decide. When the
 * work the subscription carries is worth less than its price at API list prices, the API alone is
 * cheaper; when more, keep the subscription with the API as fallback; when all the work comes to
 * {@code enterpriseFactor} times the price or more, talk to Anthropic about an enterprise plan.
 *
 * @param usdPerMonth the plan's price ({@code plan.usd.per.month}), or null when not given
 * @param enterpriseFactor how many times the plan's price counts as far above it
 *     ({@code plan.enterprise.factor}, default 5)
 */
public record Plan(Double usdPerMonth, double enterpriseFactor) {
  /** An average month: 365.25 / 12 days. */
  public static final double DAYS_PER_MONTH = 365.25 / 12;
  public static final double DEFAULT_ENTERPRISE_FACTOR = 5;
  /** Less data than this many days makes a verdict a guess, and the report says so. */
  public static final double DAYS_FOR_A_VERDICT = 7;

  public Plan {
    if (usdPerMonth != null && !(usdPerMonth > 0)) {
      throw new IllegalArgumentException("plan.usd.per.month: " + usdPerMonth + " (expected a price > 0, e.g. 100 or 200)");
    }
    if (!(enterpriseFactor > 1)) {
      throw new IllegalArgumentException("plan.enterprise.factor: " + enterpriseFactor + " (expected a number > 1)");
    }
  }

  /** The plan's price for {@code days}. */
  public double priceFor(double days) {
    return usdPerMonth == null ? 0 : usdPerMonth * days / DAYS_PER_MONTH;
  }

  /** What the data says, as a kind and one line. */
  public record Verdict(String kind, String line) {
    public static final String API = "api";
    public static final String SUBSCRIPTION = "subscription";
    public static final String ENTERPRISE = "enterprise";
    public static final String NO_PLAN = "no_plan";
    public static final String NO_DATA = "no_data";
  }

  /**
   * The verdict, from what the subscription's work and the API's spend come to per month at API
   * list prices. The subscription pays for itself when its work is worth more than its price (the
   * API alone would have cost that much more); the whole work far above the plan's price is a case
   * for an enterprise plan.
   *
   * @param subscriptionPerMonth the subscription's work per month at API list prices
   * @param apiPerMonth what the API billed per month
   * @param daysOfData how many days the figures are measured over
   */
  public Verdict verdict(double subscriptionPerMonth, double apiPerMonth, double daysOfData) {
    if (daysOfData <= 0) {
      return new Verdict(Verdict.NO_DATA, "No usage in this period: nothing to decide on.");
    }
    String measured = daysOfData < DAYS_FOR_A_VERDICT
        ? String.format(Locale.ROOT, " (measured over %s only: run a week or a month before deciding)", days(daysOfData))
        : String.format(Locale.ROOT, " (measured over %s)", days(daysOfData));
    double all = subscriptionPerMonth + apiPerMonth;
    String worth = String.format(Locale.ROOT, "this work costs about $%,.2f a month at API list prices", all);
    if (usdPerMonth == null) {
      return new Verdict(Verdict.NO_PLAN, capitalized(worth) + ", $" + String.format(Locale.ROOT, "%,.2f",
          subscriptionPerMonth) + " of it on the subscription" + measured
          + "; give the plan's price (--plan-usd or plan.usd.per.month, e.g. 100 for Max 5x, 200 for Max 20x) for a verdict.");
    }
    if (all >= enterpriseFactor * usdPerMonth) {
      return new Verdict(Verdict.ENTERPRISE, String.format(Locale.ROOT,
          "Talk to Anthropic about an enterprise plan: %s, %.1fx the plan's $%,.0f (%.0fx or more is far above it)%s; "
              + "meanwhile keep the subscription with the API as fallback.", worth, all / usdPerMonth, usdPerMonth,
          enterpriseFactor, measured));
    }
    if (subscriptionPerMonth >= usdPerMonth) {
      return new Verdict(Verdict.SUBSCRIPTION, String.format(Locale.ROOT,
          "Keep the subscription, with the API as fallback: its work is worth about $%,.2f a month at API list prices, "
              + "$%,.2f more than the plan's $%,.0f%s.", subscriptionPerMonth, subscriptionPerMonth - usdPerMonth,
          usdPerMonth, measured));
    }
    return new Verdict(Verdict.API, String.format(Locale.ROOT,
        "Use the API: %s, and the subscription's share of it ($%,.2f) is less than the plan's $%,.0f; the API alone "
            + "would cost $%,.2f a month less%s.", worth, subscriptionPerMonth, usdPerMonth,
        usdPerMonth - subscriptionPerMonth, measured));
  }

  private static String days(double d) {
    return d >= 2 ? String.format(Locale.ROOT, "%.0f days", d) : String.format(Locale.ROOT, "%.1f hours", d * 24);
  }

  private static String capitalized(String s) {
    return Character.toUpperCase(s.charAt(0)) + s.substring(1);
  }
}
