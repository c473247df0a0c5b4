package dev.promptq.worker;

import dev.promptq.worker.consume.Ordering;
import dev.promptq.config.Globs;
import dev.promptq.config.Settings;
import dev.promptq.job.JobCodec;
import dev.promptq.job.RoutePolicy;
import dev.promptq.kafka.Topics;
import dev.promptq.config.Secret;
import dev.promptq.worker.anthropic.Transports;
import dev.promptq.worker.claudecli.ClaudeCliSettings;
import dev.promptq.worker.credentials.CredentialCipher;
import dev.promptq.worker.credentials.CredentialSettings;
import dev.promptq.worker.credentials.Credentials;
import dev.promptq.worker.quota.Budget;
import dev.promptq.worker.quota.QuotaSettings;
import dev.promptq.worker.routing.OperatorPolicy;
import dev.promptq.worker.routing.RouterSettings;
import dev.promptq.worker.spend.PriceTable;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import okhttp3.HttpUrl;

/**
 * Everything a worker needs, immutable. Build with {@link #builder(String)} or read from layered
 * {@link Settings} with {@link #fromSettings}.
 *
 * <table>
 *   <tr><th>setting key</th><th>env</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>bootstrap.servers</td><td>PROMPTQ_BOOTSTRAP_SERVERS</td><td>(required)</td><td>Kafka brokers</td></tr>
 *   <tr><td>topic.prefix</td><td>PROMPTQ_TOPIC_PREFIX</td><td>promptq</td><td>prefix of the four topics</td></tr>
 *   <tr><td>group.id</td><td>PROMPTQ_GROUP_ID</td><td>promptq-workers</td><td>the worker group</td></tr>
 *   <tr><td>worker.id</td><td>PROMPTQ_WORKER_ID</td><td>host-pid</td><td>name in results and logs</td></tr>
 *   <tr><td>anthropic.base.url</td><td>ANTHROPIC_BASE_URL</td><td>https://api.anthropic.com</td><td>Messages API</td></tr>
 *   <tr><td>claude.oauth.token</td><td>CLAUDE_CODE_OAUTH_TOKEN</td><td>none</td><td>subscription token</td></tr>
 *   <tr><td>anthropic.api.key</td><td>ANTHROPIC_API_KEY</td><td>none</td><td>API key</td></tr>
 *   <tr><td>claude.oauth.token.expires.at</td><td></td><td>unknown</td><td>when the static token expires (ISO-8601), watched</td></tr>
 *   <tr><td>credentials.file</td><td>PROMPTQ_CREDENTIALS_FILE</td><td>none</td><td>a ~/.claude/.credentials.json-shaped file, shared with the group</td></tr>
 *   <tr><td>credentials.file.write.back</td><td></td><td>true</td><td>write rotated tokens back to the file (atomic, 0600)</td></tr>
 *   <tr><td>credentials.key</td><td>PROMPTQ_CREDENTIALS_KEY</td><td>none</td><td>AES key (base64) sealing the group's credentials</td></tr>
 *   <tr><td>credentials.token.url</td><td></td><td>https://console.anthropic.com/v1/oauth/token</td><td>OAuth token endpoint</td></tr>
 *   <tr><td>credentials.client.id</td><td>PROMPTQ_OAUTH_CLIENT_ID</td><td>none (no refresh)</td><td>OAuth client the refresh token belongs to</td></tr>
 *   <tr><td>credentials.scope</td><td></td><td>the credentials' scopes</td><td>scope sent on refresh</td></tr>
 *   <tr><td>credentials.refresh.margin.ms</td><td></td><td>300000</td><td>refresh this long before expiry</td></tr>
 *   <tr><td>credentials.refresh.wait.ms</td><td></td><td>30000</td><td>a job's wait for new credentials after a 401</td></tr>
 *   <tr><td>credentials.refresh.min.interval.ms</td><td></td><td>60000</td><td>least time between on-demand refreshes</td></tr>
 *   <tr><td>credentials.refresh.backoff.ms</td><td></td><td>1000</td><td>first wait after a token endpoint 429/5xx, doubling</td></tr>
 *   <tr><td>credentials.refresh.backoff.max.ms</td><td></td><td>60000</td><td>longest such wait</td></tr>
 *   <tr><td>quota.subscription.requests</td><td></td><td>none (not paced)</td><td>the group's subscription requests per window</td></tr>
 *   <tr><td>quota.subscription.window.ms</td><td></td><td>18000000 (5 h)</td><td>the subscription budget's window</td></tr>
 *   <tr><td>quota.api.requests.per.minute</td><td></td><td>none (not paced)</td><td>the group's API requests per minute</td></tr>
 *   <tr><td>quota.lag.ms</td><td></td><td>1000</td><td>the most a call's arrival may trail its permit; paced for</td></tr>
 *   <tr><td>quota.ahead.margin</td><td></td><td>0.1</td><td>how far reported utilisation may run ahead of the pace before slowing</td></tr>
 *   <tr><td>credentials.election.session.timeout.ms</td><td></td><td>10000</td><td>how soon a dead refresher is replaced</td></tr>
 *   <tr><td>subscription.transport</td><td></td><td>http</td><td>how subscription calls go: http, or claude-cli (Claude Code's headless mode)</td></tr>
 *   <tr><td>claude.cli.path</td><td></td><td>claude (on PATH)</td><td>the Claude Code executable (claude-cli only)</td></tr>
 *   <tr><td>claude.cli.home</td><td></td><td>&lt;tmpdir&gt;/promptq-claude-cli/&lt;worker.id&gt;</td><td>where the CLI processes' homes are made</td></tr>
 *   <tr><td>claude.cli.processes</td><td></td><td>8</td><td>CLI processes at once, at most max.in.flight</td></tr>
 *   <tr><td>claude.cli.inexpressible</td><td></td><td>next_route</td><td>a request the CLI cannot carry: next_route (the policy's next route) or http</td></tr>
 *   <tr><td>max.in.flight</td><td></td><td>256</td><td>jobs started and not yet committed, per worker</td></tr>
 *   <tr><td>call.timeout.ms</td><td></td><td>600000</td><td>limit on one API call</td></tr>
 *   <tr><td>delivery</td><td></td><td>exactly_once</td><td>or at_least_once</td></tr>
 *   <tr><td>ordering</td><td></td><td>unordered</td><td>or key: one job per record key at a time</td></tr>
 *   <tr><td>commit.interval.ms</td><td></td><td>20</td><td>time between commits (results show at commit)</td></tr>
 *   <tr><td>shutdown.grace.ms</td><td></td><td>30000</td><td>on stop, time for running jobs to finish</td></tr>
 *   <tr><td>revocation.grace.ms</td><td></td><td>5000</td><td>on rebalance, time for running jobs of revoked partitions</td></tr>
 *   <tr><td>jobs.partitions</td><td></td><td>12</td><td>partitions when creating the jobs topic</td></tr>
 *   <tr><td>topics.replication.factor</td><td></td><td>-1 (broker default)</td><td>when creating topics</td></tr>
 *   <tr><td>retry.max.attempts</td><td></td><td>3</td><td>calls per route and job on transient failures (500, 529, timeouts)</td></tr>
 *   <tr><td>retry.backoff.ms</td><td></td><td>500</td><td>first retry delay, doubling, full jitter</td></tr>
 *   <tr><td>retry.backoff.max.ms</td><td></td><td>30000</td><td>cap of a retry delay</td></tr>
 *   <tr><td>retry.rate.limited.max</td><td></td><td>10</td><td>api-route 429s a job waits through</td></tr>
 *   <tr><td>breaker.failures</td><td></td><td>5</td><td>consecutive transient failures that open a route's breaker</td></tr>
 *   <tr><td>breaker.open.ms</td><td></td><td>30000</td><td>time an open breaker stays open before a probe</td></tr>
 *   <tr><td>route.refused.cooldown.ms</td><td></td><td>600000</td><td>group-wide hold-off of a refused route</td></tr>
 *   <tr><td>route.reset.jitter.ms</td><td></td><td>5000</td><td>most a worker waits past a reset</td></tr>
 *   <tr><td>subscription.caution.utilization</td><td></td><td>0.9</td><td>from here one subscription call at a time</td></tr>
 *   <tr><td>job.max.age.ms</td><td></td><td>86400000 (24 h)</td><td>a job no route served by then ends expired, with what it waited for</td></tr>
 *   <tr><td>api.budget.usd.per.day</td><td></td><td>none</td><td>group-wide API spend per UTC day</td></tr>
 *   <tr><td>api.budget.usd.per.batch</td><td></td><td>none</td><td>group-wide API spend per job {@code batch}</td></tr>
 *   <tr><td>api.prices</td><td></td><td>built-in list prices</td><td>prefix:input:output USD per MTok, comma-separated</td></tr>
 *   <tr><td>reply.topics.allowed</td><td></td><td>P.results,P.*</td><td>topics a job may name for its result (never jobs, DLQ, control)</td></tr>
 *   <tr><td>job.max.bytes</td><td></td><td>524288</td><td>largest job record</td></tr>
 *   <tr><td>result.max.bytes</td><td></td><td>1000000</td><td>largest result or dead letter a job makes the worker write; a larger result is replaced by an errored one (result_too_large)</td></tr>
 *   <tr><td>job.max.depth</td><td></td><td>64</td><td>deepest JSON nesting in a job</td></tr>
 *   <tr><td>job.metadata.max.bytes</td><td></td><td>16384</td><td>largest metadata field</td></tr>
 *   <tr><td>route.policies.allowed</td><td></td><td>all three</td><td>route policies jobs may ask for</td></tr>
 *   <tr><td>request.max.tokens.cap</td><td></td><td>none</td><td>largest max_tokens a job may ask for</td></tr>
 *   <tr><td>request.models.allowed</td><td></td><td>*</td><td>models jobs may ask for (patterns)</td></tr>
 *   <tr><td>ops.port</td><td></td><td>-1 (off)</td><td>port of /metrics and /health; 0 for any free port</td></tr>
 *   <tr><td>ops.bind</td><td></td><td>127.0.0.1</td><td>address of /metrics and /health</td></tr>
 *   <tr><td>kafka.*</td><td></td><td></td><td>passed to the Kafka clients, prefix removed</td></tr>
 * </table>
 */
