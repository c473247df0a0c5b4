package dev.promptq.worker;

import dev.promptq.job.JobCodec;
import dev.promptq.job.Route;
import dev.promptq.kafka.TopicSetup;
import dev.promptq.worker.anthropic.MessagesClient;
import dev.promptq.worker.anthropic.Transports;
import dev.promptq.worker.claudecli.ClaudeCliSettings;
import dev.promptq.worker.claudecli.ClaudeCliTransport;
import dev.promptq.worker.consume.JobLoop;
import dev.promptq.worker.consume.Loops;
import dev.promptq.worker.consume.ReplyPolicy;
import dev.promptq.worker.control.ControlChannel;
import dev.promptq.worker.control.FencedRefreshWrites;
import dev.promptq.worker.credentials.GroupCredentials;
import dev.promptq.worker.credentials.Refresher;
import dev.promptq.worker.credentials.RefresherElection;
import dev.promptq.worker.credentials.TokenEndpoint;
import dev.promptq.worker.lane.BatchLane;
import dev.promptq.worker.ops.BrokerProbe;
import dev.promptq.worker.ops.OpsServer;
import dev.promptq.worker.ops.WorkerActivity;
import dev.promptq.worker.quota.QuotaGovernor;
import dev.promptq.worker.quota.WindowEstimates;
import dev.promptq.worker.ops.WorkerMetrics;
import dev.promptq.worker.routing.CanceledBatches;
import dev.promptq.worker.routing.RouteGates;
import dev.promptq.worker.routing.Router;
import dev.promptq.worker.routing.TokenCounts;
import dev.promptq.worker.spend.ApiSpend;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import okhttp3.OkHttpClient;

/**
 * One member of a worker group: consumes jobs, runs each on the route its policy picks, publishes
 * results to the job's reply topic and dead letters for records that are not jobs, exactly once
 * by default.
 *
 * <pre>{@code
 * try (Worker worker = Worker.start(WorkerConfig.builder("127.0.0.1:9092")
 *     .credentials(new Credentials(Optional.of(oauthToken), Optional.of(apiKey))).build())) {
 *   worker.finished().join();
 * }
 * }</pre>
 *
 * <p>Threads: {@code promptq-worker-<id>} owns the Kafka consumer and the producer's transactions
 * and runs the {@link JobLoop}; {@code promptq-http-N} run API calls. {@link #close()} stops both.
 * Thread-safe.
 */
