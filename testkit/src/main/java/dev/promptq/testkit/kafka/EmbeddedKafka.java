package dev.promptq.testkit.kafka;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;

/**
 * A single-node Apache Kafka broker in KRaft mode (broker and controller in one), in this process.
 *
 * <p>It is Kafka's own server from Maven Central, not a fake: transactions, consumer groups and
 * compaction behave as in production. Listens on 127.0.0.1 only. With a data directory that
 * already holds a formatted log, it reuses the data; with no data directory it uses a temporary
 * one and deletes it on {@link #close()}.
 *
 * <pre>{@code
 * try (EmbeddedKafka kafka = EmbeddedKafka.builder().build().start()) {
 *   String bootstrap = kafka.bootstrapServers();
 * }
 * }</pre>
 *
 * <p>Not thread-safe: start and close from one thread.
 */
public final class EmbeddedKafka implements AutoCloseable {

  private static final int NODE_ID = 1;

  private final int requestedPort;
  private final Path dataDir;
  private final boolean deleteOnClose;
  private final Map<String, String> overrides;
  private KafkaRaftServer server;
  private int port;

  private EmbeddedKafka(Builder b) {
    this.requestedPort = b.port;
    this.overrides = Map.copyOf(b.overrides);
    if (b.dataDir == null) {
      try {
        Path base = b.tempParent != null ? b.tempParent : Path.of(System.getProperty("java.io.tmpdir"));
        Files.createDirectories(base);
        this.dataDir = Files.createTempDirectory(base, "promptq-kafka-");
      } catch (IOException e) {
        throw new UncheckedIOException("cannot create a temporary data directory", e);
      }
      this.deleteOnClose = true;
    } else {
      this.dataDir = b.dataDir.toAbsolutePath();
      this.deleteOnClose = false;
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Formats the data directory if needed and starts the broker; returns when it accepts requests.
   *
   * @throws IllegalStateException if already started or the broker fails to start
   */
  public EmbeddedKafka start() {
    if (server != null) {
      throw new IllegalStateException("already started");
    }
    try {
      Files.createDirectories(dataDir);
      port = requestedPort > 0 ? requestedPort : freePort();
      int controllerPort = freePort();
      Path logDir = dataDir.resolve("log");
      Map<String, Object> props = new HashMap<>();
      props.put("process.roles", "broker,controller");
      props.put("node.id", String.valueOf(NODE_ID));
      props.put("listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
      props.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
      props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
      props.put("controller.listener.names", "CONTROLLER");
      props.put("inter.broker.listener.name", "PLAINTEXT");
      props.put("controller.quorum.voters", NODE_ID + "@127.0.0.1:" + controllerPort);
      props.put("log.dirs", logDir.toString());
      props.put("offsets.topic.replication.factor", "1");
      props.put("offsets.topic.num.partitions", "5");
      props.put("transaction.state.log.replication.factor", "1");
      props.put("transaction.state.log.min.isr", "1");
      props.put("transaction.state.log.num.partitions", "5");
      props.put("share.coordinator.state.topic.replication.factor", "1");
      props.put("share.coordinator.state.topic.min.isr", "1");
      props.put("group.initial.rebalance.delay.ms", "0");
      props.put("num.partitions", "1");
      props.put("default.replication.factor", "1");
      props.put("auto.create.topics.enable", "false");
      props.putAll(overrides);
      KafkaConfig config = new KafkaConfig(props, false);

      if (!Files.exists(logDir.resolve("meta.properties"))) {
        new Formatter()
            .setNodeId(NODE_ID)
            .setClusterId(Uuid.randomUuid().toString())
            .addDirectory(logDir.toString())
            .setMetadataLogDirectory(logDir.toString())
            .setReleaseVersion(MetadataVersion.latestProduction())
            .setControllerListenerName("CONTROLLER")
            .setPrintStream(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()))
            .run();
      }
      server = new KafkaRaftServer(config, Time.SYSTEM);
      server.startup();
      return this;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the embedded broker in " + dataDir, e);
    } catch (Exception e) {
      throw new IllegalStateException("cannot start the embedded broker in " + dataDir + ": " + e.getMessage(), e);
    }
  }

  /** {@code 127.0.0.1:port}, for {@code bootstrap.servers}. */
  public String bootstrapServers() {
    if (server == null) {
      throw new IllegalStateException("not started");
    }
    return "127.0.0.1:" + port;
  }

  public Path dataDir() {
    return dataDir;
  }

  /** Stops the broker and, for a temporary data directory, deletes it. Idempotent. */
  @Override
  public void close() {
    if (server != null) {
      server.shutdown();
      server.awaitShutdown();
      server = null;
    }
    if (deleteOnClose) {
      deleteRecursively(dataDir);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    }
  }

  private static void deleteRecursively(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // Leftovers in a temp directory are harmless; nothing to report to the caller.
    }
  }

  /** Settings for an {@link EmbeddedKafka}. */
  public static final class Builder {
    private int port;
    private Path dataDir;
    private Path tempParent;
    private final Map<String, String> overrides = new HashMap<>();

    private Builder() {}

    /** Client port on 127.0.0.1; 0 (the default) picks a free one. */
    public Builder port(int port) {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port out of range: " + port);
      }
      this.port = port;
      return this;
    }

    /** Where the logs live, kept after close; default: a temporary directory, deleted on close. */
    public Builder dataDir(Path dir) {
      this.dataDir = dir;
      return this;
    }

    /** Parent of the temporary data directory (default {@code java.io.tmpdir}); tests use {@code target/}. */
    public Builder tempParent(Path dir) {
      this.tempParent = dir;
      return this;
    }

    /** A broker setting, overriding promptq's defaults. */
    public Builder brokerProperty(String key, String value) {
      overrides.put(key, value);
      return this;
    }

    public EmbeddedKafka build() {
      return new EmbeddedKafka(this);
    }
  }
}