public record WorkerConfig(
    String bootstrapServers,
    Topics topics,
    String groupId,
    String workerId,
    String anthropicBaseUrl,
    Credentials credentials,
    CredentialSettings credentialSettings,
    QuotaSettings quota,
    Optional<ClaudeCliSettings> claudeCli,
    int maxInFlight,
    Duration callTimeout,
    Delivery delivery,
    Ordering ordering,
    Duration commitInterval,
    Duration shutdownGrace,
    Duration revocationGrace,
    int jobPartitions,
    short replicationFactor,
    RouterSettings router,
    PriceTable prices,
    Double apiBudgetPerDay,
    Double apiBudgetPerBatch,
    Globs replyTopics,
    JobCodec.Limits jobLimits,
    int resultMaxBytes,
    OperatorPolicy operatorPolicy,
    int opsPort,
    String opsBind,
    Map<String, Object> kafkaProperties) {

  public static final String DEFAULT_GROUP_ID = "promptq-workers";
  public static final String DEFAULT_BASE_URL = "https://api.anthropic.com";
  public static final int DEFAULT_MAX_IN_FLIGHT = 256;
  public static final Duration DEFAULT_CALL_TIMEOUT = Duration.ofMinutes(10);
  public static final Duration DEFAULT_COMMIT_INTERVAL = Duration.ofMillis(20);
  public static final Duration DEFAULT_SHUTDOWN_GRACE = Duration.ofSeconds(30);
  public static final Duration DEFAULT_REVOCATION_GRACE = Duration.ofSeconds(5);
  public static final int DEFAULT_JOB_PARTITIONS = 12;
  /** The largest record a job makes a worker write: under Kafka's default 1 MiB request and message size. */
  public static final int DEFAULT_RESULT_MAX_BYTES = 1_000_000;
  /** Loopback: the ops endpoint is not reachable from other machines unless the operator says so. */
  public static final String DEFAULT_OPS_BIND = "127.0.0.1";
  /** A Claude plan's usage window. */
  public static final Duration DEFAULT_QUOTA_WINDOW = Duration.ofHours(5);

  /** Environment variables read by {@link #fromSettings}, and the keys they set. */
  public static final Map<String, String> ENV_KEYS = Map.of(
      "PROMPTQ_BOOTSTRAP_SERVERS", "bootstrap.servers",
      "PROMPTQ_TOPIC_PREFIX", "topic.prefix",
      "PROMPTQ_GROUP_ID", "group.id",
      "PROMPTQ_WORKER_ID", "worker.id",
      "ANTHROPIC_BASE_URL", "anthropic.base.url",
      Credentials.OAUTH_TOKEN_ENV, "claude.oauth.token",
      Credentials.API_KEY_ENV, "anthropic.api.key",
      "PROMPTQ_CREDENTIALS_FILE", "credentials.file",
      CredentialCipher.KEY_ENV, "credentials.key",
      "PROMPTQ_OAUTH_CLIENT_ID", "credentials.client.id");

  /** Every key {@link #fromSettings} understands besides {@code kafka.*}. */
  public static final List<String> KEYS = List.of("bootstrap.servers", "topic.prefix", "group.id", "worker.id",
      "anthropic.base.url", "claude.oauth.token", "anthropic.api.key", "max.in.flight", "call.timeout.ms",
      "delivery", "ordering", "commit.interval.ms", "shutdown.grace.ms", "revocation.grace.ms", "jobs.partitions",
      "topics.replication.factor", "retry.max.attempts", "retry.backoff.ms", "retry.backoff.max.ms",
      "retry.rate.limited.max", "breaker.failures", "breaker.open.ms", "route.refused.cooldown.ms",
      "route.reset.jitter.ms", "subscription.caution.utilization", "job.max.age.ms", "api.budget.usd.per.day", "api.budget.usd.per.batch",
      "api.prices", "reply.topics.allowed", "job.max.bytes", "job.max.depth", "result.max.bytes", "job.metadata.max.bytes",
      "route.policies.allowed", "request.max.tokens.cap", "request.models.allowed", "ops.port",
      "ops.bind", "claude.oauth.token.expires.at", "credentials.file", "credentials.file.write.back", "credentials.key",
      "credentials.token.url", "credentials.client.id", "credentials.scope", "credentials.refresh.margin.ms",
      "credentials.refresh.wait.ms", "credentials.refresh.min.interval.ms", "credentials.refresh.backoff.ms",
      "credentials.refresh.backoff.max.ms", "credentials.election.session.timeout.ms", "quota.subscription.requests",
      "quota.subscription.window.ms", "quota.api.requests.per.minute", "quota.ahead.margin", "quota.lag.ms",
      "subscription.transport", "claude.cli.path", "claude.cli.home", "claude.cli.processes",
      "claude.cli.inexpressible");

  /** Values of {@code subscription.transport}. */
  public static final String HTTP_TRANSPORT = "http";
  public static final String CLAUDE_CLI_TRANSPORT = "claude-cli";

  public WorkerConfig {
    Objects.requireNonNull(bootstrapServers, "bootstrapServers");
    Objects.requireNonNull(topics, "topics");
    Objects.requireNonNull(groupId, "groupId");
    Objects.requireNonNull(workerId, "workerId");
    Objects.requireNonNull(anthropicBaseUrl, "anthropicBaseUrl");
    Objects.requireNonNull(credentials, "credentials");
    Objects.requireNonNull(credentialSettings, "credentialSettings");
    Objects.requireNonNull(quota, "quota");
    Objects.requireNonNull(claudeCli, "claudeCli");
    Objects.requireNonNull(callTimeout, "callTimeout");
    Objects.requireNonNull(delivery, "delivery");
    Objects.requireNonNull(ordering, "ordering");
    Objects.requireNonNull(commitInterval, "commitInterval");
    Objects.requireNonNull(shutdownGrace, "shutdownGrace");
    Objects.requireNonNull(revocationGrace, "revocationGrace");
    Objects.requireNonNull(router, "router");
    Objects.requireNonNull(prices, "prices");
    Objects.requireNonNull(replyTopics, "replyTopics");
    Objects.requireNonNull(jobLimits, "jobLimits");
    if (resultMaxBytes < 4096) {
      throw new IllegalArgumentException("result.max.bytes: " + resultMaxBytes + " (at least 4096)");
    }
    Object maxRequest = kafkaProperties.get("max.request.size");
    if (maxRequest != null && Long.parseLong(maxRequest.toString().strip()) < resultMaxBytes + 1024L) {
      throw new IllegalArgumentException("result.max.bytes: " + resultMaxBytes + " (more than kafka.max.request.size "
          + maxRequest + " allows; keep it at least 1 KiB below)");
    }
    Objects.requireNonNull(operatorPolicy, "operatorPolicy");
    Objects.requireNonNull(opsBind, "opsBind");
    if (opsPort < -1 || opsPort > 65535) {
      throw new IllegalArgumentException("ops.port: " + opsPort + " (-1 for off, 0 for any free port, or a port)");
    }
    if (apiBudgetPerDay != null && apiBudgetPerDay < 0) {
      throw new IllegalArgumentException("api.budget.usd.per.day < 0: " + apiBudgetPerDay);
    }
    if (apiBudgetPerBatch != null && apiBudgetPerBatch < 0) {
      throw new IllegalArgumentException("api.budget.usd.per.batch < 0: " + apiBudgetPerBatch);
    }
    if (maxInFlight < 1) {
      throw new IllegalArgumentException("max.in.flight < 1: " + maxInFlight);
    }
    if (claudeCli.isPresent() && claudeCli.get().processes() > maxInFlight) {
      throw new IllegalArgumentException("claude.cli.processes: " + claudeCli.get().processes() + " (more than "
          + "max.in.flight " + maxInFlight + ": the processes beyond it would never run)");
    }
    if (jobPartitions < 1) {
      throw new IllegalArgumentException("jobs.partitions < 1: " + jobPartitions);
    }
    for (String reserved : RESERVED_KAFKA_KEYS) {
      if (kafkaProperties.containsKey(reserved)) {
        throw new IllegalArgumentException("kafka." + reserved + ": promptq sets this itself ("
            + RESERVED_KAFKA_WHY.get(reserved) + "); remove it"
            + (reserved.equals("group.id") ? " and set group.id (PROMPTQ_GROUP_ID) instead" : ""));
      }
    }
    kafkaProperties = Map.copyOf(kafkaProperties);
  }

  /** Kafka settings that promptq's delivery guarantees depend on: {@code kafka.*} may not change them. */
  static final List<String> RESERVED_KAFKA_KEYS = List.of("enable.auto.commit", "isolation.level", "group.id",
      "transactional.id");
  private static final Map<String, String> RESERVED_KAFKA_WHY = Map.of(
      "enable.auto.commit", "offsets are committed with the results, never automatically",
      "isolation.level", "workers read only committed jobs and control records",
      "group.id", "the job group and the refresher election derive their groups from it",
      "transactional.id", "each worker and the refresher fence their former selves with their own");

  /** As a record's, with the values of secret-looking Kafka settings (SASL passwords) redacted. */
  @Override
  public String toString() {
    return "WorkerConfig[bootstrapServers=" + bootstrapServers + ", topics=" + topics + ", groupId=" + groupId
        + ", workerId=" + workerId + ", anthropicBaseUrl=" + anthropicBaseUrl + ", credentials=" + credentials
        + ", credentialSettings=" + credentialSettings + ", quota=" + quota + ", claudeCli=" + claudeCli
        + ", maxInFlight=" + maxInFlight + ", callTimeout=" + callTimeout + ", delivery=" + delivery
        + ", ordering=" + ordering + ", commitInterval=" + commitInterval + ", shutdownGrace=" + shutdownGrace
        + ", revocationGrace=" + revocationGrace + ", jobPartitions=" + jobPartitions + ", replicationFactor="
        + replicationFactor + ", router=" + router + ", prices=" + prices + ", apiBudgetPerDay=" + apiBudgetPerDay
        + ", apiBudgetPerBatch=" + apiBudgetPerBatch + ", replyTopics=" + replyTopics + ", jobLimits=" + jobLimits + ", resultMaxBytes=" + resultMaxBytes
        + ", operatorPolicy=" + operatorPolicy + ", opsPort=" + opsPort + ", opsBind=" + opsBind
        + ", kafkaProperties=" + Settings.redacted(kafkaProperties) + "]";
  }

  /**
   * Reads a config from settings, validating every value.
   *
   * @throws IllegalArgumentException {@code "key: value (why)"} for the first bad or unknown setting
   */
  public static WorkerConfig fromSettings(Settings s) {
    s.rejectUnknown(KEYS);
    String bootstrap = s.get("bootstrap.servers").orElseThrow(() -> new IllegalArgumentException(
        "bootstrap.servers: not set (set PROMPTQ_BOOTSTRAP_SERVERS or --bootstrap-servers)"));
    String workerId = s.get("worker.id", defaultWorkerId());
    return builder(bootstrap)
        .topics(Topics.withPrefix(s.get("topic.prefix", Topics.DEFAULT_PREFIX)))
        .groupId(s.get("group.id", DEFAULT_GROUP_ID))
        .workerId(workerId)
        .anthropicBaseUrl(s.get("anthropic.base.url", DEFAULT_BASE_URL))
        .credentials(new Credentials(s.secret("claude.oauth.token"), s.secret("anthropic.api.key")))
        .credentialSettings(credentialSettings(s))
        .quota(quotaSettings(s))
        .claudeCli(claudeCliSettings(s, workerId).orElse(null))
        .maxInFlight(s.getInt("max.in.flight", DEFAULT_MAX_IN_FLIGHT, 1, 100_000))
        .callTimeout(Duration.ofMillis(s.getLong("call.timeout.ms", DEFAULT_CALL_TIMEOUT.toMillis(), 1, 86_400_000L)))
        .delivery(Delivery.fromWireName(s.get("delivery", Delivery.EXACTLY_ONCE.wireName())))
        .ordering(Ordering.fromWireName(s.get("ordering", Ordering.UNORDERED.wireName())))
        .commitInterval(Duration.ofMillis(s.getLong("commit.interval.ms", DEFAULT_COMMIT_INTERVAL.toMillis(), 1, 60_000)))
        .shutdownGrace(Duration.ofMillis(s.getLong("shutdown.grace.ms", DEFAULT_SHUTDOWN_GRACE.toMillis(), 0, 3_600_000)))
        .revocationGrace(Duration.ofMillis(
            s.getLong("revocation.grace.ms", DEFAULT_REVOCATION_GRACE.toMillis(), 0, 60_000)))
        .jobPartitions(s.getInt("jobs.partitions", DEFAULT_JOB_PARTITIONS, 1, 10_000))
        .replicationFactor((short) s.getInt("topics.replication.factor", -1, -1, 32))
        .router(routerSettings(s))
        .prices(PriceTable.parse(s.get("api.prices", "")))
        .apiBudgetPerDay(optionalUsd(s, "api.budget.usd.per.day"))
        .apiBudgetPerBatch(optionalUsd(s, "api.budget.usd.per.batch"))
        .replyTopics(s.get("reply.topics.allowed").map(Globs::parse).orElse(null))
        .jobLimits(new JobCodec.Limits(
            s.getInt("job.max.bytes", JobCodec.Limits.defaults().maxJobBytes(), 1024, 100_000_000),
            s.getInt("job.max.depth", JobCodec.Limits.defaults().maxDepth(), 8, 1000),
            s.getInt("job.metadata.max.bytes", JobCodec.Limits.defaults().maxMetadataBytes(), 0, 100_000_000)))
        .resultMaxBytes(s.getInt("result.max.bytes", DEFAULT_RESULT_MAX_BYTES, 4096, 100_000_000))
        .operatorPolicy(operatorPolicy(s))
        .ops(s.getInt("ops.port", -1, -1, 65535), s.get("ops.bind", DEFAULT_OPS_BIND))
        .kafkaProperties(s.kafkaProperties())
        .build();
  }

  private static QuotaSettings quotaSettings(Settings s) {
    Optional<Budget> subscription = s.get("quota.subscription.requests").isPresent()
        ? Optional.of(new Budget(s.getInt("quota.subscription.requests", 0, 1, 100_000_000),
            millis(s, "quota.subscription.window.ms", DEFAULT_QUOTA_WINDOW, 1000)))
        : Optional.empty();
    if (subscription.isEmpty() && s.get("quota.subscription.window.ms").isPresent()) {
      throw new IllegalArgumentException("quota.subscription.window.ms: " + s.get("quota.subscription.window.ms").get()
          + " (set quota.subscription.requests too)");
    }
    Optional<Budget> api = s.get("quota.api.requests.per.minute").isPresent()
        ? Optional.of(new Budget(s.getInt("quota.api.requests.per.minute", 0, 1, 100_000_000), Duration.ofMinutes(1)))
        : Optional.empty();
    return new QuotaSettings(subscription, api, s.getDouble("quota.ahead.margin", 0.1, 0.0, 1.0),
        millis(s, "quota.lag.ms", QuotaSettings.DEFAULT_LAG, 0));
  }

  private static Optional<ClaudeCliSettings> claudeCliSettings(Settings s, String workerId) {
    String transport = s.get("subscription.transport", HTTP_TRANSPORT);
    if (transport.equals(HTTP_TRANSPORT)) {
      for (String key : List.of("claude.cli.path", "claude.cli.home", "claude.cli.processes", "claude.cli.inexpressible")) {
        if (s.get(key).isPresent()) {
          throw new IllegalArgumentException(key + ": " + s.get(key).get() + " (set, but subscription.transport is "
              + "http; set subscription.transport=claude-cli to use it)");
        }
      }
      return Optional.empty();
    }
    if (!transport.equals(CLAUDE_CLI_TRANSPORT)) {
      throw new IllegalArgumentException("subscription.transport: " + transport + " (http or claude-cli)");
    }
    Transports.Inexpressible inexpressible;
    String i = s.get("claude.cli.inexpressible", Transports.Inexpressible.NEXT_ROUTE.wireName());
    try {
      inexpressible = Transports.Inexpressible.fromWireName(i);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("claude.cli.inexpressible: " + e.getMessage());
    }
    return Optional.of(new ClaudeCliSettings(s.get("claude.cli.path", ClaudeCliSettings.DEFAULT_EXECUTABLE),
        s.get("claude.cli.home").map(WorkerConfig::expandHome).orElse(ClaudeCliSettings.defaultHome(workerId)),
        s.getInt("claude.cli.processes", ClaudeCliSettings.DEFAULT_PROCESSES, 1, 10_000), inexpressible));
  }

  private static CredentialSettings credentialSettings(Settings s) {
    CredentialSettings d = CredentialSettings.defaults();
    Path file = s.get("credentials.file").map(WorkerConfig::expandHome).orElse(null);
    Secret key = s.secret("credentials.key").orElse(null);
    if (key != null) {
      CredentialCipher.fromBase64(key);  // fails fast on a malformed key
    }
    String writeBack = s.get("credentials.file.write.back", "true");
    if (!writeBack.equals("true") && !writeBack.equals("false")) {
      throw new IllegalArgumentException("credentials.file.write.back: " + writeBack + " (true or false)");
    }
    String tokenUrl = s.get("credentials.token.url", d.tokenUrl());
    if (HttpUrl.parse(tokenUrl) == null) {
      throw new IllegalArgumentException("credentials.token.url: " + tokenUrl + " (not an http(s) URL)");
    }
    Instant staticExpiry = null;
    if (s.get("claude.oauth.token.expires.at").isPresent()) {
      String v = s.get("claude.oauth.token.expires.at").get();
      try {
        staticExpiry = Instant.parse(v);
      } catch (DateTimeParseException e) {
        throw new IllegalArgumentException("claude.oauth.token.expires.at: " + v + " (an ISO-8601 instant, e.g. "
            + "2027-11-24T00:00:00Z)");
      }
    }
    return new CredentialSettings(file, Boolean.parseBoolean(writeBack), key, tokenUrl,
        s.get("credentials.client.id").orElse(null), s.get("credentials.scope").orElse(null),
        millis(s, "credentials.refresh.margin.ms", d.refreshMargin(), 0),
        millis(s, "credentials.refresh.wait.ms", d.refreshWait(), 1),
        millis(s, "credentials.refresh.min.interval.ms", d.minRefreshInterval(), 0),
        millis(s, "credentials.refresh.backoff.ms", d.refreshBackoff(), 1),
        millis(s, "credentials.refresh.backoff.max.ms", d.refreshBackoffMax(), 1),
        millis(s, "credentials.election.session.timeout.ms", d.electionSessionTimeout(), 1000),
        staticExpiry);
  }

  private static Duration millis(Settings s, String key, Duration defaultValue, long min) {
    return Duration.ofMillis(s.getLong(key, defaultValue.toMillis(), min, 86_400_000L * 30));
  }

  /** {@code ~/x} is {@code x} in the user's home directory. */
  static Path expandHome(String path) {
    return path.equals("~") || path.startsWith("~/")
        ? Path.of(System.getProperty("user.home")).resolve(path.substring(Math.min(2, path.length())))
        : Path.of(path);
  }

  private static OperatorPolicy operatorPolicy(Settings s) {
    Set<RoutePolicy> policies = EnumSet.noneOf(RoutePolicy.class);
    for (String name : s.get("route.policies.allowed", "subscription_first,subscription_only,api_only").split(",")) {
      try {
        policies.add(RoutePolicy.fromWireName(name.strip()));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("route.policies.allowed: " + name.strip() + " (" + e.getMessage() + ")");
      }
    }
    Long cap = s.get("request.max.tokens.cap").isPresent()
        ? s.getLong("request.max.tokens.cap", 0, 1, Long.MAX_VALUE) : null;
    return new OperatorPolicy(policies, cap, Globs.parse(s.get("request.models.allowed", "*")));
  }

  /** {@code P.results} and {@code P.*} for the default topic names of prefix {@code P}. */
  static Globs defaultReplyTopics(Topics topics) {
    String results = topics.results();
    return results.endsWith(".results")
        ? Globs.parse(results + "," + results.substring(0, results.length() - "results".length()) + "*")
        : Globs.parse(results);
  }

  private static Double optionalUsd(Settings s, String key) {
    return s.get(key).isPresent() ? s.getDouble(key, 0, 0, 1e9) : null;
  }

  private static RouterSettings routerSettings(Settings s) {
    RouterSettings d = RouterSettings.defaults();
    return new RouterSettings(
        s.getInt("retry.max.attempts", d.maxAttemptsPerRoute(), 1, 100),
        Duration.ofMillis(s.getLong("retry.backoff.ms", d.backoff().toMillis(), 1, 3_600_000)),
        Duration.ofMillis(s.getLong("retry.backoff.max.ms", d.maxBackoff().toMillis(), 1, 3_600_000)),
        s.getInt("retry.rate.limited.max", d.maxRateLimitedWaits(), 0, 10_000),
        s.getInt("breaker.failures", d.breakerFailures(), 1, 10_000),
        Duration.ofMillis(s.getLong("breaker.open.ms", d.breakerOpen().toMillis(), 1, 86_400_000)),
        Duration.ofMillis(s.getLong("route.refused.cooldown.ms", d.refusalCooldown().toMillis(), 1, 86_400_000)),
        Duration.ofMillis(s.getLong("route.reset.jitter.ms", d.resetJitter().toMillis(), 0, 3_600_000)),
        s.getDouble("subscription.caution.utilization", d.cautionUtilization(), 0.01, 1.0),
        Duration.ofMillis(s.getLong("job.max.age.ms", d.maxJobAge().toMillis(), 1000, 365L * 86_400_000)));
  }

  public static Builder builder(String bootstrapServers) {
    return new Builder(bootstrapServers);
  }

  /** {@code host-pid}. */
  public static String defaultWorkerId() {
    String host;
    try {
      host = InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      host = "worker";
    }
    return host + "-" + ManagementFactory.getRuntimeMXBean().getPid();
  }

  /** Builder with the documented defaults. Not thread-safe. */
  public static final class Builder {
    private final String bootstrapServers;
    private Topics topics = Topics.defaults();
    private String groupId = DEFAULT_GROUP_ID;
    private String workerId = defaultWorkerId();
    private String anthropicBaseUrl = DEFAULT_BASE_URL;
    private Credentials credentials = Credentials.none();
    private CredentialSettings credentialSettings = CredentialSettings.defaults();
    private QuotaSettings quota = QuotaSettings.none();
    private ClaudeCliSettings claudeCli;
    private int maxInFlight = DEFAULT_MAX_IN_FLIGHT;
    private Duration callTimeout = DEFAULT_CALL_TIMEOUT;
    private Delivery delivery = Delivery.EXACTLY_ONCE;
    private Ordering ordering = Ordering.UNORDERED;
    private Duration commitInterval = DEFAULT_COMMIT_INTERVAL;
    private Duration shutdownGrace = DEFAULT_SHUTDOWN_GRACE;
    private Duration revocationGrace = DEFAULT_REVOCATION_GRACE;
    private int jobPartitions = DEFAULT_JOB_PARTITIONS;
    private short replicationFactor = -1;
    private RouterSettings router = RouterSettings.defaults();
    private PriceTable prices = PriceTable.defaults();
    private Double apiBudgetPerDay;
    private Double apiBudgetPerBatch;
    private Globs replyTopics;
    private JobCodec.Limits jobLimits = JobCodec.Limits.defaults();
    private int resultMaxBytes = DEFAULT_RESULT_MAX_BYTES;
    private OperatorPolicy operatorPolicy = OperatorPolicy.permissive();
    private int opsPort = -1;
    private String opsBind = DEFAULT_OPS_BIND;
    private Map<String, Object> kafkaProperties = Map.of();

    private Builder(String bootstrapServers) {
      this.bootstrapServers = bootstrapServers;
    }

    public Builder topics(Topics v) {
      this.topics = v;
      return this;
    }

    public Builder groupId(String v) {
      this.groupId = v;
      return this;
    }

    public Builder workerId(String v) {
      this.workerId = v;
      return this;
    }

    public Builder anthropicBaseUrl(String v) {
      this.anthropicBaseUrl = v;
      return this;
    }

    public Builder credentials(Credentials v) {
      this.credentials = v;
      return this;
    }

    /** How subscription credentials are found, shared and refreshed; default: the static token only. */
    public Builder credentialSettings(CredentialSettings v) {
      this.credentialSettings = v;
      return this;
    }

    /** The group's budgets per route; default none (no pacing). */
    public Builder quota(QuotaSettings v) {
      this.quota = v;
      return this;
    }

    /** Subscription calls through Claude Code's headless mode; null (default) for http. */
    public Builder claudeCli(ClaudeCliSettings v) {
      this.claudeCli = v;
      return this;
    }

    public Builder maxInFlight(int v) {
      this.maxInFlight = v;
      return this;
    }

    public Builder callTimeout(Duration v) {
      this.callTimeout = v;
      return this;
    }

    public Builder delivery(Delivery v) {
      this.delivery = v;
      return this;
    }

    public Builder ordering(Ordering v) {
      this.ordering = v;
      return this;
    }

    public Builder commitInterval(Duration v) {
      this.commitInterval = v;
      return this;
    }

    public Builder shutdownGrace(Duration v) {
      this.shutdownGrace = v;
      return this;
    }

    public Builder revocationGrace(Duration v) {
      this.revocationGrace = v;
      return this;
    }

    /** Replication factor of topics the worker creates; -1 (default) takes the broker's. */
    public Builder replicationFactor(short v) {
      this.replicationFactor = v;
      return this;
    }

    public Builder jobPartitions(int v) {
      this.jobPartitions = v;
      return this;
    }

    /** Retries, backoff, breaker and route hold-offs; default {@link RouterSettings#defaults()}. */
    public Builder router(RouterSettings v) {
      this.router = v;
      return this;
    }

    public Builder prices(PriceTable v) {
      this.prices = v;
      return this;
    }

    /** The group's API budget per UTC day in USD; null (default) for none. */
    public Builder apiBudgetPerDay(Double v) {
      this.apiBudgetPerDay = v;
      return this;
    }

    /** The group's API budget per job {@code batch} in USD; null (default) for none. */
    public Builder apiBudgetPerBatch(Double v) {
      this.apiBudgetPerBatch = v;
      return this;
    }

    /** Topics a job may name for its result; null (default) for {@code P.results,P.*}. */
    public Builder replyTopics(Globs v) {
      this.replyTopics = v;
      return this;
    }

    public Builder resultMaxBytes(int v) {
      this.resultMaxBytes = v;
      return this;
    }

    public Builder jobLimits(JobCodec.Limits v) {
      this.jobLimits = v;
      return this;
    }

    /** What jobs may ask for; default {@link OperatorPolicy#permissive()}. */
    public Builder operatorPolicy(OperatorPolicy v) {
      this.operatorPolicy = v;
      return this;
    }

    /**
     * Serves {@code /metrics} and {@code /health} on {@code bind:port} (port 0: any free one;
     * -1, the default: off).
     */
    public Builder ops(int port, String bind) {
      this.opsPort = port;
      this.opsBind = bind;
      return this;
    }

    /** Extra Kafka client settings (security, tuning), applied to every client the worker makes. */
    public Builder kafkaProperties(Map<String, Object> v) {
      this.kafkaProperties = v;
      return this;
    }

    public WorkerConfig build() {
      return new WorkerConfig(bootstrapServers, topics, groupId, workerId, anthropicBaseUrl, credentials,
          credentialSettings, quota, Optional.ofNullable(claudeCli),
          maxInFlight, callTimeout, delivery, ordering, commitInterval, shutdownGrace, revocationGrace, jobPartitions,
          replicationFactor, router, prices, apiBudgetPerDay, apiBudgetPerBatch,
          replyTopics != null ? replyTopics : defaultReplyTopics(topics), jobLimits, resultMaxBytes, operatorPolicy, opsPort, opsBind,
          kafkaProperties);
    }
  }
}
