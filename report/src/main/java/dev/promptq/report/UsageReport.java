package dev.promptq.report;

import java.time.Instant;
import java.util.List;

/**
 * A finished report: its rows, totals, daily series, top batches, verdict and projection. What
 * the terminal, CSV, JSON and HTML writers print.
 *
 * @param from the start of the period (inclusive)
 * @param to the end of the period (exclusive)
 * @param by what the rows are
 * @param rows one per period, model, route or batch; periods in order, the others by value
 * @param total the whole period
 * @param days one row per UTC day with usage, in order (the charts' series)
 * @param topBatches the batches worth most at API list prices, at most ten
 * @param plan the plan's price and thresholds
 * @param verdict what the data says
 * @param daysOfData from the first record (or the period's start, if later) to the period's end
 * @param periodDays from the period's start to its end (or now, if earlier): the days the plan is paid for
 * @param apiEquivalentPerMonth the whole work at API list prices, per average month
 * @param projection the month of the period's end, projected
 * @param pricesSource where the prices come from
 * @param pricesChecked the day the prices were checked
 * @param warnings what the reader should know (unknown models, unreadable records, little data)
 * @param records usage records counted
 */
public record UsageReport(Instant from, Instant to, Grouping by, List<Row> rows, Totals total, List<Row> days,
    List<Row> topBatches, Plan plan, Plan.Verdict verdict, double daysOfData, double periodDays, double apiEquivalentPerMonth,
    Projection projection, String pricesSource, String pricesChecked, List<String> warnings, long records) {

  /** The total row: the whole period, with the plan's price for it. */
  public Row totalRow() {
    return new Row("total", total, plan.priceFor(periodDays));
  }

  /**
   * One row.
   *
   * @param key the period ({@code 2026-11-03}, {@code 2026-W45}, {@code 2026-11}), model, route or batch
   * @param planShareUsd the plan's price for the row's period (0 for rows that are not periods)
   */
  public record Row(String key, Totals totals, double planShareUsd) {
    /** What the subscription saved in the row: its work at API list prices less the plan's share. */
    public double savedUsd() {
      return totals.subscriptionValueUsd() - planShareUsd;
    }
  }

  /**
   * The month the period ends in, projected from the recent rate.
   *
   * @param month {@code 2026-12}
   * @param soFarUsd the month's work so far at API list prices
   * @param apiSoFarUsd the month's API spend so far
   * @param perDayUsd the recent rate: the last seven days' work (or fewer days of data) per day
   * @param apiPerDayUsd the recent API spend per day
   * @param daysLeft days from the period's end to the month's end
   */
  public record Projection(String month, double soFarUsd, double apiSoFarUsd, double perDayUsd, double apiPerDayUsd,
      double daysLeft) {
    /** The month's work at API list prices by its end, at the recent rate. */
    public double byMonthEndUsd() {
      return soFarUsd + perDayUsd * daysLeft;
    }

    /** The month's API spend by its end, at the recent rate. */
    public double apiByMonthEndUsd() {
      return apiSoFarUsd + apiPerDayUsd * daysLeft;
    }
  }
}
