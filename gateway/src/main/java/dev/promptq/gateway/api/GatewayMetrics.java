package dev.promptq.gateway.api;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;

/**
 * The gateway's meters, per promptq key (by name, never the key): requests answered by status,
 * their time in the gateway, and the API spend of their jobs.
 */
public final class GatewayMetrics {
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

  void answered(String key, int status, long startNanos) {
    Counter.builder("promptq.gateway.requests").description("requests answered, by promptq key and HTTP status")
        .tag("key", key).tag("status", Integer.toString(status)).register(registry).increment();
    Timer.builder("promptq.gateway.request.duration").description("time from request to answer")
        .tag("key", key).register(registry).record(Duration.ofNanos(System.nanoTime() - startNanos));
  }

  void cost(String key, double usd) {
    Counter.builder("promptq.gateway.api.spend").baseUnit("usd")
        .description("what the API calls of the key's jobs cost, at list prices").tag("key", key)
        .register(registry).increment(usd);
  }

  /** Prometheus's text format. */
  public String scrape() {
    return registry.scrape();
  }
}
