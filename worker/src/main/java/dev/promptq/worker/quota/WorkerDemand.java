package dev.promptq.worker.quota;

import java.time.Instant;

/**
 * How many jobs one worker holds, published on the control topic every second (at once when it
 * starts holding some, or its partitions change), so the group shares the routes' limits by
 * demand rather than by partitions.
 *
 * @param worker the worker
 * @param jobs its jobs in hand: calling a route, or waiting for one
 * @param weight its weight in the group's shares: the most jobs it holds at once
 *     ({@code max.in.flight}) while it holds any or held some within {@link GroupDemand#HOLD}, else 0
 * @param partitionShare its share of the job partitions: what the others know it covers
 * @param at when it was published
 */
public record WorkerDemand(String worker, int jobs, int weight, double partitionShare, Instant at) {
  /** This figure as a worker that leaves the group publishes it: no jobs, no partitions. */
  public WorkerDemand leaving() {
    return new WorkerDemand(worker, 0, 0, 0, at);
  }
}
