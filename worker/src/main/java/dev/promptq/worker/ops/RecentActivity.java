package dev.promptq.worker.ops;

import dev.promptq.job.JobResult;
import java.time.Clock;
import java.util.Map;
import java.util.TreeMap;

/** Jobs a worker finished: in the last minute (60 one-second buckets) and since it started, by route. Thread-safe. */
public final class RecentActivity {
  private static final int SECONDS = 60;
  private final Clock clock;
  private final long[] secondOf = new long[SECONDS];
  private final int[] count = new int[SECONDS];
  private final Map<String, Long> byRoute = new TreeMap<>();

  public RecentActivity(Clock clock) {
    this.clock = clock;
  }

  public synchronized void onResult(JobResult r) {
    long now = clock.instant().getEpochSecond();
    int i = (int) Math.floorMod(now, (long) SECONDS);
    if (secondOf[i] != now) {
      secondOf[i] = now;
      count[i] = 0;
    }
    count[i]++;
    byRoute.merge(r.route() == null ? "none" : r.route().wireName(), 1L, Long::sum);
  }

  /** Jobs finished in the last 60 s. */
  public synchronized int finishedLastMinute() {
    long now = clock.instant().getEpochSecond();
    int sum = 0;
    for (int i = 0; i < SECONDS; i++) {
      if (now - secondOf[i] < SECONDS) {
        sum += count[i];
      }
    }
    return sum;
  }

  /** Jobs finished since start, by the route that answered. */
  public synchronized Map<String, Long> byRoute() {
    return Map.copyOf(byRoute);
  }
}
