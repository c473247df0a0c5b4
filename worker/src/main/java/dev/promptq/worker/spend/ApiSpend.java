package dev.promptq.worker.spend;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;

/**
 * The group's API spend today (UTC) against the daily budget. Each worker counts its own answers'
 * costs and publishes its running total for the day; it adds the latest totals the other workers
 * published. A budget is "left" while the sum is below it, so the group overshoots by at most the
 * cost of the calls in flight when it ran out (plus the calls others start in the moments before
 * they read the news, tens of milliseconds on one cluster).
 *
 * <p>Thread-safe.
 */
public final class ApiSpend {

  /** Where a worker publishes its running total; the control topic in production. */
  @FunctionalInterface
  public interface Publisher {
    void publish(String workerId, LocalDate day, double usd);
  }

  private final PriceTable prices;
  private final Double budgetPerDay;
  private final String workerId;
  private final Clock clock;
  private volatile Publisher publisher = (w, d, u) -> { };
  private LocalDate day;
  private double own;
  private final Map<String, Double> others = new HashMap<>();

  /**
   * @param budgetPerDay USD per UTC day for the whole group, or null for no limit
   */
  public ApiSpend(PriceTable prices, Double budgetPerDay, String workerId, Clock clock) {
    this.prices = prices;
    this.budgetPerDay = budgetPerDay;
    this.workerId = workerId;
    this.clock = clock;
    this.day = today();
  }

  public void publishTo(Publisher p) {
    this.publisher = p;
  }

  /** The cost of an answer's usage for {@code model}. */
  public double costOf(String model, JsonNode usage) {
    return prices.cost(model, usage);
  }

  /** Counts the cost of one of this worker's answers and publishes the day's total. */
  public void record(double usd) {
    LocalDate d;
    double total;
    synchronized (this) {
      rollOver();
      own += usd;
      d = day;
      total = own;
    }
    publisher.publish(workerId, d, total);
  }

  /**
   * Applies a published total. This worker's own totals raise its count too, so a worker restarted
   * under the same id goes on from what it had spent.
   */
  public synchronized void applyRemote(String worker, LocalDate forDay, double usd) {
    rollOver();
    if (!forDay.equals(day)) {
      return;
    }
    if (worker.equals(workerId)) {
      own = Math.max(own, usd);
    } else {
      others.merge(worker, usd, Math::max);
    }
  }

  /** True while today's group spend is below the budget (always, without a budget). */
  public synchronized boolean budgetLeft() {
    rollOver();
    return budgetPerDay == null || spentToday() < budgetPerDay;
  }

  /** The group's spend today, as this worker knows it. */
  public synchronized double spentToday() {
    rollOver();
    return own + others.values().stream().mapToDouble(Double::doubleValue).sum();
  }

  /** When today's budget renews (the next UTC midnight). */
  public synchronized Instant nextDay() {
    return day.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant();
  }

  public Double budgetPerDay() {
    return budgetPerDay;
  }

  private void rollOver() {
    LocalDate now = today();
    if (!now.equals(day)) {
      day = now;
      own = 0;
      others.clear();
    }
  }

  private LocalDate today() {
    return LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
  }
}
