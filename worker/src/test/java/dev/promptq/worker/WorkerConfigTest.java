package dev.promptq.worker;

import dev.promptq.worker.consume.Ordering;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.promptq.config.Globs;
import dev.promptq.config.Settings;
import dev.promptq.worker.credentials.CredentialSettings;
import dev.promptq.job.JobCodec;
import dev.promptq.job.RoutePolicy;
import dev.promptq.worker.routing.OperatorPolicy;
import dev.promptq.worker.routing.RouterSettings;
import dev.promptq.usage.PriceTable;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class WorkerConfigTest {

  @Test
  void readsEverySettingAndPassesKafkaSettingsThrough() {
    WorkerConfig c = WorkerConfig.fromSettings(Settings.of(Map.ofEntries(
        Map.entry("bootstrap.servers", "b:9092"),
        Map.entry("topic.prefix", "acme"),
        Map.entry("group.id", "g"),
        Map.entry("worker.id", "w7"),
        Map.entry("anthropic.base.url", "http://127.0.0.1:1"),
        Map.entry("claude.oauth.token", "tok"),
        Map.entry("max.in.flight", "9"),
        Map.entry("call.timeout.ms", "1500"),
        Map.entry("jobs.partitions", "3"),
        Map.entry("delivery", "at_least_once"),
        Map.entry("ordering", "key"),
        Map.entry("commit.interval.ms", "7"),
        Map.entry("topics.replication.factor", "3"),
        Map.entry("retry.max.attempts", "4"),
        Map.entry("retry.backoff.ms", "100"),
        Map.entry("retry.backoff.max.ms", "2000"),
        Map.entry("retry.rate.limited.max", "2"),
        Map.entry("breaker.failures", "8"),
        Map.entry("breaker.open.ms", "9000"),
        Map.entry("route.refused.cooldown.ms", "60000"),
        Map.entry("route.reset.jitter.ms", "0"),
        Map.entry("subscription.caution.utilization", "0.75"),
        Map.entry("api.budget.usd.per.day", "12.5"),
        Map.entry("api.budget.usd.per.batch", "2"),
        Map.entry("api.prices", "mine:1:2"),
        Map.entry("reply.topics.allowed", "acme.results, replies.*"),
        Map.entry("job.max.bytes", "2048"),
        Map.entry("job.max.depth", "16"),
        Map.entry("job.metadata.max.bytes", "100"),
        Map.entry("route.policies.allowed", "subscription_only"),
        Map.entry("request.max.tokens.cap", "4096"),
        Map.entry("request.models.allowed", "claude-haiku-*"),
        Map.entry("ops.port", "9464"),
        Map.entry("ops.bind", "0.0.0.0"),
        Map.entry("kafka.security.protocol", "SASL_SSL"),
        Map.entry("kafka.sasl.mechanism", "PLAIN"))));

    assertEquals("b:9092", c.bootstrapServers());
    assertEquals("acme.jobs", c.topics().jobs());
    assertEquals("acme.jobs.dlq", c.topics().deadLetters());
    assertEquals("g", c.groupId());
    assertEquals("w7", c.workerId());
    assertTrue(c.credentials().oauthToken().isPresent());
    assertTrue(c.credentials().apiKey().isEmpty());
    assertEquals(9, c.maxInFlight());
    assertEquals(Duration.ofMillis(1500), c.callTimeout());
    assertEquals(3, c.jobPartitions());
    assertEquals(Delivery.AT_LEAST_ONCE, c.delivery());
    assertEquals(Ordering.KEY, c.ordering());
    assertEquals(Duration.ofMillis(7), c.commitInterval());
    assertEquals(3, c.replicationFactor());
    assertEquals(Map.of("security.protocol", "SASL_SSL", "sasl.mechanism", "PLAIN"), c.kafkaProperties());
    assertEquals(new RouterSettings(4, Duration.ofMillis(100), Duration.ofMillis(2000), 2, 8, Duration.ofMillis(9000),
        Duration.ofMinutes(1), Duration.ZERO, 0.75), c.router());
    assertEquals(12.5, c.apiBudgetPerDay());
    assertEquals(2.0, c.apiBudgetPerBatch());
    assertEquals(new PriceTable.ModelPrice("mine", 1, 2, null), c.prices().find("mine").orElseThrow());
    assertEquals(Globs.parse("acme.results,replies.*"), c.replyTopics());
    assertEquals(new JobCodec.Limits(2048, 16, 100), c.jobLimits());
    assertEquals(new OperatorPolicy(Set.of(RoutePolicy.SUBSCRIPTION_ONLY), 4096L, Globs.parse("claude-haiku-*")),
        c.operatorPolicy());
    assertEquals(9464, c.opsPort());
    assertEquals("0.0.0.0", c.opsBind());
  }

  @Test
  void aBadRouterSettingIsNamed() {
    assertEquals("subscription.caution.utilization: 2 (must be between 0.01 and 1.0)",
        assertThrows(IllegalArgumentException.class, () -> WorkerConfig.fromSettings(Settings.of(Map.of(
            "bootstrap.servers", "b", "subscription.caution.utilization", "2")))).getMessage());
    assertEquals("api.budget.usd.per.day: lots (not a number)",
        assertThrows(IllegalArgumentException.class, () -> WorkerConfig.fromSettings(Settings.of(Map.of(
            "bootstrap.servers", "b", "api.budget.usd.per.day", "lots")))).getMessage());
  }

  @Test
  void credentialSettingsAreReadAndCheckedWithoutEchoingTheKey() {
    String key = java.util.Base64.getEncoder().encodeToString(new byte[32]);
    WorkerConfig c = WorkerConfig.fromSettings(Settings.of(Map.of("bootstrap.servers", "b",
        "credentials.file", "~/.claude/.credentials.json", "credentials.key", key, "credentials.client.id", "cid",
        "credentials.token.url", "http://127.0.0.1:1/v1/oauth/token", "credentials.refresh.margin.ms", "6000",
        "credentials.file.write.back", "false", "claude.oauth.token.expires.at", "2027-11-24T00:00:00Z")));
    CredentialSettings cs = c.credentialSettings();
    assertEquals(java.nio.file.Path.of(System.getProperty("user.home"), ".claude", ".credentials.json"), cs.file());
    assertEquals(key, cs.key().reveal());
    assertEquals("cid", cs.clientId());
    assertEquals(java.time.Duration.ofSeconds(6), cs.refreshMargin());
    assertEquals(false, cs.writeBack());
    assertEquals(java.time.Instant.parse("2027-11-24T00:00:00Z"), cs.staticTokenExpiresAt());
    assertTrue(cs.canRefresh());
    assertFalse(cs.toString().contains(key), cs.toString());

    String badKey = "c2hvcnQ=";  // 5 bytes
    String m = assertThrows(IllegalArgumentException.class, () -> WorkerConfig.fromSettings(Settings.of(Map.of(
        "bootstrap.servers", "b", "credentials.key", badKey)))).getMessage();
    assertTrue(m.startsWith("PROMPTQ_CREDENTIALS_KEY: 5 bytes"), m);
    assertFalse(m.contains(badKey));
    assertEquals("credentials.token.url: nope (not an http(s) URL)",
        assertThrows(IllegalArgumentException.class, () -> WorkerConfig.fromSettings(Settings.of(Map.of(
            "bootstrap.servers", "b", "credentials.token.url", "nope")))).getMessage());
    assertTrue(assertThrows(IllegalArgumentException.class, () -> WorkerConfig.fromSettings(Settings.of(Map.of(
        "bootstrap.servers", "b", "claude.oauth.token.expires.at", "soon")))).getMessage()
        .startsWith("claude.oauth.token.expires.at: soon (an ISO-8601 instant"));
    assertEquals("credentials.refresh.margin.ms: -1 (must be between 0 and 2592000000)",
        assertThrows(IllegalArgumentException.class, () -> WorkerConfig.fromSettings(Settings.of(Map.of(
            "bootstrap.servers", "b", "credentials.refresh.margin.ms", "-1")))).getMessage());
  }

  @Test
  void defaultsAreTheDocumentedOnes() {
    WorkerConfig c = WorkerConfig.fromSettings(Settings.of(Map.of("bootstrap.servers", "b:9092")));
    assertEquals("promptq.jobs", c.topics().jobs());
    assertEquals("promptq-workers", c.groupId());
    assertEquals("https://api.anthropic.com", c.anthropicBaseUrl());
    assertEquals(256, c.maxInFlight());
    assertEquals(Duration.ofMinutes(10), c.callTimeout());
    assertEquals(Delivery.EXACTLY_ONCE, c.delivery());
    assertEquals(Ordering.UNORDERED, c.ordering());
    assertEquals(Duration.ofMillis(20), c.commitInterval());
    assertEquals(Duration.ofSeconds(30), c.shutdownGrace());
    assertEquals(Duration.ofSeconds(5), c.revocationGrace());
    assertEquals(12, c.jobPartitions());
    assertEquals(-1, c.replicationFactor());
    assertEquals(RouterSettings.defaults(), c.router());
    assertEquals(null, c.apiBudgetPerDay());
    assertEquals(null, c.apiBudgetPerBatch());
    assertEquals(Globs.parse("promptq.results,promptq.*"), c.replyTopics());
    assertEquals(JobCodec.Limits.defaults(), c.jobLimits());
    assertEquals(OperatorPolicy.permissive(), c.operatorPolicy());
    assertEquals(-1, c.opsPort(), "no endpoint unless asked");
    assertEquals("127.0.0.1", c.opsBind());
    assertEquals(java.util.Optional.empty(), c.claudeCli(), "the subscription over http unless asked");
  }

  @Test
  void theClaudeCliTransportIsReadWithItsDefaultsAndCheckedSettings() {
    WorkerConfig c = WorkerConfig.fromSettings(Settings.of(Map.of("bootstrap.servers", "b",
        "subscription.transport", "claude-cli", "worker.id", "w/1")));
    dev.promptq.worker.claudecli.ClaudeCliSettings cli = c.claudeCli().orElseThrow();
    assertEquals("claude", cli.executable());
    assertEquals(8, cli.processes());
    assertEquals(dev.promptq.worker.anthropic.Transports.Inexpressible.NEXT_ROUTE, cli.inexpressible());
    assertEquals(java.nio.file.Path.of(System.getProperty("java.io.tmpdir"), "promptq-claude-cli", "w_1"), cli.home());

    WorkerConfig set = WorkerConfig.fromSettings(Settings.of(Map.of("bootstrap.servers", "b",
        "subscription.transport", "claude-cli", "claude.cli.path", "/opt/claude/bin/claude", "claude.cli.home", "/srv/q",
        "claude.cli.processes", "3", "claude.cli.inexpressible", "http")));
    assertEquals(new dev.promptq.worker.claudecli.ClaudeCliSettings("/opt/claude/bin/claude",
        java.nio.file.Path.of("/srv/q"), 3, dev.promptq.worker.anthropic.Transports.Inexpressible.HTTP),
        set.claudeCli().orElseThrow());

    assertEquals("subscription.transport: claude (http or claude-cli)", assertThrows(IllegalArgumentException.class,
        () -> WorkerConfig.fromSettings(Settings.of(Map.of("bootstrap.servers", "b", "subscription.transport",
            "claude")))).getMessage());
    assertEquals("claude.cli.processes: 4 (set, but subscription.transport is http; set "
        + "subscription.transport=claude-cli to use it)", assertThrows(IllegalArgumentException.class,
        () -> WorkerConfig.fromSettings(Settings.of(Map.of("bootstrap.servers", "b", "claude.cli.processes", "4"))))
        .getMessage());
    assertEquals("claude.cli.inexpressible: drop (next_route or http)", assertThrows(IllegalArgumentException.class,
        () -> WorkerConfig.fromSettings(Settings.of(Map.of("bootstrap.servers", "b", "subscription.transport",
            "claude-cli", "claude.cli.inexpressible", "drop")))).getMessage());
    assertEquals("claude.cli.processes: 9 (more than max.in.flight 8: the processes beyond it would never run)",
        assertThrows(IllegalArgumentException.class, () -> WorkerConfig.fromSettings(Settings.of(Map.of(
            "bootstrap.servers", "b", "subscription.transport", "claude-cli", "claude.cli.processes", "9",
            "max.in.flight", "8")))).getMessage());
  }

  @Test
  void anUnknownRoutePolicyInTheAllowListIsNamed() {
    assertEquals("route.policies.allowed: cheap (unknown route policy: cheap (expected subscription_first, "
        + "subscription_only, api_only or api_batch))", assertThrows(IllegalArgumentException.class,
            () -> WorkerConfig.fromSettings(Settings.of(Map.of("bootstrap.servers", "b",
                "route.policies.allowed", "subscription_only,cheap")))).getMessage());
  }

  @Test
  void anUnknownDeliveryModeIsNamed() {
    assertEquals("delivery: twice (expected exactly_once or at_least_once)", assertThrows(IllegalArgumentException.class,
        () -> WorkerConfig.fromSettings(Settings.of(Map.of("bootstrap.servers", "b", "delivery", "twice")))).getMessage());
  }

  @Test
  void aMissingBootstrapIsNamed() {
    assertEquals("bootstrap.servers: not set (set PROMPTQ_BOOTSTRAP_SERVERS or --bootstrap-servers)",
        assertThrows(IllegalArgumentException.class, () -> WorkerConfig.fromSettings(Settings.of(Map.of()))).getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"enable.auto.commit", "isolation.level", "group.id", "transactional.id"})
  void kafkaSettingsThatWouldUndoTheDeliveryGuaranteesAreRefused(String key) {
    String message = assertThrows(IllegalArgumentException.class, () -> WorkerConfig.fromSettings(Settings.of(Map.of(
        "bootstrap.servers", "b", "kafka." + key, "x")))).getMessage();
    assertTrue(message.startsWith("kafka." + key + ": promptq sets this itself"), message);
  }

  @Test
  void aSaslPasswordIsNeverPrintedWithTheConfiguration() {
    String password = "planted-sasl-password-31337";
    WorkerConfig c = WorkerConfig.fromSettings(Settings.of(Map.of("bootstrap.servers", "b",
        "kafka.sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"u\" "
            + "password=\"" + password + "\";",
        "kafka.ssl.truststore.password", password, "kafka.security.protocol", "SASL_SSL")));

    assertFalse(c.toString().contains(password), c.toString());
    assertTrue(c.toString().contains("security.protocol=SASL_SSL"), "other settings still show");
    assertTrue(c.kafkaProperties().get("sasl.jaas.config").toString().contains(password), "the clients still get it");
  }

  @Test
  void theMaximumJobAgeIsReadAndDefaultsToADay() {
    assertEquals(Duration.ofHours(24), WorkerConfig.fromSettings(Settings.of(Map.of("bootstrap.servers", "b")))
        .router().maxJobAge());
    assertEquals(Duration.ofMinutes(90), WorkerConfig.fromSettings(Settings.of(Map.of("bootstrap.servers", "b",
        "job.max.age.ms", "5400000"))).router().maxJobAge());
  }

  @Test
  void theDefaultTokenEndpointIsTheOneClaudeCode21RefreshesAt() {
    // Claude Code 2.1 refreshes at platform.claude.com; the console host answers 404 since mid-2026.
    assertEquals("https://platform.claude.com/v1/oauth/token",
        WorkerConfig.fromSettings(dev.promptq.config.Settings.of(java.util.Map.of("bootstrap.servers", "b:9092")))
            .credentialSettings().tokenUrl());
  }

  @Test
  void theSubscriptionsWindowLengthsAreThePlansUnlessASimulatorCompressesThem() {
    assertEquals(Map.of("5h", Duration.ofHours(5), "7d", Duration.ofDays(7)),
        WorkerConfig.fromSettings(Settings.of(Map.of("bootstrap.servers", "b"))).quota().windowLengths());
    assertEquals(Map.of("5h", Duration.ofSeconds(20), "7d", Duration.ofDays(7), "7d_oi", Duration.ofMinutes(2)),
        WorkerConfig.fromSettings(Settings.of(Map.of("bootstrap.servers", "b", "subscription.window.lengths",
            "5h=PT20S, 7d_oi=PT2M"))).quota().windowLengths());
    assertEquals("subscription.window.lengths: 5h=20s (expected NAME=DURATION, e.g. 5h=PT20S; durations in ISO-8601 "
        + "and positive)", assertThrows(IllegalArgumentException.class, () -> WorkerConfig.fromSettings(Settings.of(
            Map.of("bootstrap.servers", "b", "subscription.window.lengths", "5h=20s")))).getMessage());
    assertThrows(IllegalArgumentException.class, () -> WorkerConfig.fromSettings(Settings.of(
        Map.of("bootstrap.servers", "b", "subscription.window.lengths", "5h=PT0S"))));
  }

  @Test
  void theApiKeysTokenLimitsMayBeGivenAsUpperBounds() {
    WorkerConfig none = WorkerConfig.fromSettings(Settings.of(Map.of("bootstrap.servers", "b")));
    assertEquals(0, none.quota().apiInputTokensPerMinute(), "learned from the answers alone");
    WorkerConfig set = WorkerConfig.fromSettings(Settings.of(Map.of("bootstrap.servers", "b",
        "quota.api.input.tokens.per.minute", "450000", "quota.api.output.tokens.per.minute", "90000")));
    assertEquals(450_000, set.quota().apiInputTokensPerMinute());
    assertEquals(90_000, set.quota().apiOutputTokensPerMinute());
    assertThrows(IllegalArgumentException.class, () -> WorkerConfig.fromSettings(Settings.of(Map.of(
        "bootstrap.servers", "b", "quota.api.input.tokens.per.minute", "-1"))));
  }
}
