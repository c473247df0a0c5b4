package dev.promptq.worker;

import dev.promptq.worker.consume.Ordering;
import dev.promptq.config.Globs;
import dev.promptq.config.Settings;
import dev.promptq.job.JobCodec;
import dev.promptq.kafka.GatewaySeal;
import dev.promptq.kafka.Topics;
import dev.promptq.worker.claudecli.ClaudeCliSettings;
import dev.promptq.worker.credentials.CredentialCipher;
import dev.promptq.worker.credentials.CredentialSettings;
import dev.promptq.worker.credentials.Credentials;
import dev.promptq.worker.lane.LaneSettings;
import dev.promptq.worker.quota.QuotaSettings;
import dev.promptq.worker.routing.OperatorPolicy;
import dev.promptq.worker.routing.RouterSettings;
import dev.promptq.usage.PriceTable;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;

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
 *   <tr><td>credentials.token.url</td><td></td><td>https://platform.claude.com/v1/oauth/token</td><td>OAuth token endpoint</td></tr>
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
 *   <tr><td>batch.lane.*</td><td></td><td>see LaneSettings</td><td>how api_batch jobs are gathered into Message Batches</td></tr>
 *   <tr><td>quota.lag.ms</td><td></td><td>1000</td><td>the most a call's arrival may trail its permit; paced for</td></tr>
 *   <tr><td>quota.ahead.margin</td><td></td><td>0.1</td><td>how far reported utilisation may run ahead of the pace before slowing</td></tr>
 *   <tr><td>credentials.election.session.timeout.ms</td><td></td><td>10000</td><td>how soon a dead refresher is replaced</td></tr>
 *   <tr><td>subscription.transport</td><td></td><td>http</td><td>how subscription calls go: http, or claude-cli (Claude Code's headless mode)</td></tr>
 *   <tr><td>claude.cli.path</td><td></td><td>claude (on PATH)</td><td>the Claude Code executable (claude-cli only)</td></tr>
 *   <tr><td>claude.cli.home</td><td></td><td>&lt;tmpdir&gt;/promptq-claude-cli/&lt;worker.id&gt;</td><td>where the CLI processes' homes are made</td></tr>
 *   <tr><td>claude.cli.processes</td><td></td><td>8</td><td>CLI processes at once, at most max.in.flight</td></tr>
 *   <tr><td>claude.cli.inexpressible</td><td></td><td>next_route</td><td>a request the CLI cannot carry: next_route (the policy's next route) or http</td></tr>
 *   <tr><td>max.in.flight</td><td></td><td>256</td><td>jobs started and not yet committed, per worker</td></tr>
 *   <tr><td>interactive.reserved.share</td><td></td><td>0.25</td><td>of max.in.flight, kept for the interactive lane (P.jobs.interactive)</td></tr>
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
 *   <tr><td>prices.file</td><td></td><td>the shipped prices.json</td><td>a price file in the same format; its models replace or add by id</td></tr>
 *   <tr><td>api.prices</td><td></td><td>none</td><td>model:input:output USD per MTok, comma-separated, over the file</td></tr>
 *   <tr><td>plan.usd.per.month</td><td></td><td>none</td><td>the subscription's price: read by {@code promptq report}, not the worker</td></tr>
 *   <tr><td>plan.enterprise.factor</td><td></td><td>5</td><td>read by {@code promptq report}: how many times the plan's price is far above it</td></tr>
 *   <tr><td>reply.topics.allowed</td><td></td><td>P.results,P.*</td><td>topics a job may name for its result (never jobs, DLQ, control)</td></tr>
 *   <tr><td>gateway.secret</td><td>PROMPTQ_GATEWAY_SECRET</td><td>none</td><td>base64 HMAC key the gateway seals its jobs with; without it the gateway's reply topics are refused</td></tr>
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
    LaneSettings lane,
    Optional<ClaudeCliSettings> claudeCli,
    int maxInFlight,
    double interactiveShare,
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
    Optional<GatewaySeal> gatewaySeal,
    JobCodec.Limits jobLimits,
    int resultMaxBytes,
    OperatorPolicy operatorPolicy,
    int opsPort,
    String opsBind,
    Map<String, Object> kafkaProperties) {

  public static final String DEFAULT_GROUP_ID = "promptq-workers";
  public static final String DEFAULT_BASE_URL = "https://api.anthropic.com";
  public static final int DEFAULT_MAX_IN_FLIGHT = 256;
  public static final double DEFAULT_INTERACTIVE_SHARE = 0.25;
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
  public static final Duration DEFAULT_QUOTA_WINDOW = QuotaSettings.DEFAULT_WINDOW;

  /** Environment variables read by {@link #fromSettings}, and the keys they set. */
  public static final Map<String, String> ENV_KEYS = Map.ofEntries(
      Map.entry("PROMPTQ_BOOTSTRAP_SERVERS", "bootstrap.servers"),
      Map.entry("PROMPTQ_TOPIC_PREFIX", "topic.prefix"),
      Map.entry("PROMPTQ_GROUP_ID", "group.id"),
      Map.entry("PROMPTQ_WORKER_ID", "worker.id"),
      Map.entry("ANTHROPIC_BASE_URL", "anthropic.base.url"),
      Map.entry(Credentials.OAUTH_TOKEN_ENV, "claude.oauth.token"),
      Map.entry(Credentials.API_KEY_ENV, "anthropic.api.key"),
      Map.entry("PROMPTQ_CREDENTIALS_FILE", "credentials.file"),
      Map.entry(CredentialCipher.KEY_ENV, "credentials.key"),
      Map.entry(GatewaySeal.SECRET_ENV, "gateway.secret"),
      Map.entry("PROMPTQ_OAUTH_CLIENT_ID", "credentials.client.id"));

  /** The keys of the worker itself; each settings type lists its own. */
  private static final List<String> OWN_KEYS = List.of("bootstrap.servers", "topic.prefix", "group.id", "worker.id",
      "anthropic.base.url", "claude.oauth.token", "anthropic.api.key", "max.in.flight", "interactive.reserved.share", "call.timeout.ms",
      "delivery", "ordering", "commit.interval.ms", "shutdown.grace.ms", "revocation.grace.ms", "jobs.partitions",
      "topics.replication.factor", "api.budget.usd.per.day", "api.budget.usd.per.batch", "api.prices",
      "prices.file", "plan.usd.per.month", "plan.enterprise.factor",
      "reply.topics.allowed", "gateway.secret", "job.max.bytes", "job.max.depth", "result.max.bytes", "job.metadata.max.bytes",
      "ops.port", "ops.bind");

  /** Every key {@link #fromSettings} understands besides {@code kafka.*}. */
  public static final List<String> KEYS = Stream.of(OWN_KEYS, RouterSettings.KEYS, OperatorPolicy.KEYS,
      CredentialSettings.KEYS, QuotaSettings.KEYS, LaneSettings.KEYS, ClaudeCliSettings.KEYS).flatMap(List::stream).toList();

  public WorkerConfig {
    Objects.requireNonNull(bootstrapServers, "bootstrapServers");
    Objects.requireNonNull(topics, "topics");
    Objects.requireNonNull(groupId, "groupId");
    Objects.requireNonNull(workerId, "workerId");
    Objects.requireNonNull(anthropicBaseUrl, "anthropicBaseUrl");
    Objects.requireNonNull(credentials, "credentials");
    Objects.requireNonNull(credentialSettings, "credentialSettings");
    Objects.requireNonNull(quota, "quota");
    Objects.requireNonNull(lane, "lane");
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
    Objects.requireNonNull(gatewaySeal, "gatewaySeal");
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

  /**
   * A worker needs at least one credential source: the static token, the API key, a credentials
   * file or the group's key (with which it waits for the group's credentials).
   *
   * @throws dev.promptq.worker.credentials.MissingCredentialsException naming them all if it has none
   */
  public void requireSomeCredential() {
    if (credentialSettings.key() == null && credentialSettings.file() == null) {
      credentials.requireAny();
    }
  }

  /** As a record's, with the values of secret-looking Kafka settings (SASL passwords) redacted. */
  @Override
  public String toString() {
    return "WorkerConfig[bootstrapServers=" + bootstrapServers + ", topics=" + topics + ", groupId=" + groupId
        + ", workerId=" + workerId + ", anthropicBaseUrl=" + anthropicBaseUrl + ", credentials=" + credentials
        + ", credentialSettings=" + credentialSettings + ", quota=" + quota + ", claudeCli=" + claudeCli
        + ", maxInFlight=" + maxInFlight + ", interactiveShare=" + interactiveShare + ", callTimeout=" + callTimeout + ", delivery=" + delivery
        + ", ordering=" + ordering + ", commitInterval=" + commitInterval + ", shutdownGrace=" + shutdownGrace
        + ", revocationGrace=" + revocationGrace + ", jobPartitions=" + jobPartitions + ", replicationFactor="
        + replicationFactor + ", router=" + router + ", prices=" + prices + ", apiBudgetPerDay=" + apiBudgetPerDay
        + ", apiBudgetPerBatch=" + apiBudgetPerBatch + ", replyTopics=" + replyTopics + ", gatewaySeal=" + gatewaySeal + ", jobLimits=" + jobLimits + ", resultMaxBytes=" + resultMaxBytes
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
        .credentialSettings(CredentialSettings.fromSettings(s))
        .quota(QuotaSettings.fromSettings(s))
        .lane(LaneSettings.fromSettings(s))
        .claudeCli(ClaudeCliSettings.fromSettings(s, workerId).orElse(null))
        .maxInFlight(s.getInt("max.in.flight", DEFAULT_MAX_IN_FLIGHT, 1, 100_000))
        .interactiveShare(s.getDouble("interactive.reserved.share", DEFAULT_INTERACTIVE_SHARE, 0, 0.9))
        .callTimeout(Duration.ofMillis(s.getLong("call.timeout.ms", DEFAULT_CALL_TIMEOUT.toMillis(), 1, 86_400_000L)))
        .delivery(Delivery.fromWireName(s.get("delivery", Delivery.EXACTLY_ONCE.wireName())))
        .ordering(Ordering.fromWireName(s.get("ordering", Ordering.UNORDERED.wireName())))
        .commitInterval(Duration.ofMillis(s.getLong("commit.interval.ms", DEFAULT_COMMIT_INTERVAL.toMillis(), 1, 60_000)))
        .shutdownGrace(Duration.ofMillis(s.getLong("shutdown.grace.ms", DEFAULT_SHUTDOWN_GRACE.toMillis(), 0, 3_600_000)))
        .revocationGrace(Duration.ofMillis(
            s.getLong("revocation.grace.ms", DEFAULT_REVOCATION_GRACE.toMillis(), 0, 60_000)))
        .jobPartitions(s.getInt("jobs.partitions", DEFAULT_JOB_PARTITIONS, 1, 10_000))
        .replicationFactor((short) s.getInt("topics.replication.factor", -1, -1, 32))
        .router(RouterSettings.fromSettings(s))
        .prices(PriceTable.of(s.get("prices.file").map(Settings::expandHome).orElse(null),
            s.get("api.prices", "")))
        .apiBudgetPerDay(optionalUsd(s, "api.budget.usd.per.day"))
        .apiBudgetPerBatch(optionalUsd(s, "api.budget.usd.per.batch"))
        .replyTopics(s.get("reply.topics.allowed").map(Globs::parse).orElse(null))
        .gatewaySeal(s.secret("gateway.secret").map(GatewaySeal::fromBase64).orElse(null))
        .jobLimits(new JobCodec.Limits(
            s.getInt("job.max.bytes", JobCodec.Limits.defaults().maxJobBytes(), 1024, 100_000_000),
            s.getInt("job.max.depth", JobCodec.Limits.defaults().maxDepth(), 8, 1000),
            s.getInt("job.metadata.max.bytes", JobCodec.Limits.defaults().maxMetadataBytes(), 0, 100_000_000)))
        .resultMaxBytes(s.getInt("result.max.bytes", DEFAULT_RESULT_MAX_BYTES, 4096, 100_000_000))
        .operatorPolicy(OperatorPolicy.fromSettings(s))
        .ops(s.getInt("ops.port", -1, -1, 65535), s.get("ops.bind", DEFAULT_OPS_BIND))
        .kafkaProperties(s.kafkaProperties())
        .build();
  }

  private static Double optionalUsd(Settings s, String key) {
    return s.get(key).isPresent() ? s.getDouble(key, 0, 0, 1e9) : null;
  }

  public static WorkerConfigBuilder builder(String bootstrapServers) {
    return new WorkerConfigBuilder(bootstrapServers);
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
}
