package dev.promptq.worker.quota;

import java.time.Instant;

/**
 * What one worker spent in one subscription window, published on the control topic after each of
 * its subscription answers so every worker can add up the group's use of the window.
 *
 * @param window the window's name ({@code 5h}, {@code 7d})
 * @param worker the worker
 * @param start where the window began, as the worker reads it from the answer ({@code reset - length})
 * @param usd the worker's calls since {@code start}, at API list prices
 * @param utilization the window's utilisation in the worker's latest answer (which counted those calls)
 * @param averageUsd what the worker's calls cost on average, at list prices (NaN when not told): a
 *     worker that has no answer of its own yet counts the window's remainder in calls by it
 * @param at when it was published
 */
public record WindowUsage(String window, String worker, Instant start, double usd, double utilization,
    double averageUsd, Instant at) {}
