package dev.promptq.worker;

import dev.promptq.config.Globs;
import dev.promptq.job.JobCodec;
import dev.promptq.kafka.GatewaySeal;
import dev.promptq.kafka.Topics;
import dev.promptq.worker.claudecli.ClaudeCliSettings;
import dev.promptq.worker.consume.Ordering;
import dev.promptq.worker.credentials.CredentialSettings;
import dev.promptq.worker.credentials.Credentials;
import dev.promptq.worker.lane.LaneSettings;
import dev.promptq.worker.quota.QuotaSettings;
import dev.promptq.worker.routing.OperatorPolicy;
import dev.promptq.worker.routing.RouterSettings;
import dev.promptq.usage.PriceTable;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/** Builds a {@link WorkerConfig} with the documented defaults. Not thread-safe. */
public final class WorkerConfigBuilder {
  private final String bootstrapServers;
  private Topics topics = Topics.defaults();
  private String groupId = WorkerConfig.DEFAULT_GROUP_ID;
  private String workerId = WorkerConfig.defaultWorkerId();
  private String anthropicBaseUrl = WorkerConfig.DEFAULT_BASE_URL;
  private Credentials credentials = Credentials.none();
  private CredentialSettings credentialSettings = CredentialSettings.defaults();
  private QuotaSettings quota = QuotaSettings.none();
  private LaneSettings lane = LaneSettings.defaults();
  private ClaudeCliSettings claudeCli;
  private int maxInFlight = WorkerConfig.DEFAULT_MAX_IN_FLIGHT;
  private double interactiveShare = WorkerConfig.DEFAULT_INTERACTIVE_SHARE;
  private Duration callTimeout = WorkerConfig.DEFAULT_CALL_TIMEOUT;
  private Delivery delivery = Delivery.EXACTLY_ONCE;
  private Ordering ordering = Ordering.UNORDERED;
  private Duration commitInterval = WorkerConfig.DEFAULT_COMMIT_INTERVAL;
  private Duration shutdownGrace = WorkerConfig.DEFAULT_SHUTDOWN_GRACE;
  private Duration revocationGrace = WorkerConfig.DEFAULT_REVOCATION_GRACE;
  private int jobPartitions = WorkerConfig.DEFAULT_JOB_PARTITIONS;
  private short replicationFactor = -1;
  private RouterSettings router = RouterSettings.defaults();
  private PriceTable prices = PriceTable.defaults();
  private Double apiBudgetPerDay;
  private Double apiBudgetPerBatch;
  private Globs replyTopics;
  private GatewaySeal gatewaySeal;
  private JobCodec.Limits jobLimits = JobCodec.Limits.defaults();
  private int resultMaxBytes = WorkerConfig.DEFAULT_RESULT_MAX_BYTES;
  private OperatorPolicy operatorPolicy = OperatorPolicy.permissive();
  private int opsPort = -1;
  private String opsBind = WorkerConfig.DEFAULT_OPS_BIND;
  private Map<String, Object> kafkaProperties = Map.of();

  WorkerConfigBuilder(String bootstrapServers) {
    this.bootstrapServers = bootstrapServers;
  }

  public WorkerConfigBuilder topics(Topics v) {
    this.topics = v;
    return this;
  }

  public WorkerConfigBuilder groupId(String v) {
    this.groupId = v;
    return this;
  }

  public WorkerConfigBuilder workerId(String v) {
    this.workerId = v;
    return this;
  }

  public WorkerConfigBuilder anthropicBaseUrl(String v) {
    this.anthropicBaseUrl = v;
    return this;
  }

  public WorkerConfigBuilder credentials(Credentials v) {
    this.credentials = v;
    return this;
  }

  /** How subscription credentials are found, shared and refreshed; default: the static token only. */
  public WorkerConfigBuilder credentialSettings(CredentialSettings v) {
    this.credentialSettings = v;
    return this;
  }

  /** The group's budgets per route; default none (no pacing). */
  /** How {@code api_batch} jobs are gathered into Message Batches. */
  public WorkerConfigBuilder lane(LaneSettings v) {
    this.lane = v;
    return this;
  }

  public WorkerConfigBuilder quota(QuotaSettings v) {
    this.quota = v;
    return this;
  }

  /** Subscription calls through Claude Code's headless mode; null (default) for http. */
  public WorkerConfigBuilder claudeCli(ClaudeCliSettings v) {
    this.claudeCli = v;
    return this;
  }

