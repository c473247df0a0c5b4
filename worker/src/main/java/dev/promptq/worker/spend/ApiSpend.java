package dev.promptq.worker.spend;

import com.fasterxml.jackson.databind.JsonNode;
import dev.promptq.usage.PriceTable;
import dev.promptq.usage.Tokens;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The group's API spend against its budgets: one per UTC day, and one per batch (jobs that name
 * the same {@code batch}). Each worker counts its own answers' costs per scope ({@code day/<date>},
 * {@code batch/<id>}) and publishes its running total; it adds the latest totals the other workers
 * published. A budget is spent once the sum reaches it, so the group overshoots by at most the cost
 * of the calls in flight when it ran out (plus calls others start in the moments before they read
 * the news: tens of milliseconds on one cluster).
 *
 * <p>Thread-safe.
 */
public final class ApiSpend {

  /** Where a worker publishes its running total of a scope; the control topic in production. */
  @FunctionalInterface
  public interface Publisher {
    void publish(String scope, String workerId, double usd);
  }

  private static final Logger log = LoggerFactory.getLogger(ApiSpend.class);

  private final PriceTable prices;
  private final Set<String> unpriced = ConcurrentHashMap.newKeySet();
  private final Double budgetPerDay;
  private final Double budgetPerBatch;
  private final String workerId;
  private final Clock clock;
  private volatile Publisher publisher = (s, w, u) -> { };
  private String today;
  /** scope -> worker -> that worker's total. */
  private final Map<String, Map<String, Double>> totals = new HashMap<>();

  /**
   * @param budgetPerDay USD per UTC day for the whole group, or null for no limit
   * @param budgetPerBatch USD per batch id for the whole group, or null for no limit
   */
  public ApiSpend(PriceTable prices, Double budgetPerDay, Double budgetPerBatch, String workerId, Clock clock) {
    this.prices = prices;
    this.budgetPerDay = budgetPerDay;
    this.budgetPerBatch = budgetPerBatch;
    this.workerId = workerId;
    this.clock = clock;
    this.today = dayScope();
  }

  public void publishTo(Publisher p) {
    this.publisher = p;
  }

  /**
   * The cost of an answer's usage for {@code model}, at list prices. A model the price table does
   * not know counts at the table's highest prices, so the budgets err on the safe side; the first
   * answer of each such model logs a warning saying so.
   */
  public double costOf(String model, JsonNode usage) {
    if (prices.find(model).isEmpty() && unpriced.add(String.valueOf(model))) {
      PriceTable.ModelPrice high = prices.highest();
      log.warn("model {} is not in the price table (checked {}): its API answers count at the table's highest prices "
          + "({} / {} USD per million input / output tokens) against the budgets; add it with prices.file or api.prices",
          model, prices.checked(), high.input(), high.output());
    }
    return prices.budgetCost(model, Tokens.fromUsage(usage), false);
  }

  /** Counts the cost of one of this worker's answers (for a job of {@code batch}, or null). */
  public void record(double usd, String batch) {
    double day;
    double forBatch = 0;
    String dayScope;
    synchronized (this) {
      rollOver();
      dayScope = today;
      day = add(today, usd);
      if (batch != null) {
        forBatch = add(batchScope(batch), usd);
      }
    }
    publisher.publish(dayScope, workerId, day);
    if (batch != null) {
      publisher.publish(batchScope(batch), workerId, forBatch);
    }
  }

  /**
   * Applies a published total. This worker's own totals count too, so a worker restarted under the
   * same id goes on from what it had spent.
   */
  public synchronized void applyRemote(String scope, String worker, double usd) {
    rollOver();
    if (scope.startsWith("day/") && !scope.equals(today)) {
      return;
    }
    totals.computeIfAbsent(scope, s -> new HashMap<>()).merge(worker, usd, Math::max);
  }

  /**
   * Which budget a job of {@code batch} (or null) would exceed now: empty while both have money
   * left, else a message naming the budget.
   */
  public synchronized Optional<String> spentBudget(String batch) {
    rollOver();
    if (budgetPerDay != null && sum(today) >= budgetPerDay) {
      return Optional.of(String.format(Locale.ROOT,
          "the group's API budget of %.2f USD for today is spent (api.budget.usd.per.day)", budgetPerDay));
    }
    if (batch != null && budgetPerBatch != null && sum(batchScope(batch)) >= budgetPerBatch) {
      return Optional.of(String.format(Locale.ROOT,
          "the API budget of %.2f USD of batch %s is spent (api.budget.usd.per.batch)", budgetPerBatch, batch));
    }
    return Optional.empty();
  }

  /** True if the day's budget, not only a batch's, is spent: it renews at {@link #nextDay()}. */
  public synchronized boolean dayBudgetSpent() {
    rollOver();
    return budgetPerDay != null && sum(today) >= budgetPerDay;
  }

  /** The group's spend today, as this worker knows it. */
  public synchronized double spentToday() {
    rollOver();
    return sum(today);
  }

  /** When the day's budget renews (the next UTC midnight). */
  public Instant nextDay() {
    return LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC).plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant();
  }

  private double add(String scope, double usd) {
    return totals.computeIfAbsent(scope, s -> new HashMap<>()).merge(workerId, usd, Double::sum);
  }

  private double sum(String scope) {
    Map<String, Double> byWorker = totals.get(scope);
    return byWorker == null ? 0 : byWorker.values().stream().mapToDouble(Double::doubleValue).sum();
  }

  private void rollOver() {
    String now = dayScope();
    if (!now.equals(today)) {
      totals.remove(today);
      today = now;
    }
  }

  private String dayScope() {
    return dayScope(clock.instant());
  }

  /** The scope of the UTC day of {@code at}: {@code day/yyyy-mm-dd}. */
  public static String dayScope(Instant at) {
    return "day/" + LocalDate.ofInstant(at, ZoneOffset.UTC);
  }

  private static String batchScope(String batch) {
    return "batch/" + batch;
  }
}
