package dev.promptq.worker.quota;

import java.time.Instant;

/**
 * How many jobs one worker holds that may use the subscription, published on the control topic
 * when it changes (at once when it starts or stops having any) and every second otherwise, so the
 * group can share the subscription's pace by demand rather than by partitions.
 *
 * @param worker the worker
 * @param jobs its jobs that may use the subscription: calling it, or waiting for it
 * @param at when it was published
 */
public record WorkerDemand(String worker, int jobs, Instant at) {}
