package dev.promptq.worker;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
import dev.promptq.worker.control.RefresherWrites;
import dev.promptq.worker.credentials.GroupCredentials;
import dev.promptq.worker.credentials.Refresher;
import dev.promptq.worker.credentials.RefresherElection;
import dev.promptq.worker.credentials.TokenEndpoint;
import dev.promptq.worker.ops.OpsServer;
import dev.promptq.worker.quota.QuotaGovernor;
import dev.promptq.worker.ops.WorkerMetrics;
import dev.promptq.worker.routing.RouteGates;
import dev.promptq.worker.routing.Router;
import dev.promptq.worker.spend.ApiSpend;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
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
  private final Thread thread;
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile Instant brokerCheckedAt;
  private volatile boolean brokerReachable;
  private final ObjectMapper json = JobCodec.newMapper();

  private Worker(WorkerConfig config, Clock clock) {
    this.config = config;
    requireSomeCredential(config);
    this.admin = Admin.create(clientProperties(config, Map.of()));
    try {
      requireBrokers(admin, config.bootstrapServers());
      TopicSetup.ensure(admin, config.topics(), new TopicSetup.Spec(config.jobPartitions(), config.replicationFactor()),
          Duration.ofSeconds(60));
    } catch (RuntimeException e) {
      admin.close();
      throw e;
    }
    try {
      this.transports = transports(config);
    } catch (RuntimeException e) {
      admin.close();
      throw e;
    }
    this.gates = new RouteGates(config.router(), clock, config.workerId());
    ApiSpend spend = new ApiSpend(config.prices(), config.apiBudgetPerDay(), config.apiBudgetPerBatch(), config.workerId(),
        clock);
    this.credentials = new GroupCredentials(config.credentials().oauthToken(), config.credentialSettings(), gates.subscription(), clock,
        config.workerId());
    this.control = new ControlChannel(config.topics().control(),
        new KafkaConsumer<>(controlConsumerProperties(config), new ByteArrayDeserializer(), new ByteArrayDeserializer()),
        new KafkaProducer<>(controlProducerProperties(config), new ByteArraySerializer(), new ByteArraySerializer()),
        gates, spend, credentials, config.workerId());
    spend.publishTo(control);
    credentials.publishTo(control);
    try {
      control.start(Duration.ofSeconds(60));
      credentials.seedFromFile();
    } catch (RuntimeException e) {
      control.close();
      gates.close();
      transports.close();
      admin.close();
      throw e;
    }
    if (credentials.shared() && config.credentialSettings().canRefresh()) {
      this.tokenHttp = new OkHttpClient.Builder().callTimeout(Duration.ofSeconds(30)).build();
      this.refresher = new Refresher(credentials, new TokenEndpoint(tokenHttp, config.credentialSettings().tokenUrl(),
          config.credentialSettings().clientId(), config.credentialSettings().scope(), clock),
          () -> new RefresherWrites(new KafkaProducer<>(refresherProducerProperties(config),
              new ByteArraySerializer(), new ByteArraySerializer()), config.topics().control()),
          control, config.credentialSettings(), config.workerId(), clock, metrics.registry());
      credentials.listen(refresher);
      this.election = new RefresherElection(new KafkaConsumer<>(electionConsumerProperties(config),
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
    this.quota = new QuotaGovernor(config.quota(), clock, config.workerId(), metrics.registry());
    Router router = new Router(transports, config.credentials().apiKey(), credentials, gates, control, spend, quota,
        config.router(), config.operatorPolicy(), config.workerId(), clock);
    ReplyPolicy replies = new ReplyPolicy(config.replyTopics(), config.topics());
    JobCodec codec = new JobCodec(config.jobLimits());
    KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(consumerProperties(config), new ByteArrayDeserializer(), new ByteArrayDeserializer());
    // Kafka's own client metrics (lag, fetch and request rates, ...) as kafka.consumer.* meters.
    this.kafkaMetrics = new KafkaClientMetrics(consumer);
    kafkaMetrics.bindTo(metrics.registry());
    JobLoop.Settings settings = new JobLoop.Settings(config.maxInFlight(), config.commitInterval(), config.ordering(),
        config.revocationGrace());
    Loops.Parts parts = new Loops.Parts(admin, router, codec, config.topics(), replies, metrics, settings,
        config.resultMaxBytes(), clock);
    this.loop = config.delivery() == Delivery.EXACTLY_ONCE
        ? Loops.exactlyOnce(consumer, () -> new KafkaProducer<>(producerProperties(config, true),
            new ByteArraySerializer(), new ByteArraySerializer()), parts)
        : Loops.atLeastOnce(consumer, new KafkaProducer<>(producerProperties(config, false), new ByteArraySerializer(),
            new ByteArraySerializer()), parts);
    loop.onAssignment(quota::reshare);
    quota.publishTo(control, QUOTA_VIEW_INTERVAL, config.workerId());
    control.reportErrors(metrics.recentErrors(), config.workerId());
    this.thread = new Thread(loop, "promptq-worker-" + config.workerId());
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
    io.micrometer.core.instrument.Gauge.builder("promptq.credentials.expires.in", credentials::secondsUntilExpiry)
        .description("Seconds until the subscription's access token expires (negative once expired; NaN when unknown)")
        .baseUnit("seconds").register(metrics.registry());
    metrics.gauge("promptq.credentials.usable", "1 while this worker holds usable subscription credentials",
        () -> credentials.state().equals("live") || credentials.state().equals("static") ? 1 : 0);
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
    this.ops = config.opsPort() < 0 ? null
        : new OpsServer(config.opsBind(), config.opsPort(), config.workerId(), metrics, this::health);
  }

  /** HTTP for both routes, or Claude Code's headless mode for the subscription. */
  private static Transports transports(WorkerConfig config) {
    MessagesClient http = new MessagesClient(config.anthropicBaseUrl(), config.maxInFlight(), config.callTimeout());
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

  /** What {@code /health} says: up while the loop runs, with its partitions, load and routes. */
  private OpsServer.Health health() {
    boolean up = !loop.finished().isDone();
    ObjectNode h = json.createObjectNode();
    h.put("status", up ? "UP" : "DOWN");
    h.put("worker", config.workerId());
    h.put("group", config.groupId());
    h.put("partitions", loop.assignment().size());
    h.put("in_flight", loop.inFlight());
    boolean reachable = brokerReachable();
    h.putObject("kafka").put("reachable", reachable);
    h.putObject("control").put("reading", control.reading());
    h.put("loop_faults", loop.faults());
    h.put("ready", up && reachable && control.reading() && !loop.assignment().isEmpty());
    ObjectNode creds = h.putObject("credentials");
    ObjectNode sub = creds.putObject("subscription").put("state", credentials.state());
    GroupCredentials.Snapshot snap = credentials.snapshot();
    if (snap != null && snap.credentials().expiresAt() != null) {
      sub.put("expires_at", snap.credentials().expiresAt().toString());
    }
    if (snap != null && snap.revoked()) {
      sub.put("error", snap.revokedError()).put("fix", "sign in again and run ./promptq credentials import");
    }
    sub.put("refresher", refresher != null && refresher.isLeader());
    if (refresher != null) {
      refresher.problem().ifPresent(p -> sub.put("refresh_problem", p));
    }
    creds.put("api", config.credentials().apiKey().isPresent());
    ObjectNode transport = h.putObject("subscription_transport").put("name", transports.subscription().name());
    if (transports.subscription() instanceof ClaudeCliTransport cli) {
      transport.put("version", cli.version()).put("running", cli.running()).put("queued", cli.queued());
    }
    ObjectNode routes = h.putObject("routes");
    for (Route r : Route.values()) {
      ObjectNode route = routes.putObject(r.wireName());
      gates.closure(r).ifPresentOrElse(
          b -> route.put("open", false).put("reason", b.reason()).put("until", b.until().toString()),
          () -> route.put("open", true));
    }
    return new OpsServer.Health(up, h.toString());
  }

  /** How long a starting worker waits for any broker to answer before it gives up. */
  static final Duration BROKER_WAIT = Duration.ofSeconds(10);

  /**
   * Fails fast when no broker answers: a typo in {@code bootstrap.servers} should not look like a
   * worker that hangs for a minute.
   */
  private static void requireBrokers(Admin admin, String bootstrap) {
    if (!clusterAnswers(admin, BROKER_WAIT)) {
      throw new IllegalStateException("bootstrap.servers: " + bootstrap + " (no broker answered within "
          + BROKER_WAIT.toSeconds() + " s)");
    }
  }

  /** Whether the brokers answered a cluster description within 2 s; asked at most every 5 s. */
  private boolean brokerReachable() {
    Instant now = Instant.now();
    if (brokerCheckedAt == null || Duration.between(brokerCheckedAt, now).compareTo(Duration.ofSeconds(5)) >= 0) {
      brokerReachable = clusterAnswers(admin, Duration.ofSeconds(2));
      brokerCheckedAt = now;
    }
    return brokerReachable;
  }

  /** True if a broker describes the cluster within {@code timeout}. */
  private static boolean clusterAnswers(Admin admin, Duration timeout) {
    try {
      admin.describeCluster(new DescribeClusterOptions().timeoutMs((int) timeout.toMillis())).nodes()
          .get(timeout.toMillis() + 1_000, TimeUnit.MILLISECONDS);
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      return false;
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
    log.info("worker {} started: group {}, jobs topic {}, {}, max {} in flight, {}", config.workerId(),
        config.groupId(), config.topics().jobs(), config.credentials(), config.maxInFlight(),
        config.delivery().wireName());
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

  static Map<String, Object> clientProperties(WorkerConfig config, Map<String, Object> defaults) {
    Map<String, Object> p = new HashMap<>(defaults);
    p.putAll(config.kafkaProperties());
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
    return p;
  }

  /** The {@code transactional.id}: stable per worker id, so a restarted worker fences its former self. */
  static String transactionalId(WorkerConfig config) {
    return "promptq-" + config.groupId() + "-" + config.workerId();
  }

  private static Map<String, Object> producerProperties(WorkerConfig config, boolean transactional) {
    Map<String, Object> d = new HashMap<>();
    d.put(ProducerConfig.ACKS_CONFIG, "all");
    d.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    d.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    d.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    d.put(ProducerConfig.CLIENT_ID_CONFIG, "promptq-worker-" + config.workerId());
    // A result for a topic deleted after its check waits this long for metadata before it is
    // replaced (reply_topic_unwritable); it also bounds a commit while the broker is away.
    d.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 20_000);
    // A record for a topic deleted since it was written to is retried until this timeout: keep
    // the stall it causes short (Kafka's default is 2 minutes). At least linger + request timeout.
    d.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 35_000);
    if (transactional) {
      d.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId(config));
      // A new transaction often meets the markers of the last one (CONCURRENT_TRANSACTIONS);
      // Kafka's default backoff (100 ms doubling to 1 s) would add that to a result's latency.
      d.put(ProducerConfig.RETRY_BACKOFF_MS_CONFIG, 10);
      d.put(ProducerConfig.RETRY_BACKOFF_MAX_MS_CONFIG, 200);
      // A worker killed mid-transaction leaves it open until this timeout; until then the next
      // owner of its partitions cannot read their committed offsets (default 60 s).
      d.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 15_000);
    }
    return clientProperties(config, d);
  }

  /**
   * Records per poll: small next to max-in-flight, because a poll may overshoot the limit by one
   * poll's records (a crash repeats at most max-in-flight plus this many calls).
   */
  static int maxPollRecords(int maxInFlight) {
    return Math.max(1, Math.min(500, maxInFlight / 8));
  }

  /**
   * A worker needs at least one credential source: the static token, the API key, a credentials
   * file or the group's key (with which it waits for the group's credentials).
   */
  private static void requireSomeCredential(WorkerConfig config) {
    if (config.credentialSettings().key() == null && config.credentialSettings().file() == null) {
      config.credentials().requireAny();
    }
  }

  /** The refresher's transactional producer: one fixed {@code transactional.id} per group fences former refreshers. */
  private static Map<String, Object> refresherProducerProperties(WorkerConfig config) {
    Map<String, Object> d = new HashMap<>();
    d.put(ProducerConfig.ACKS_CONFIG, "all");
    d.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    d.put(ProducerConfig.CLIENT_ID_CONFIG, "promptq-refresher-" + config.workerId());
    d.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, refresherTransactionalId(config));
    d.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 15_000);
    return clientProperties(config, d);
  }

  static String refresherTransactionalId(WorkerConfig config) {
    return "promptq-" + config.groupId() + "-credentials-refresher";
  }

  /** A consumer in the group that elects the refresher: whoever is assigned the control partition. */
  private static Map<String, Object> electionConsumerProperties(WorkerConfig config) {
    Map<String, Object> d = new HashMap<>();
    d.put(ConsumerConfig.CLIENT_ID_CONFIG, "promptq-election-" + config.workerId());
    d.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    // Sticky and cooperative: members joining or coming back do not move the role, and it moves
    // only after its holder gave it up (revoked) or was removed from the group.
    d.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
    Map<String, Object> p = clientProperties(config, d);
    p.put(ConsumerConfig.GROUP_ID_CONFIG, config.groupId() + ".credentials-refresher");
    long session = config.credentialSettings().electionSessionTimeout().toMillis();
    p.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, (int) session);
    p.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, (int) Math.max(100, session / 3));
    return p;
  }

  private static Map<String, Object> controlProducerProperties(WorkerConfig config) {
    Map<String, Object> d = new HashMap<>();
    d.put(ProducerConfig.ACKS_CONFIG, "all");
    d.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    d.put(ProducerConfig.CLIENT_ID_CONFIG, "promptq-control-" + config.workerId());
    return clientProperties(config, d);
  }

  /** A group-less consumer of the control topic: every worker reads all of it. */
  private static Map<String, Object> controlConsumerProperties(WorkerConfig config) {
    Map<String, Object> d = new HashMap<>();
    d.put(ConsumerConfig.CLIENT_ID_CONFIG, "promptq-control-" + config.workerId());
    d.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    d.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    d.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 50);
    Map<String, Object> p = clientProperties(config, d);
    p.remove(ConsumerConfig.GROUP_ID_CONFIG);
    return p;
  }

  private static Map<String, Object> consumerProperties(WorkerConfig config) {
    Map<String, Object> d = new HashMap<>();
    d.put(ConsumerConfig.GROUP_ID_CONFIG, config.groupId());
    d.put(ConsumerConfig.CLIENT_ID_CONFIG, "promptq-worker-" + config.workerId());
    d.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    d.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    d.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    d.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, maxPollRecords(config.maxInFlight()));
    d.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
    // read_committed fetches are not woken when a transaction commits: cap the wait for jobs
    // written by transactional producers.
    d.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 100);
    return clientProperties(config, d);
  }
}
