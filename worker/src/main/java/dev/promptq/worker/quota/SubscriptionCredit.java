package dev.promptq.worker.quota;

import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A dollar credit that programmatic use of the subscription draws on, for plans that have one
 * (announced by Anthropic for {@code claude -p} and the Agent SDK, then postponed: a setting, not a
 * rule in the code). Every subscription call counts at API list prices (Claude Code's own estimate
 * on that transport); the group adds up its workers' running totals per billing cycle, as
 * the API budgets do, and once the cycle's credit is spent, or an answer
 * says credit is required, the subscription is closed until the next cycle begins: jobs take the
 * next route their policy allows, or wait.
 *
 * <p>A cycle begins at 00:00 UTC on {@code resetDay} of each month. Thread-safe.
 */
public final class SubscriptionCredit {
  private static final Logger log = LoggerFactory.getLogger(SubscriptionCredit.class);
  /** The scopes of the credit's running totals on the control topic: {@code credit/<cycle start>}. */
  public static final String SCOPE_PREFIX = "credit/";
  /** The subscription gate's reason while the credit is spent. */
  public static final String SPENT = "subscription_credit_spent";

  private final double usd;
  private final int resetDay;
  private final String workerId;
  private final Clock clock;
  private volatile Publisher publisher = (s, w, u) -> { };
  private volatile BiConsumer<Instant, String> close = (until, why) -> { };
  /** cycle scope -> worker -> that worker's total. */
  private final Map<String, Map<String, Double>> totals = new HashMap<>();
  /** The cycle an answer said credit is required in, or null. */
  private String required;
  private String closedFor;

  public SubscriptionCredit(double usd, int resetDay, String workerId, Clock clock) {
    this.usd = usd;
    this.resetDay = resetDay;
    this.workerId = workerId;
    this.clock = clock;
  }

  /** Where a worker publishes its running total of a cycle; the control topic in production. */
  @FunctionalInterface
  public interface Publisher {
    void publish(String scope, String workerId, double usd);
  }

  /** Where this worker's running total goes (the control topic). */
  public void publishTo(Publisher p) {
    this.publisher = p;
  }

  /** What closes the subscription until an instant, for a reason: its gate. */
  public void closeWith(BiConsumer<Instant, String> closer) {
    this.close = closer;
  }

  /** Counts a subscription call of {@code callUsd} at list prices. */
  public void record(double callUsd) {
    String scope;
    double mine;
    synchronized (this) {
      scope = scope(cycleStart(clock.instant()));
      mine = totals.computeIfAbsent(scope, s -> new HashMap<>()).merge(workerId, callUsd, Double::sum);
    }
    publisher.publish(scope, workerId, mine);
    closeIfSpent();
  }

  /** Applies a worker's published total (this worker's own too: a restart goes on from it). */
  public void applyRemote(String scope, String worker, double total) {
    synchronized (this) {
      if (!scope.equals(scope(cycleStart(clock.instant())))) {
        return;  // another cycle's
      }
      totals.computeIfAbsent(scope, s -> new HashMap<>()).merge(worker, total, Math::max);
    }
    closeIfSpent();
  }

  /** An answer said credit is required: the subscription is closed until the next cycle. */
  public void required() {
    synchronized (this) {
      required = scope(cycleStart(clock.instant()));
    }
    closeIfSpent();
  }

  /** The group's spend of this cycle's credit, as this worker knows it. */
  public synchronized double spent() {
    Map<String, Double> byWorker = totals.get(scope(cycleStart(clock.instant())));
    return byWorker == null ? 0 : byWorker.values().stream().mapToDouble(Double::doubleValue).sum();
  }

  /** When the current cycle ends and the credit renews. */
  public Instant nextCycle() {
    LocalDate start = cycleStart(clock.instant());
    return start.plusMonths(1).atStartOfDay(ZoneOffset.UTC).toInstant();
  }

  private void closeIfSpent() {
    String scope;
    double spent;
    boolean byAnswer;
    synchronized (this) {
      scope = scope(cycleStart(clock.instant()));
      spent = spent();
      byAnswer = scope.equals(required);
      if ((spent < usd && !byAnswer) || scope.equals(closedFor)) {
        return;
      }
      closedFor = scope;
    }
    Instant until = nextCycle();
    log.warn("subscription: {}; the subscription is closed until the next cycle begins at {}", byAnswer
        ? "an answer says credit is required" : String.format(Locale.ROOT,
            "the credit of %.4f USD for this cycle is spent (%.4f USD, subscription.credit.usd)", usd, spent), until);
    close.accept(until, SPENT);
  }

  /** The first day of the cycle {@code at} falls in. */
  LocalDate cycleStart(Instant at) {
    LocalDate day = LocalDate.ofInstant(at, ZoneOffset.UTC);
    LocalDate thisMonth = day.withDayOfMonth(resetDay);
    return day.isBefore(thisMonth) ? thisMonth.minusMonths(1) : thisMonth;
  }

  private static String scope(LocalDate cycleStart) {
    return SCOPE_PREFIX + cycleStart;
  }
}
