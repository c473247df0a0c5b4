package dev.promptq.worker.lane;

import dev.promptq.config.Settings;
import java.time.Duration;
import java.util.List;

/**
 * How the batch lane gathers jobs into Message Batches and watches them.
 *
 * @param maxRequests requests per batch at most ({@code batch.lane.max.requests}; the API allows
 *     100,000)
 * @param maxBytes request bytes per batch at most ({@code batch.lane.max.bytes}; the API allows
 *     256 MB)
 * @param gather how long the first job of a batch waits for others before the batch goes
 *     ({@code batch.lane.gather.ms}, default 60 s)
 * @param poll how often an open batch is looked at ({@code batch.lane.poll.ms}, default 30 s; a
 *     {@code retry-after} answer waits longer)
 * @param minDeadline a {@code subscription_first} job the subscription cannot serve waits for a
 *     batch, rather than take the synchronous API, when its deadline is at least this far off
 *     ({@code batch.lane.min.deadline.ms}, default 24 h: a batch ends within a day)
 */
public record LaneSettings(int maxRequests, long maxBytes, Duration gather, Duration poll, Duration minDeadline) {
  public static final int API_MAX_REQUESTS = 100_000;
  public static final long API_MAX_BYTES = 256L * 1024 * 1024;

  /** The keys {@link #fromSettings} reads. */
  public static final List<String> KEYS = List.of("batch.lane.max.requests", "batch.lane.max.bytes",
      "batch.lane.gather.ms", "batch.lane.poll.ms", "batch.lane.min.deadline.ms");

  public LaneSettings {
    if (maxRequests < 1 || maxRequests > API_MAX_REQUESTS) {
      throw new IllegalArgumentException("batch.lane.max.requests: " + maxRequests + " (1 to " + API_MAX_REQUESTS + ")");
    }
    if (maxBytes < 1024 || maxBytes > API_MAX_BYTES) {
      throw new IllegalArgumentException("batch.lane.max.bytes: " + maxBytes + " (1024 to " + API_MAX_BYTES + ")");
    }
  }

  public static LaneSettings defaults() {
    return new LaneSettings(10_000, 64L * 1024 * 1024, Duration.ofSeconds(60), Duration.ofSeconds(30),
        Duration.ofHours(24));
  }

  public static LaneSettings fromSettings(Settings s) {
    LaneSettings d = defaults();
    return new LaneSettings(s.getInt("batch.lane.max.requests", d.maxRequests, 1, API_MAX_REQUESTS),
        s.getLong("batch.lane.max.bytes", d.maxBytes, 1024, API_MAX_BYTES),
        s.millis("batch.lane.gather.ms", d.gather, 10, 86_400_000L),
        s.millis("batch.lane.poll.ms", d.poll, 10, 86_400_000L),
        s.millis("batch.lane.min.deadline.ms", d.minDeadline, 0, 86_400_000L * 365));
  }
}
