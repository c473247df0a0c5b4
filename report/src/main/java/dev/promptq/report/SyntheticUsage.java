package dev.promptq.report;

import dev.promptq.usage.Tokens;
import dev.promptq.usage.UsageRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;

/**
 * Usage records as a worker group would write them over some days, from a seed: several models,
 * 70% answered by the subscription, 25% by the API, 5% errored; prompt caching on some jobs; a
 * nightly batch every third day; the five-hour window's utilisation varying and the seven-day one
 * climbing through the month. For benchmarks, the README's example and tests; never mixed with
 * real usage (the bench writes to its own topics).
 */
public final class SyntheticUsage {
  /** The models of today's API, most work on the cheaper ones. */
  public static final List<String> MODELS = List.of("claude-sonnet-5", "claude-sonnet-5", "claude-haiku-4-5",
      "claude-opus-5-5", "claude-sonnet-4-6");

  private SyntheticUsage() {}

  /**
   * Makes {@code perDay} records on each of {@code days} days from {@code start}, spread over each
   * day, and hands them to {@code sink} in time order.
   */
  public static void generate(Instant start, int days, int perDay, long seed, List<String> models,
      Consumer<UsageRecord> sink) {
    if (days < 1 || perDay < 1 || models.isEmpty()) {
      throw new IllegalArgumentException("days, perDay and models must be at least 1");
    }
    Random random = new Random(seed);
    long stepNanos = 80_000L * 1_000_000_000L / perDay;  // the jobs fill 80,000 s of each day
    for (int d = 0; d < days; d++) {
      Instant day = start.plus(Duration.ofDays(d)).plusSeconds(1800);
      for (int i = 0; i < perDay; i++) {
        Instant at = day.plusNanos(i * stepNanos);
        String model = models.get(random.nextInt(models.size()));
        int dice = random.nextInt(100);
        String route = dice < 70 ? "subscription" : dice < 95 ? "api" : null;
        Tokens t = route == null ? Tokens.NONE : new Tokens(random.nextInt(5000), random.nextInt(2000),
            random.nextInt(3) == 0 ? random.nextInt(20_000) : 0, random.nextInt(10) == 0 ? random.nextInt(40_000) : 0,
            random.nextInt(2) == 0 ? random.nextInt(100_000) : 0);
        String batch = d % 3 == 0 ? "nightly-" + d : null;
        Map<String, Double> windows = route == null ? Map.of()
            : Map.of("5h", 0.3 + 0.7 * random.nextDouble(), "7d", (d + 1.0) / (days + 2.0));
        sink.accept(new UsageRecord("job-" + d + "-" + i, at, route == null ? "errored" : "succeeded", route, "http",
            UsageRecord.SYNC, model, t, 0, null, batch, "w" + (i % 3), windows));
      }
    }
  }
}