  /** Of max.in.flight, the share only the interactive lane's jobs may take (0 to 0.9; default 0.25). */
  public WorkerConfigBuilder interactiveShare(double v) {
    this.interactiveShare = v;
    return this;
  }

  public WorkerConfigBuilder maxInFlight(int v) {
    this.maxInFlight = v;
    return this;
  }

  public WorkerConfigBuilder callTimeout(Duration v) {
    this.callTimeout = v;
    return this;
  }

  public WorkerConfigBuilder delivery(Delivery v) {
    this.delivery = v;
    return this;
  }

  public WorkerConfigBuilder ordering(Ordering v) {
    this.ordering = v;
    return this;
  }

  public WorkerConfigBuilder commitInterval(Duration v) {
    this.commitInterval = v;
    return this;
  }

  public WorkerConfigBuilder shutdownGrace(Duration v) {
    this.shutdownGrace = v;
    return this;
  }

  public WorkerConfigBuilder revocationGrace(Duration v) {
    this.revocationGrace = v;
    return this;
  }

  /** Replication factor of topics the worker creates; -1 (default) takes the broker's. */
  public WorkerConfigBuilder replicationFactor(short v) {
    this.replicationFactor = v;
    return this;
  }

  public WorkerConfigBuilder jobPartitions(int v) {
    this.jobPartitions = v;
    return this;
  }

  /** Retries, backoff, breaker and route hold-offs; default {@link RouterSettings#defaults()}. */
  public WorkerConfigBuilder router(RouterSettings v) {
    this.router = v;
    return this;
  }

  public WorkerConfigBuilder prices(PriceTable v) {
    this.prices = v;
    return this;
  }

  /** The group's API budget per UTC day in USD; null (default) for none. */
  public WorkerConfigBuilder apiBudgetPerDay(Double v) {
    this.apiBudgetPerDay = v;
    return this;
  }

  /** The group's API budget per job {@code batch} in USD; null (default) for none. */
  public WorkerConfigBuilder apiBudgetPerBatch(Double v) {
    this.apiBudgetPerBatch = v;
    return this;
  }

  /** Topics a job may name for its result; null (default) for {@code P.results,P.*}. */
  public WorkerConfigBuilder replyTopics(Globs v) {
    this.replyTopics = v;
    return this;
  }

  public WorkerConfigBuilder resultMaxBytes(int v) {
    this.resultMaxBytes = v;
    return this;
  }

  public WorkerConfigBuilder jobLimits(JobCodec.Limits v) {
    this.jobLimits = v;
    return this;
  }

  /** What jobs may ask for; default {@link OperatorPolicy#permissive()}. */
  public WorkerConfigBuilder operatorPolicy(OperatorPolicy v) {
    this.operatorPolicy = v;
    return this;
  }

  /** The gateway's seal: jobs carrying it may answer into the gateway's reply topics (default: none may). */
  public WorkerConfigBuilder gatewaySeal(GatewaySeal v) {
    this.gatewaySeal = v;
    return this;
  }

  /**
   * Serves {@code /metrics} and {@code /health} on {@code bind:port} (port 0: any free one;
   * -1, the default: off).
   */
  public WorkerConfigBuilder ops(int port, String bind) {
    this.opsPort = port;
    this.opsBind = bind;
    return this;
  }

  /** Extra Kafka client settings (security, tuning), applied to every client the worker makes. */
  public WorkerConfigBuilder kafkaProperties(Map<String, Object> v) {
    this.kafkaProperties = v;
    return this;
  }

  public WorkerConfig build() {
    return new WorkerConfig(bootstrapServers, topics, groupId, workerId, anthropicBaseUrl, credentials,
        credentialSettings, quota, lane, Optional.ofNullable(claudeCli),
        maxInFlight, interactiveShare, callTimeout, delivery, ordering, commitInterval, shutdownGrace, revocationGrace, jobPartitions,
        replicationFactor, router, prices, apiBudgetPerDay, apiBudgetPerBatch,
        replyTopics != null ? replyTopics : defaultReplyTopics(topics),
        Optional.ofNullable(gatewaySeal), jobLimits, resultMaxBytes, operatorPolicy, opsPort, opsBind,
        kafkaProperties);
  }

  /** {@code P.results} and {@code P.*} for the default topic names of prefix {@code P}. */
  static Globs defaultReplyTopics(Topics topics) {
    String results = topics.results();
    return results.endsWith(".results")
        ? Globs.parse(results + "," + results.substring(0, results.length() - "results".length()) + "*")
        : Globs.parse(results);
  }
}
