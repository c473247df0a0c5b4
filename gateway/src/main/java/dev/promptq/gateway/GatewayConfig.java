package dev.promptq.gateway;

import dev.promptq.config.Settings;
import dev.promptq.gateway.api.ApiSettings;
import dev.promptq.gateway.api.TlsFiles;
import dev.promptq.gateway.keys.KeyLimits;
import dev.promptq.job.JobCodec;
import dev.promptq.kafka.GatewaySeal;
import dev.promptq.kafka.Topics;
import dev.promptq.usage.PriceTable;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import javax.net.ssl.SSLContext;

/**
 * A gateway's settings.
 *
 * <table>
 *   <caption>Settings ({@code --config}, environment, flags)</caption>
 *   <tr><th>key</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>bootstrap.servers, topic.prefix, kafka.*</td><td></td><td>as for workers</td></tr>
 *   <tr><td>gateway.secret ({@code PROMPTQ_GATEWAY_SECRET})</td><td>required</td><td>base64, the workers' too: seals the gateway's jobs ({@link GatewaySeal})</td></tr>
 *   <tr><td>gateway.bind</td><td>127.0.0.1</td><td>the address it listens on</td></tr>
 *   <tr><td>gateway.port</td><td>8088</td><td>0 for any free port</td></tr>
 *   <tr><td>gateway.tls.cert, gateway.tls.key</td><td>none (HTTP)</td><td>PEM certificate (chain) and PKCS#8 key: serve HTTPS</td></tr>
 *   <tr><td>gateway.instance.id</td><td>host-pid</td><td>names this instance in usage records</td></tr>
 *   <tr><td>gateway.timeout.default.ms</td><td>600000</td><td>a caller's time-out when it sends no {@code x-stainless-timeout}</td></tr>
 *   <tr><td>gateway.timeout.max.ms</td><td>3600000</td><td>the longest a caller may wait</td></tr>
 *   <tr><td>gateway.anthropic.versions</td><td>2023-06-01,2026-10-21</td><td>accepted {@code anthropic-version}s</td></tr>
 *   <tr><td>gateway.models</td><td>the price table's live models</td><td>what {@code GET /v1/models} lists</td></tr>
 *   <tr><td>gateway.batch.max.bytes, gateway.batch.max.requests</td><td>256 MB, 100000</td><td>a Message Batch, at most (the API's limits)</td></tr>
 *   <tr><td>gateway.ops.port</td><td>off</td><td>serves {@code /metrics} on 127.0.0.1 (or {@code gateway.ops.bind})</td></tr>
 *   <tr><td>job.max.bytes, job.max.depth</td><td>524288, 64</td><td>a request's size and nesting, at most (the workers' limits)</td></tr>
 * </table>
 */
