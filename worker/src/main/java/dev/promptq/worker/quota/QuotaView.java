package dev.promptq.worker.quota;

import java.time.Instant;

/**
 * One worker's view of a route's budget, published on the control topic for {@code ./promptq status}.
 *
 * @param utilization the last unified utilisation seen (subscription), or NaN
 * @param reset the last unified reset seen, or null
 * @param status the last unified status seen, or null
 */
public record QuotaView(String route, String worker, int budget, long windowMs, double perWindow, int used,
    double utilization, Instant reset, String status, Instant at) {}
