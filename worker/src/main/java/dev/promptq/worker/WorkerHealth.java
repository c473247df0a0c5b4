package dev.promptq.worker;

import dev.promptq.job.Route;
import dev.promptq.worker.anthropic.Transports;
import dev.promptq.worker.claudecli.ClaudeCliTransport;
import dev.promptq.worker.consume.JobLoop;
import dev.promptq.worker.control.ControlChannel;
import dev.promptq.worker.credentials.GroupCredentials;
import dev.promptq.worker.credentials.Refresher;
import dev.promptq.worker.ops.BrokerProbe;
import dev.promptq.worker.ops.HealthReport;
import dev.promptq.worker.ops.WorkerMetrics;
import dev.promptq.worker.routing.RouteGates;
import dev.promptq.worker.routing.Router;
import dev.promptq.worker.spend.ApiSpend;
import io.micrometer.core.instrument.Gauge;
import java.util.ArrayList;
import java.util.List;

/**
 * What a worker shows of itself: its {@code /health} report and its gauges, read from the parts
 * the {@link Worker} composed.
 *
 * @param refresher null when this worker never refreshes
 */
record WorkerHealth(WorkerConfig config, JobLoop loop, ControlChannel control, GroupCredentials credentials,
    Refresher refresher, Transports transports, RouteGates gates, BrokerProbe brokers) {

  HealthReport report() {
    GroupCredentials.Snapshot snap = credentials.snapshot();
    HealthReport.Subscription subscription = new HealthReport.Subscription(credentials.state(),
        snap == null ? null : snap.credentials().expiresAt(), snap != null && snap.revoked() ? snap.revokedError() : null,
        refresher != null && refresher.isLeader(), refresher == null ? null : refresher.problem().orElse(null));
    HealthReport.Transport transport = transports.subscription() instanceof ClaudeCliTransport cli
        ? new HealthReport.Transport(cli.name(), cli.version(), cli.running(), cli.queued())
        : new HealthReport.Transport(transports.subscription().name(), null, null, null);
    List<HealthReport.RouteState> routes = new ArrayList<>();
    for (Route r : Route.values()) {
      routes.add(gates.closure(r).map(b -> new HealthReport.RouteState(r.wireName(), false, b.reason(), b.until()))
          .orElse(new HealthReport.RouteState(r.wireName(), true, null, null)));
    }
    return new HealthReport(!loop.finished().isDone(), config.workerId(), config.groupId(), loop.assignment().size(),
        loop.inFlight(), brokers.reachable(), control.reading(), loop.faults(), subscription,
        config.credentials().apiKey().isPresent(), transport, routes);
  }

  /** Registers the worker's gauges. */
  void registerGauges(WorkerMetrics metrics, Router router, ApiSpend spend) {
    metrics.gauge("promptq.jobs.in.flight", "Jobs started and not yet finished", loop::inFlight);
    metrics.gauge("promptq.partitions.paused", "Job partitions paused by back-pressure (slots full or waiting)",
        loop::pausedPartitions);
    metrics.gauge("promptq.control.reader.running", "1 while this worker reads the control topic",
        () -> control.reading() ? 1 : 0);
    metrics.gauge("promptq.jobs.waiting", "Jobs waiting for a route (quota, budget, backoff) instead of calling",
        router::waitingJobs);
    metrics.gauge("promptq.api.spend.today", "The group's API spend today (UTC) in USD, as this worker knows it",
        spend::spentToday);
    if (config.apiBudgetPerDay() != null) {
      metrics.gauge("promptq.api.budget.day", "The group's API budget per UTC day in USD", config::apiBudgetPerDay);
    }
    Gauge.builder("promptq.credentials.expires.in", credentials::secondsUntilExpiry)
        .description("Seconds until the subscription's access token expires (negative once expired; NaN when unknown)")
        .baseUnit("seconds").register(metrics.registry());
    metrics.gauge("promptq.credentials.usable", "1 while this worker holds usable subscription credentials",
        () -> credentials.usable() ? 1 : 0);
    metrics.gauge("promptq.credentials.refresher", "1 while this worker is the group's credentials refresher",
        () -> refresher != null && refresher.isLeader() ? 1 : 0);
    for (Route r : Route.values()) {
      metrics.gauge("promptq.route.open", "1 while this worker may call the route, 0 while it is closed",
          () -> gates.isClosed(r) ? 0 : 1, "route", r.wireName());
    }
    if (transports.subscription() instanceof ClaudeCliTransport cli) {
      metrics.gauge("promptq.claude.cli.processes", "Claude Code processes running now", cli::running);
      metrics.gauge("promptq.claude.cli.queued", "Subscription calls waiting for a Claude Code process slot",
          cli::queued);
    }
  }
}