public final class Worker implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Worker.class);

  /** How often a worker publishes its view of the budgets for {@code ./promptq status}. */
  static final Duration QUOTA_VIEW_INTERVAL = Duration.ofSeconds(5);
  /** How often a worker holding jobs for the subscription says so to the group (shares follow demand). */
  static final Duration DEMAND_INTERVAL = Duration.ofSeconds(1);

  private final WorkerConfig config;
  private final Transports transports;
  private final RouteGates gates;
  private final ControlChannel control;
  private final GroupCredentials credentials;
  private final QuotaGovernor quota;
  private final Refresher refresher;
  private final RefresherElection election;
  private final OkHttpClient tokenHttp;  // the refresher's, only with a refresher
  private final WorkerMetrics metrics = new WorkerMetrics();
  private final OpsServer ops;
  private final KafkaClientMetrics kafkaMetrics;
  private final Admin admin;
  private final JobLoop loop;
  private final BatchLane lane;  // with an API key only
  private final Thread thread;
  private final AtomicBoolean closed = new AtomicBoolean();

  private Worker(WorkerConfig config, Clock clock) {
    this.config = config;
    config.requireSomeCredential();
    WorkerClients clients = new WorkerClients(config);
    this.admin = Admin.create(clients.admin());
    BrokerProbe brokers = new BrokerProbe(admin);
    try {
      brokers.requireBrokers(config.bootstrapServers());
      TopicSetup.ensure(admin, config.topics(), new TopicSetup.Spec(config.jobPartitions(), config.replicationFactor()),
          Duration.ofSeconds(60));
    } catch (RuntimeException e) {
      admin.close();
      throw e;
    }
    MessagesClient http;
    try {
      http = new MessagesClient(config.anthropicBaseUrl(), config.maxInFlight(), config.callTimeout());
      this.transports = transports(config, http);
    } catch (RuntimeException e) {
      admin.close();
      throw e;
    }
    this.gates = new RouteGates(config.router(), clock, config.workerId());
    this.quota = new QuotaGovernor(config.quota(), config.prices(), clock, config.workerId(), metrics.registry());
    gates.limitSubscription(() -> quota.estimates().cap(quota.share()));
    ApiSpend spend = new ApiSpend(config.prices(), config.apiBudgetPerDay(), config.apiBudgetPerBatch(), config.workerId(),
        clock);
    this.credentials = new GroupCredentials(config.credentials().oauthToken(), config.credentialSettings(), gates.subscription(), clock,
        config.workerId());
    this.control = new ControlChannel(config.topics().control(),
        new KafkaConsumer<>(clients.controlConsumer(), new ByteArrayDeserializer(), new ByteArrayDeserializer()),
        new KafkaProducer<>(clients.controlProducer(), new ByteArraySerializer(), new ByteArraySerializer()),
        gates, spend, credentials, config.workerId());
    spend.publishTo(control);
    credentials.publishTo(control);
    quota.estimates().publishTo(control::publish);
    control.applyWindowUsage(quota.estimates()::applyRemote);
    control.applyDemand(quota.demand()::applyRemote);
    CanceledBatches canceledBatches = new CanceledBatches();
    control.applyBatchCancels(canceledBatches::apply);
    quota.credit().ifPresent(c -> {
      c.publishTo(control::publish);
      c.closeWith((until, reason) -> gates.close(Route.SUBSCRIPTION, until, reason));
      control.applyCredit(t -> c.applyRemote(t.scope(), t.worker(), t.usd()));
    });
    try {
      control.start(Duration.ofSeconds(60));
      credentials.seedFromFile();
    } catch (RuntimeException e) {
      control.close();
      gates.close();
      quota.close();
      transports.close();
      admin.close();
      throw e;
    }
    if (credentials.shared() && config.credentialSettings().canRefresh()) {
      this.tokenHttp = new OkHttpClient.Builder().callTimeout(Duration.ofSeconds(30)).build();
      this.refresher = new Refresher(credentials, new TokenEndpoint(tokenHttp, config.credentialSettings().tokenUrl(),
          config.credentialSettings().clientId(), config.credentialSettings().scope(), clock),
          () -> new FencedRefreshWrites(new KafkaProducer<>(clients.refresherProducer(),
              new ByteArraySerializer(), new ByteArraySerializer()), config.topics().control()),
          control, config.credentialSettings(), config.workerId(), clock, metrics.registry());
      credentials.listen(refresher);
      this.election = new RefresherElection(new KafkaConsumer<>(clients.electionConsumer(),
          new ByteArrayDeserializer(), new ByteArrayDeserializer()), config.topics().control(), refresher,
          config.workerId()).start();
    } else {
      this.tokenHttp = null;
      this.refresher = null;
      this.election = null;
      if (credentials.shared()) {
        log.info("worker {} uses the group's credentials but never refreshes them (credentials.client.id not set)",
            config.workerId());
      }
    }
    Router router = new Router(transports, config.credentials().apiKey(), credentials, gates, control, spend, quota,
        config.router(), config.operatorPolicy(), config.workerId(), clock);
    router.honour(canceledBatches);
    ReplyPolicy replies = new ReplyPolicy(config.replyTopics(), config.topics(), config.gatewaySeal());
    JobCodec codec = new JobCodec(config.jobLimits());
    KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(clients.jobsConsumer(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
    // Kafka's own client metrics (lag, fetch and request rates, ...) as kafka.consumer.* meters.
    this.kafkaMetrics = new KafkaClientMetrics(consumer);
    kafkaMetrics.bindTo(metrics.registry());
    JobLoop.Settings settings = new JobLoop.Settings(config.maxInFlight(), config.commitInterval(), config.ordering(),
        config.revocationGrace(), Math.min(config.maxInFlight() - 1, (int) (config.maxInFlight() * config.interactiveShare())));
    this.lane = config.credentials().apiKey().map(key -> BatchLane.create(clients.laneConsumer(), clients.laneReader(),
        () -> new KafkaProducer<>(clients.laneProducer(), new ByteArraySerializer(), new ByteArraySerializer()),
        config.anthropicBaseUrl(), key, config.callTimeout(), config.lane(), config.topics(), codec, config.prices(),
        spend, config.workerId(), clock)).orElse(null);
    if (lane != null) {
      router.offerLane(config.lane().minDeadline());
    }
    TokenCounts counts = new TokenCounts(http, config.credentials().apiKey(), config.operatorPolicy(),
        config.workerId(), clock);
    Loops.Parts parts = new Loops.Parts(admin, router, counts, codec, config.topics(), replies, metrics, settings,
        config.resultMaxBytes(), clock, quota::windowsSeen, lane != null);
    this.loop = config.delivery() == Delivery.EXACTLY_ONCE
        ? Loops.exactlyOnce(consumer, () -> new KafkaProducer<>(clients.resultsProducer(true),
            new ByteArraySerializer(), new ByteArraySerializer()), parts)
        : Loops.atLeastOnce(consumer, new KafkaProducer<>(clients.resultsProducer(false), new ByteArraySerializer(),
            new ByteArraySerializer()), parts);
    loop.onAssignment(quota::reshare);
    quota.publishTo(control, QUOTA_VIEW_INTERVAL, config.workerId());
    quota.publishDemandTo(control::publish, DEMAND_INTERVAL, config.maxInFlight());
    control.reportErrors(metrics.recentErrors(), config.workerId());
    control.reportActivity(() -> activity(loop, gates, router, clock));
    this.thread = new Thread(loop, "promptq-worker-" + config.workerId());
    WorkerHealth health = new WorkerHealth(config, loop, control, credentials, refresher, transports, gates, brokers);
    health.registerGauges(metrics, router, spend);
    this.ops = config.opsPort() < 0 ? null
        : new OpsServer(config.opsBind(), config.opsPort(), config.workerId(), metrics,
            () -> health.report().toHealth());
  }

  /** What this worker does now, for {@code ./promptq status}. */
  private WorkerActivity activity(JobLoop loop, RouteGates gates, Router router, Clock clock) {
    Map<String, WorkerActivity.Window> windows = new java.util.TreeMap<>();
    Instant now = clock.instant();
    quota.windows().windows().forEach((name, w) -> {
      Optional<WindowEstimates.Estimate> e = quota.estimates().estimate(name);
      windows.put(name, new WorkerActivity.Window(w.utilization(), w.reset(),
          e.map(WindowEstimates.Estimate::capacityUsd).orElse(Double.NaN),
          e.map(WindowEstimates.Estimate::leftCalls).orElse(Double.NaN),
          e.map(x -> x.evenPerMinute(now)).orElse(Double.NaN)));
    });
    return new WorkerActivity(config.workerId(), loop.inFlight(), router.waitingJobs(), router.waitingFor(),
        metrics.recentActivity().finishedLastMinute(), metrics.recentActivity().byRoute(), credentials.state(),
        java.util.Arrays.stream(Route.values()).filter(gates::isClosed).map(Route::wireName).toList(), windows,
        quota.windows().binding(now).orElse(null), now);
  }

  /** {@code http} for both routes, or Claude Code's headless mode for the subscription; closes {@code http} if it fails. */
  private static Transports transports(WorkerConfig config, MessagesClient http) {
    if (config.claudeCli().isEmpty()) {
      return Transports.http(http);
    }
    try {
      ClaudeCliSettings cli = config.claudeCli().get();
      return Transports.withSubscription(http, new ClaudeCliTransport(cli, config.anthropicBaseUrl(),
          config.callTimeout()), cli.inexpressible());
    } catch (RuntimeException e) {
      http.close();
      throw e;
    }
  }

  /** Where {@code /metrics} and {@code /health} are served, when {@code ops.port} is set. */
  public Optional<InetSocketAddress> opsAddress() {
    return Optional.ofNullable(ops).map(OpsServer::address);
  }

  /** This worker's meters. */
  public WorkerMetrics metrics() {
    return metrics;
  }

  /**
   * Creates the topics if missing and starts consuming.
   *
   * @throws dev.promptq.worker.credentials.MissingCredentialsException if the config has no credential
   * @throws IllegalStateException if the topics cannot be created or checked
   */
  public static Worker start(WorkerConfig config) {
    return start(config, Clock.systemUTC());
  }

  /** As {@link #start(WorkerConfig)}, with the clock used for deadlines, commits and result times. */
  public static Worker start(WorkerConfig config, Clock clock) {
    Worker w = new Worker(config, clock);
    w.thread.start();
    if (w.lane != null) {
      w.lane.start();
    }
    log.info("worker {} started: group {}, jobs topic {}, {}, max {} in flight, {}, {}", config.workerId(),
        config.groupId(), config.topics().jobs(), config.credentials(), config.maxInFlight(),
        config.delivery().wireName(), config.gatewaySeal().map(g -> "gateway secret " + g.fingerprint())
            .orElse("no gateway secret"));
    return w;
  }

  public WorkerConfig config() {
    return config;
  }

  /** The job partitions this worker owns now. */
  public Set<TopicPartition> assignment() {
    return loop.assignment();
  }

  /** Jobs running now. */
  public int inFlight() {
    return loop.inFlight();
  }

  /** Completes when the worker first owns at least one job partition (it has joined its group). */
  public CompletableFuture<Void> firstAssignment() {
    return loop.firstAssignment();
  }

  /** Completes when the worker has stopped; exceptionally if its loop failed. */
  public CompletableFuture<Void> finished() {
    return loop.finished();
  }

  /** Stops with the configured shutdown grace. */
  @Override
  public void close() {
    close(config.shutdownGrace());
  }

  /**
   * Stops fetching, lets running jobs finish for up to {@code grace}, commits what is done (the
   * rest goes back to the group uncommitted), then closes the clients. Idempotent.
   */
  public void close(Duration grace) {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    loop.stop(grace);
    try {
      thread.join(grace.plusSeconds(30).toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    kafkaMetrics.close();
    if (lane != null) {
      lane.close();
    }
    quota.leave();  // the others take this worker's share at once
    if (election != null) {
      election.close();  // stops the refresher, then leaves the election
      tokenHttp.connectionPool().evictAll();
    }
    transports.close();
    quota.close();
    gates.close();
    control.close();
    if (ops != null) {
      ops.close();
    }
    admin.close(Duration.ofSeconds(10));
    log.info("worker {} stopped", config.workerId());
  }
}
