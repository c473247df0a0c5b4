package dev.promptq.worker.quota;

import dev.promptq.job.Route;
import io.github.resilience4j.micrometer.tagged.RateLimiterMetricNames;
import io.github.resilience4j.micrometer.tagged.TaggedRateLimiterMetrics;
import io.github.resilience4j.ratelimiter.RateLimiterRegistry;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;

/**
 * The {@link QuotaGovernor}'s meters: each budget's permits, share, pace and use; the last unified
 * headers per route; this worker's part in the group's demand. The windows'
 * own meters are {@link WindowsSeen}'s.
 */
final class QuotaMeters {
  private QuotaMeters() {}

  static void register(MeterRegistry meters, RateLimiterRegistry registry, Map<Route, RoutePermits> permits,
      QuotaGovernor governor) {
    // resilience4j's own meters of the limiters, under promptq's names
    TaggedRateLimiterMetrics.ofRateLimiterRegistry(RateLimiterMetricNames.custom()
        .availablePermissionsMetricName("promptq.quota.permits.available")
        .waitingThreadsMetricName("promptq.quota.waiting.threads").build(), registry).bindTo(meters);
    for (Map.Entry<Route, RoutePermits> e : permits.entrySet()) {
      Route r = e.getKey();
      RoutePermits p = e.getValue();
      String route = r.wireName();
      Gauge.builder("promptq.quota.budget", p, x -> x.budget().requests())
          .description("The group's budget of requests per window for the route").tag("route", route).register(meters);
      Gauge.builder("promptq.quota.window.seconds", p, x -> x.budget().window().toSeconds())
          .description("The budget's window").tag("route", route).register(meters);
      Gauge.builder("promptq.quota.share", p, RoutePermits::perWindow)
          .description("This worker's requests per window: its share of the budget at its pace").tag("route", route)
          .register(meters);
      Gauge.builder("promptq.quota.pace", p, RoutePermits::pace)
          .description("1 at the budget's full rate; less when the route's answers say it runs ahead")
          .tag("route", route).register(meters);
      Gauge.builder("promptq.quota.used", p, RoutePermits::usedInWindow)
          .description("This worker's calls on the route within the budget's last window").tag("route", route)
          .register(meters);
      Gauge.builder("promptq.quota.utilization", governor, g -> g.lastSeen(r).map(UnifiedRateLimit::utilization)
              .orElse(Double.NaN))
          .description("The route's utilisation as its last answer reported it (subscription: the five-hour figure)")
          .tag("route", route).register(meters);
      Gauge.builder("promptq.quota.reset", governor, g -> g.lastSeen(r).map(UnifiedRateLimit::resetAt)
              .map(t -> (double) t.getEpochSecond()).orElse(Double.NaN))
          .description("When the route's window resets, as its last answer reported it (epoch seconds)")
          .baseUnit("seconds").tag("route", route).register(meters);
      FunctionCounter.builder("promptq.quota.permits", p, RoutePermits::granted)
          .description("Permits this worker took for calls on the route").tag("route", route).register(meters);
    }
    for (int i = 0; i < 3; i++) {
      int b = i;
      String bucket = governor.apiLimits().buckets().get(i).name();
      Gauge.builder("promptq.quota.api.limit", governor, g -> g.apiLimits().buckets().get(b).limit())
          .description("The API key's limit per minute for the bucket, as its answers (or the settings) say; NaN while "
              + "unknown").tag("bucket", bucket).register(meters);
      Gauge.builder("promptq.quota.api.remaining", governor, g -> g.apiLimits().buckets().get(b).remaining())
          .description("What the API key had left in the bucket at its latest answer").tag("bucket", bucket)
          .register(meters);
      Gauge.builder("promptq.quota.api.level", governor, g -> g.apiLimits().buckets().get(b).level())
          .description("This worker's share of the bucket now, less what its calls in flight reserved")
          .tag("bucket", bucket).register(meters);
    }
    Gauge.builder("promptq.quota.demand.jobs", governor, g -> g.demand().own())
        .description("This worker's jobs in hand: calling a route or waiting for one").register(meters);
    Gauge.builder("promptq.quota.demand.share", governor, QuotaGovernor::share)
        .description("This worker's share of the routes' limits: among the workers holding jobs while it holds some, "
            + "else of the job partitions").register(meters);
  }
}
