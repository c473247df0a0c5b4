package dev.promptq.worker.routing;

import com.fasterxml.jackson.databind.JsonNode;
import dev.promptq.job.Job;
import dev.promptq.job.RoutePolicy;
import dev.promptq.worker.spend.ApiSpend;
import java.time.Duration;
import java.time.Instant;

/** Which jobs the batch lane may take: the operator's caps and the budgets hold there too. Thread-safe. */
final class LaneOffer {
  private final OperatorPolicy operator;
  private final ApiSpend spend;
  /** How far off a deadline must be for a job to wait for a Message Batch; null without a lane. */
  private volatile Duration minDeadline;

  LaneOffer(OperatorPolicy operator, ApiSpend spend) {
    this.operator = operator;
    this.spend = spend;
  }

  void offer(Duration d) {
    this.minDeadline = d;
  }

  /** An {@code api_batch} job may go: the operator allows it, it asks for no stream, its budgets are not spent. */
  boolean mayTake(Job job) {
    JsonNode stream = job.request().get("stream");
    return operator.refusal(job).isEmpty() && (stream == null || !stream.asBoolean(false))
        && spend.spentBudget(job.batch()).isEmpty();
  }

  /** A {@code subscription_first} job about to call the synchronous API whose deadline leaves time for a batch. */
  boolean canWait(JobRun run, Instant now) {
    Duration min = minDeadline;
    return min != null && run.mayLane && run.job.route() == RoutePolicy.SUBSCRIPTION_FIRST
        && run.job.deadline() != null && !Duration.between(now, run.job.deadline()).minus(min).isNegative();
  }
}
