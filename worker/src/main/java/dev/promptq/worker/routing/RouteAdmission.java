package dev.promptq.worker.routing;

import dev.promptq.job.Job;
import dev.promptq.job.Route;
import dev.promptq.worker.credentials.SubscriptionGate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import dev.promptq.worker.quota.ApiLimits;
import dev.promptq.worker.quota.QuotaGovernor;
import dev.promptq.worker.spend.ApiSpend;
import java.util.concurrent.CompletableFuture;

/**
 * Whether a job may call a route now, taking the route's gate, the subscription's even pace for
 * work that can only wait, the api's rate limits by tokens, this worker's share of the route's
 * budget and the API budget together: all of them, or none (a gate slot taken before the quota
 * said no goes back at once). Thread-safe.
 */
final class RouteAdmission {
  private final RouteGates gates;
  private final QuotaGovernor quota;
  private final ApiSpend spend;

  RouteAdmission(RouteGates gates, QuotaGovernor quota, ApiSpend spend) {
    this.gates = gates;
    this.quota = quota;
    this.spend = spend;
  }

  /** What {@link #admit} answers. */
  sealed interface Entry {}

  /**
   * Call now; the permit goes back through {@link RouteGates#exit} or {@link #release}, the
   * api's reservation through {@link ApiLimits#settle}.
   */
  record Admitted(RouteGates.Permit permit, ApiLimits.Reservation reserved) implements Entry {}

  /** The route is open but this worker's share of its budget has no permit due before {@code next}. */
  record Paced(CompletableFuture<Void> next) implements Entry {}

  /** The route's gate is closed, or open for one call at a time and taken. */
  record Blocked(RouteGates.Blocked gate) implements Entry {}

  /** The API budget (of the day or of the job's batch) is spent. */
  record BudgetSpent(String why) implements Entry {}

  /**
   * Admits a call of {@code job} on {@code route}, or says why not. A job that must wait for a
   * permit waits in the order of its deadline (earliest first; none last): callers who wait for
   * the answer (the gateway's) come before batch work.
   *
   * @param canOnlyWait no route is left after this one: a subscription call then keeps to the
   *     pace that spends the windows' remainder evenly until their reset (without a configured
   *     budget, which paces evenly itself)
   */
  Entry admit(Route route, Job job, boolean canOnlyWait, ApiLimits.Reservation apiNeed) {
    String batch = job.batch();
    if (route == Route.API) {
      String spent = spend.spentBudget(batch).orElse(null);
      if (spent != null) {
        return new BudgetSpent(spent);
      }
    }
    RouteGates.Entry entry = gates.enter(route);
    if (entry instanceof RouteGates.Permit permit) {
      // a configured budget paces evenly itself (and slows when the answers run ahead of it)
      if (canOnlyWait && route == Route.SUBSCRIPTION && !quota.paces(Route.SUBSCRIPTION)) {
        Optional<Instant> due = quota.estimates().pace(quota.share());
        if (due.isPresent()) {
          gates.release(permit);
          return new Paced(gates.at(due.get()));
        }
      }
      ApiLimits.Reservation reserved = ApiLimits.Reservation.NONE;
      if (route == Route.API) {
        Optional<Instant> due = quota.apiLimits().tryReserve(apiNeed, quota.share());
        if (due.isPresent()) {
          gates.release(permit);
          return new Paced(gates.at(due.get()));
        }
        reserved = apiNeed;
      }
      if (quota.tryAcquire(route)) {
        return new Admitted(permit, reserved);
      }
      gates.release(permit);
      quota.apiLimits().release(reserved, quota.share());  // not called: all of it back
      return new Paced(quota.nextPermit(route, job.deadline()));
    }
    return new Blocked((RouteGates.Blocked) entry);
  }

  /** Gives back a permit whose call never started. */
  void release(RouteGates.Permit permit) {
    gates.release(permit);
  }

  /** A job's next step across the routes of its policy. */
  sealed interface Choice {}

  /** Call {@code permit}'s route now, with what it reserved of the api's rate limits. */
  record Call(RouteGates.Permit permit, ApiLimits.Reservation reserved) implements Choice {}

  /**
   * Wait: for the first closed route's gate to change (when one is closed) or any of the paced
   * routes' next permits, whichever comes first.
   *
   * @param reason what the job waits for, for its result's waits
   * @param firstBlocked the first closed route's gate, or null
   * @param budgetSpent why the API budget stopped the api route, or null
   */
  record Wait(String reason, RouteGates.Blocked firstBlocked, List<CompletableFuture<Void>> permits,
      String budgetSpent) implements Choice {}

  /** No route is left to call or wait for. @param budgetSpent why the API budget stopped the api route, or null */
  record NoRoute(String budgetSpent) implements Choice {}

  /**
   * Tries the job's {@code routes} in order, skipping {@code excluded}: the first that admits a
   * call is called; a paced route lets the next one be tried; a closed route does too, unless it
   * takes one call at a time, new credentials are on their way, or the subscription's window
   * figures are settling (waiting is cheaper than a fallback then).
   */
  Choice choose(List<Route> routes, Set<Route> excluded, Job job, ApiLimits.Reservation apiNeed) {
    RouteGates.Blocked firstBlocked = null;
    String firstReason = null;
    String budgetSpent = null;
    List<CompletableFuture<Void>> permits = new ArrayList<>();
    List<Route> open = routes.stream().filter(r -> !excluded.contains(r)).toList();
    for (Route route : open) {
      Entry entry = admit(route, job, route == open.get(open.size() - 1), apiNeed);
      if (entry instanceof Admitted admitted) {
        permits.forEach(f -> f.cancel(false));
        return new Call(admitted.permit(), admitted.reserved());
      }
      if (entry instanceof BudgetSpent spent) {
        budgetSpent = spent.why();
        continue;
      }
      if (entry instanceof Paced paced) {
        permits.add(paced.next());
        firstReason = firstReason == null ? route.wireName() + "_paced" : firstReason;
        continue;
      }
      RouteGates.Blocked blocked = ((Blocked) entry).gate();
      if (firstBlocked == null) {
        firstBlocked = blocked;
      }
      firstReason = firstReason == null ? blocked.reason() : firstReason;
      if (freesSoon(blocked)) {
        break;
      }
    }
    if (firstBlocked == null && permits.isEmpty()) {
      return new NoRoute(budgetSpent);
    }
    return new Wait(budgetSpent != null ? "api_budget_spent" : firstReason, firstBlocked, permits, budgetSpent);
  }

  /**
   * True when a blocked route frees soon (a slot, new credentials, a window's settling figures):
   * waiting is cheaper than falling back to the next route then.
   */
  private static boolean freesSoon(RouteGates.Blocked b) {
    return b.until() == null || b.reason().equals(SubscriptionGate.REFRESHING)
        || b.reason().equals(InFlightLimit.SETTLING);
  }
}
