package dev.promptq.worker.quota;

import java.time.Instant;

/**
 * How many jobs one worker holds that may use the subscription, published on the control topic
 * every second (and at once when it starts or stops having any), so the group can share the
 * subscription's pace by demand rather than by partitions.
 *
 * @param worker the worker
 * @param jobs its jobs that may use the subscription: calling it, or waiting for it
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
