package dev.promptq.worker.routing;

import dev.promptq.job.Job;
import dev.promptq.job.Route;
import dev.promptq.worker.anthropic.CallOutcome;
import dev.promptq.worker.quota.ApiLimits;
import dev.promptq.worker.quota.QuotaGovernor;
import dev.promptq.worker.quota.UnifiedRateLimit;
import dev.promptq.worker.spend.ApiSpend;
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
      String model = a.body().path("model").asText(job.request().path("model").asText(null));
      quota.answered(unified, a.status() == 429, model, a.ok() ? a.body().get("usage") : null, a.latencyMs());
      quota.credit().ifPresent(credit -> {
        if (a.ok() && a.body().has("usage")) {
          // Claude Code's own estimate on its transport, else the list price
          credit.record(a.cliCostUsd() != null ? a.cliCostUsd() : spend.costOf(model, a.body().get("usage")));
        } else if (creditRequired(a)) {
          credit.required();
        }
      });
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

  /**
   * True for a subscription answer that says the plan's credit is needed: a 402, or a refusal
   * whose message speaks of credit (the wording is Anthropic's to change; the route closes until
   * the next cycle either way).
   */
  static boolean creditRequired(CallOutcome.Answered a) {
    if (a.status() == 402) {
      return true;
    }
    String message = a.body().path("error").path("message").asText("").toLowerCase(java.util.Locale.ROOT);
    return a.status() >= 400 && a.status() < 500 && message.contains("credit");
  }

  /** Gives back what a call that never happened (or never got an answer) reserved. */
  void cancel(ApiLimits.Reservation reserved) {
    quota.apiLimits().release(reserved, quota.share());
  }
}
