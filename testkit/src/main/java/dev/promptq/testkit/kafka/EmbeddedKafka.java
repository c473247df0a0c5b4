package dev.promptq.testkit.kafka;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.Uuid;

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
  private BrokerNode node;

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
    if (node != null) {
      throw new IllegalStateException("already started");
    }
    try {
      Files.createDirectories(dataDir);
      int port = requestedPort > 0 ? requestedPort : BrokerNode.freePort();
      int controllerPort = BrokerNode.freePort();
      BrokerNode n = new BrokerNode(NODE_ID, port, controllerPort, dataDir,
          NODE_ID + "@127.0.0.1:" + controllerPort, 1, overrides);
      n.format(Uuid.randomUuid().toString());
      n.start();
      node = n;
      return this;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the embedded broker in " + dataDir, e);
    } catch (Exception e) {
      throw new IllegalStateException("cannot start the embedded broker in " + dataDir + ": " + e.getMessage(), e);
    }
  }

  /** {@code 127.0.0.1:port}, for {@code bootstrap.servers}. */
  public String bootstrapServers() {
    if (node == null) {
      throw new IllegalStateException("not started");
    }
    return "127.0.0.1:" + node.port;
  }

  public Path dataDir() {
    return dataDir;
  }

  /** Stops the broker and, for a temporary data directory, deletes it. Idempotent. */
  @Override
  public void close() {
    if (node != null) {
      node.stop();
      node = null;
    }
    if (deleteOnClose) {
      BrokerNode.deleteRecursively(dataDir);
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
