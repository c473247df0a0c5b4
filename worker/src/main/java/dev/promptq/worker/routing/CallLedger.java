package dev.promptq.worker.routing;

import dev.promptq.job.Job;
import dev.promptq.job.Route;
import dev.promptq.worker.anthropic.CallOutcome;
import dev.promptq.worker.quota.ApiLimits;
import dev.promptq.worker.quota.QuotaGovernor;
import dev.promptq.worker.quota.UnifiedRateLimit;
import dev.promptq.worker.spend.ApiSpend;
import java.util.Map;
import java.util.Optional;

/**
 * What a finished call tells the books: a subscription answer feeds the windows' estimates; an api
 * call settles what it reserved of the rate limits and counts its cost against the API budgets.
 * Thread-safe.
 */
final class CallLedger {
  private final QuotaGovernor quota;
  private final ApiSpend spend;

  CallLedger(QuotaGovernor quota, ApiSpend spend) {
    this.quota = quota;
    this.spend = spend;
  }

  /**
   * What the books made of a call.
   *
   * @param unified a subscription answer's unified rate-limit headers (empty otherwise)
   * @param cost an api answer's cost at list prices, or null without usage
   */
  record Entry(Optional<UnifiedRateLimit> unified, Double cost) {}

  Entry record(Route route, CallOutcome outcome, ApiLimits.Reservation reserved, Job job) {
    if (!(outcome instanceof CallOutcome.Answered a)) {
      cancel(reserved);  // no answer: what the call reserved goes back
      return new Entry(Optional.empty(), null);
    }
    if (route == Route.SUBSCRIPTION) {
      Optional<UnifiedRateLimit> unified = UnifiedRateLimit.from(a.headers());
      quota.answered(unified, a.status() == 429, a.body().path("model").asText(job.request().path("model")
          .asText(null)), a.ok() ? a.body().get("usage") : null, a.latencyMs());
      return new Entry(unified, null);
    }
    quota.apiLimits().settle(reserved, a.status(), a.body().get("usage"), a.headers(), quota.share());
    if (!a.body().has("usage")) {
      return new Entry(Optional.empty(), null);
    }
    double cost = spend.costOf(job.request().path("model").asText(), a.body().get("usage"));
    spend.record(cost, job.batch());
    return new Entry(Optional.empty(), cost);
  }

  /** Gives back what a call that never happened (or never got an answer) reserved. */
  void cancel(ApiLimits.Reservation reserved) {
    if (!reserved.equals(ApiLimits.Reservation.NONE)) {
      quota.apiLimits().settle(reserved, 0, null, Map.of(), quota.share());
    }
  }
}