public record GatewayConfig(String bootstrapServers, Topics topics, Map<String, Object> kafkaProperties, String bind,
    int port, String instanceId, ApiSettings api, String opsBind, Integer opsPort, GatewaySeal seal,
    SSLContext tls) {

  public static final int DEFAULT_PORT = 8088;

  /** Every key {@link #fromSettings} understands besides {@code kafka.*}. */
  public static final List<String> KEYS = List.of("bootstrap.servers", "topic.prefix", "gateway.secret", "gateway.bind",
      "gateway.tls.cert", "gateway.tls.key", "gateway.port",
      "gateway.instance.id", "gateway.timeout.default.ms", "gateway.timeout.max.ms", "gateway.anthropic.versions",
      "gateway.models", "gateway.batch.max.bytes", "gateway.batch.max.requests", "gateway.ops.port", "gateway.ops.bind", "job.max.bytes", "job.max.depth");

  public GatewayConfig {
    Objects.requireNonNull(bootstrapServers, "bootstrapServers");
    Objects.requireNonNull(topics, "topics");
    Objects.requireNonNull(seal, "seal");
    kafkaProperties = Map.copyOf(kafkaProperties);
  }

  /** Defaults on {@code bootstrapServers}, sealing with {@code secret}, listening on any free loopback port. */
  public static GatewayConfig of(String bootstrapServers, Topics topics, String secret) {
    return fromSettings(Settings.of(Map.of("bootstrap.servers", bootstrapServers, "gateway.secret", secret)), topics)
        .withPort(0);
  }

  public GatewayConfig withPort(int p) {
    return new GatewayConfig(bootstrapServers, topics, kafkaProperties, bind, p, instanceId, api, opsBind, opsPort, seal, tls);
  }

  public GatewayConfig withInstanceId(String id) {
    return new GatewayConfig(bootstrapServers, topics, kafkaProperties, bind, port, id, api, opsBind, opsPort, seal, tls);
  }

  public GatewayConfig withOpsPort(Integer p) {
    return new GatewayConfig(bootstrapServers, topics, kafkaProperties, bind, port, instanceId, api, opsBind, p, seal, tls);
  }

  /**
   * @throws IllegalArgumentException naming the setting that is wrong
   */
  public static GatewayConfig fromSettings(Settings s) {
    return fromSettings(s, Topics.withPrefix(s.get("topic.prefix", Topics.DEFAULT_PREFIX)));
  }

  private static GatewayConfig fromSettings(Settings s, Topics topics) {
    s.rejectUnknown(KEYS);
    JobCodec.Limits d = JobCodec.Limits.defaults();
    JobCodec.Limits limits = new JobCodec.Limits(s.getInt("job.max.bytes", d.maxJobBytes(), 1024, 100_000_000),
        s.getInt("job.max.depth", d.maxDepth(), 8, 1000), d.maxMetadataBytes());
    Set<String> versions = new LinkedHashSet<>(list(s.get("gateway.anthropic.versions").orElse(null)));
    if (versions.isEmpty()) {
      versions.addAll(ApiSettings.KNOWN_VERSIONS);
    }
    List<String> models = list(s.get("gateway.models").orElse(null));
    if (models.isEmpty()) {
      models = PriceTable.defaults().models().stream().filter(m -> m.retired() == null)
          .map(PriceTable.ModelPrice::model).sorted().toList();
    }
    ApiSettings api = new ApiSettings(topics.gatewayReplies(), limits,
        s.millis("gateway.timeout.default.ms", Duration.ofMinutes(10), 1000, 86_400_000L),
        s.millis("gateway.timeout.max.ms", Duration.ofHours(1), 1000, 86_400_000L), versions, models,
        s.getInt("gateway.batch.max.bytes", ApiSettings.API_BATCH_MAX_BYTES, 1024, ApiSettings.API_BATCH_MAX_BYTES),
        s.getInt("gateway.batch.max.requests", ApiSettings.API_BATCH_MAX_REQUESTS, 1,
            ApiSettings.API_BATCH_MAX_REQUESTS));
    String instance = s.get("gateway.instance.id", defaultInstanceId());
    if (instance.equals(KeyLimits.BATCHES) || !instance.matches("[A-Za-z0-9._-]{1,100}")) {
      throw new IllegalArgumentException("gateway.instance.id: " + instance + " (1-100 of [A-Za-z0-9._-], not "
          + KeyLimits.BATCHES + ")");
    }
    GatewaySeal seal = GatewaySeal.fromBase64(s.secret("gateway.secret").orElseThrow(() -> new IllegalArgumentException(
        "gateway.secret: not set (" + GatewaySeal.SECRET_ENV + ": the same base64 secret the workers have; make one "
            + "with: openssl rand -base64 32)")));
    Optional<String> cert = s.get("gateway.tls.cert");
    Optional<String> key = s.get("gateway.tls.key");
    if (cert.isPresent() != key.isPresent()) {
      throw new IllegalArgumentException((cert.isPresent() ? "gateway.tls.key" : "gateway.tls.cert")
          + ": not set (HTTPS needs both the certificate and its key)");
    }
    SSLContext tls = cert.isPresent() ? TlsFiles.load(Settings.expandHome(cert.get()),
        Settings.expandHome(key.get())) : null;
    Integer ops = s.get("gateway.ops.port").isPresent() ? s.getInt("gateway.ops.port", 0, 0, 65535) : null;
    return new GatewayConfig(s.get("bootstrap.servers").orElseThrow(() ->
        new IllegalArgumentException("bootstrap.servers: not set")), topics,
        s.kafkaProperties(),
        s.get("gateway.bind", "127.0.0.1"), s.getInt("gateway.port", DEFAULT_PORT, 0, 65535),
        instance, api, s.get("gateway.ops.bind", "127.0.0.1"), ops, seal, tls);
  }

  private static List<String> list(String commaSeparated) {
    return commaSeparated == null ? List.of()
        : Arrays.stream(commaSeparated.split(",")).map(String::trim).filter(x -> !x.isEmpty()).toList();
  }

  private static String defaultInstanceId() {
    String host;
    try {
      host = InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      host = "gateway";
    }
    return (host + "-" + ManagementFactory.getRuntimeMXBean().getPid()).replaceAll("[^A-Za-z0-9._-]", "-");
  }
}
