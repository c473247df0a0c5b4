package dev.promptq.gateway;

import dev.promptq.gateway.api.ApiServer;
import dev.promptq.gateway.api.GatewayMetrics;
import dev.promptq.gateway.batches.BatchStore;
import dev.promptq.gateway.keys.ControlFeed;
import dev.promptq.gateway.keys.KeyBook;
import dev.promptq.gateway.keys.KeyLimits;
import dev.promptq.kafka.KafkaClientProperties;
import dev.promptq.producer.ClientConfig;
import dev.promptq.producer.PromptQClient;
import dev.promptq.usage.PriceTable;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An Anthropic-compatible front door to a worker group: apps on Anthropic's SDKs call it by
 * changing their base URL. Requests become jobs, results become answers. It keeps no state of its
 * own outside Kafka (keys and their use live on the control topic, results come from
 * {@code Topics.gatewayReplies()}), so any number of instances can run behind a load balancer.
 *
 * <pre>{@code
 * try (Gateway g = Gateway.start(GatewayConfig.fromSettings(settings))) {
 *   System.out.println("http://" + g.address().getHostString() + ":" + g.address().getPort());
 * }
 * }</pre>
 *
 * <p>Owns its Kafka clients, the HTTP server and their threads; {@link #close()} releases them.
 */
public final class Gateway implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Gateway.class);

  private final GatewayConfig config;
  private final PromptQClient client;
  private final ControlFeed feed;
  private final KeyLimits limits;
  private final BatchStore batches;
  private final ApiServer server;
  private final Optional<OpsEndpoint> ops;

  private Gateway(GatewayConfig config, Clock clock) {
    this.config = config;
    KeyBook keys = new KeyBook();
    this.client = PromptQClient.create(new ClientConfig(config.bootstrapServers(), config.topics(),
        ClientConfig.DEFAULT_JOB_PARTITIONS, config.kafkaProperties()).interactiveLane().sealedWith(config.seal()));
    client.prepareReplies(config.api().replyTopic());
    this.feed = new ControlFeed(KafkaClientProperties.of(config.bootstrapServers(), config.kafkaProperties(),
        KafkaClientProperties.committedReader("promptq-gateway-" + config.instanceId(), 100)),
        config.topics().control(), config.instanceId(), keys).start(Duration.ofSeconds(60));
    this.batches = new BatchStore(config.bootstrapServers(), config.kafkaProperties(), config.topics(),
        ClientConfig.DEFAULT_JOB_PARTITIONS, config.instanceId(), config.seal(), clock);
    this.limits = new KeyLimits(keys, config.instanceId(), config.bootstrapServers(), config.kafkaProperties(),
        config.topics().control(), batches.ledger()::spend, clock);
    GatewayMetrics metrics = new GatewayMetrics();
    this.server = new ApiServer(config.bind(), config.port(), config.api(), keys, limits, client, batches, metrics,
        PriceTable.defaults().checked(), Optional.ofNullable(config.tls()), clock);
    this.ops = Optional.ofNullable(config.opsPort()).map(p -> new OpsEndpoint(config.opsBind(), p,
        config.instanceId(), metrics));
    log.info("gateway {} listening on {} ({} known keys), messages to {}, batches to {}, jobs sealed with gateway "
        + "secret {} (workers need the same one)", config.instanceId(), server.address(), keys.keys().size(),
        config.topics().interactive(), config.topics().jobs(), config.seal().fingerprint());
  }

  /**
   * Connects to Kafka (creating missing topics), reads the keys, and starts serving.
   *
   * @throws IllegalStateException if Kafka cannot be reached
   * @throws java.io.UncheckedIOException if the address cannot be bound
   */
  public static Gateway start(GatewayConfig config) {
    return start(config, Clock.systemUTC());
  }

  /** As {@link #start(GatewayConfig)}, with the clock of batch expiry, key days and deadlines. */
  static Gateway start(GatewayConfig config, Clock clock) {
    return new Gateway(config, clock);
  }

  public InetSocketAddress address() {
    return server.address();
  }

  /** The base URL an SDK takes, {@code http://host:port} (or {@code https://} with TLS). */
  public String baseUrl() {
    return (config.tls() == null ? "http://" : "https://") + address().getHostString() + ":" + address().getPort();
  }

  public Optional<InetSocketAddress> opsAddress() {
    return ops.map(OpsEndpoint::address);
  }

  public GatewayConfig config() {
    return config;
  }

  @Override
  public void close() {
    server.close(2);
    ops.ifPresent(OpsEndpoint::close);
    limits.close();
    batches.close();
    feed.close();
    client.close();
  }
}
