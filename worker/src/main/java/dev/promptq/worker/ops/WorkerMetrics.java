package dev.promptq.worker.ops;

import dev.promptq.job.Attempt;
import dev.promptq.job.JobResult;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * A worker's Micrometer meters, in a Prometheus registry. Names are dotted and prefixed
 * {@code promptq.}; labels carry routes, outcomes and statuses, never job content or credentials.
 *
 * <table>
 *   <tr><th>meter</th><th>kind</th><th>labels</th></tr>
 *   <tr><td>promptq.jobs</td><td>counter</td><td>outcome, route</td></tr>
 *   <tr><td>promptq.calls</td><td>timer (histogram)</td><td>route, status</td></tr>
 *   <tr><td>promptq.api.cost</td><td>counter (USD)</td><td></td></tr>
 *   <tr><td>promptq.tokens</td><td>counter</td><td>route, direction (input, output)</td></tr>
 *   <tr><td>promptq.partitions.paused</td><td>gauge</td><td></td></tr>
 *   <tr><td>promptq.waits</td><td>timer</td><td>reason (e.g. api_budget_spent, subscription_quota_spent)</td></tr>
 *   <tr><td>promptq.dead.letters</td><td>counter</td><td></td></tr>
 *   <tr><td>promptq.results.replaced</td><td>counter</td><td>reason (result_too_large, reply_topic_unwritable)</td></tr>
 *   <tr><td>promptq.loop.faults</td><td>counter</td><td>kind</td></tr>
 *   <tr><td>promptq.control.reader.running</td><td>gauge (1 running)</td><td></td></tr>
 *   <tr><td>promptq.jobs.in.flight</td><td>gauge</td><td></td></tr>
 *   <tr><td>promptq.jobs.waiting</td><td>gauge</td><td></td></tr>
 *   <tr><td>promptq.route.open</td><td>gauge (1 open, 0 closed)</td><td>route</td></tr>
 *   <tr><td>promptq.api.spend.today, promptq.api.budget.day</td><td>gauges (USD)</td><td></td></tr>
 *   <tr><td>promptq.credentials.expires.in (seconds), promptq.credentials.usable, promptq.credentials.refresher</td><td>gauges</td><td></td></tr>
 *   <tr><td>promptq.credentials.refreshes</td><td>counter</td><td>outcome (success, unavailable, misconfigured, refused)</td></tr>
 *   <tr><td>promptq.quota.budget, .window, .share, .used, .pace, .utilization, .reset</td><td>gauges</td><td>route</td></tr>
 *   <tr><td>promptq.quota.permits</td><td>counter</td><td>route</td></tr>
 *   <tr><td>promptq.quota.permits.available, promptq.quota.waiting.threads</td><td>resilience4j's rate limiter meters</td><td>name</td></tr>
 *   <tr><td>kafka.consumer.*</td><td>Kafka's own metrics of the jobs consumer</td><td>Kafka's</td></tr>
 * </table>
 * Thread-safe.
 */
public final class WorkerMetrics {
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final RecentErrors recentErrors = new RecentErrors(java.time.Clock.systemUTC());
  private final RecentActivity recentActivity = new RecentActivity(java.time.Clock.systemUTC());

  /** The last errors of this worker, for status. */
  public RecentErrors recentErrors() {
    return recentErrors;
  }

  /** The jobs this worker finished lately, for status. */
  public RecentActivity recentActivity() {
    return recentActivity;
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** Registers a gauge read when scraped. */
  public void gauge(String name, String description, Supplier<Number> value, String... tags) {
    Gauge.builder(name, value).description(description).tags(tags).register(registry);
  }

  /** Counts a finished job and its calls. */
  public void onResult(JobResult r) {
    recentErrors.onResult(r);
    recentActivity.onResult(r);
    Counter.builder("promptq.jobs").description("Jobs finished, by outcome and the route that answered")
        .tag("outcome", r.outcome().wireName()).tag("route", r.route() == null ? "none" : r.route().wireName())
        .register(registry).increment();
    for (Attempt a : r.attempts()) {
      Timer.builder("promptq.calls").description("Messages API calls, by route and HTTP status (0: no answer)")
          .tag("route", a.route().wireName()).tag("status", Integer.toString(a.status()))
          .publishPercentileHistogram().register(registry).record(Duration.ofMillis(a.latencyMs()));
    }
    for (dev.promptq.job.Wait w : r.waits()) {
      Timer.builder("promptq.waits").description("Time jobs waited for a route instead of calling, by reason")
          .tag("reason", w.reason()).register(registry).record(Duration.ofMillis(w.millis()));
    }
    if (r.usage() != null && r.route() != null) {
      for (String direction : new String[] {"input", "output"}) {
        long tokens = r.usage().path(direction + "_tokens").asLong(0);
        if (tokens > 0) {
          Counter.builder("promptq.tokens").description("Tokens of answered jobs, by route and direction")
              .tag("route", r.route().wireName()).tag("direction", direction).register(registry).increment(tokens);
        }
      }
    }
    double cost = r.apiCostUsd();
    if (cost > 0) {
      Counter.builder("promptq.api.cost").description("API spend in USD, from answers' usage and the price table")
          .baseUnit("usd").register(registry).increment(cost);
    }
  }

  public void onDeadLetter(String origin, String reason) {
    recentErrors.onDeadLetter(origin, reason);
    Counter.builder("promptq.dead.letters").description("Records that were not valid jobs, sent to the DLQ")
        .register(registry).increment();
  }

  /** Counts a result replaced by a small errored one because it could not be written ({@code reason}). */
  public void onResultReplaced(String reason) {
    Counter.builder("promptq.results.replaced")
        .description("Results replaced by a small errored result because Kafka could not take them, by reason")
        .tag("reason", reason).register(registry).increment();
  }

  /** Counts a failure of the job loop's own machinery that it recovered from ({@code kind}). */
  public void onLoopFault(String kind) {
    Counter.builder("promptq.loop.faults")
        .description("Faults of the job loop it recovered from (a Kafka call that failed), by kind")
        .tag("kind", kind).register(registry).increment();
  }

  /** The Prometheus text exposition of every meter. */
  public String scrape() {
    return registry.scrape();
  }
}
