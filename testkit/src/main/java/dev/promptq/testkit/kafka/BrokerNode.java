package dev.promptq.testkit.kafka;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;

/**
 * One KRaft node (broker and controller in one process role set) of an embedded cluster: its
 * configuration, storage formatting and server. Package-private: {@link EmbeddedKafka} and
 * {@link EmbeddedKafkaCluster} are the public faces. Not thread-safe.
 */
final class BrokerNode {
  final int nodeId;
  final int port;
  final int controllerPort;
  private final Path logDir;
  private final Map<String, Object> config;
  private KafkaRaftServer server;

  /**
   * @param voters {@code controller.quorum.voters} of the whole cluster
   * @param replication replication factor of internal and new topics
   */
  BrokerNode(int nodeId, int port, int controllerPort, Path dataDir, String voters, int replication,
      Map<String, String> overrides) {
    this.nodeId = nodeId;
    this.port = port;
    this.controllerPort = controllerPort;
    this.logDir = dataDir.resolve("log");
    String rf = String.valueOf(replication);
    String minIsr = String.valueOf(Math.max(1, replication - 1));
    Map<String, Object> p = new HashMap<>();
    p.put("process.roles", "broker,controller");
    p.put("node.id", String.valueOf(nodeId));
    p.put("listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
    p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
    p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    p.put("controller.listener.names", "CONTROLLER");
    p.put("inter.broker.listener.name", "PLAINTEXT");
    p.put("controller.quorum.voters", voters);
    p.put("log.dirs", logDir.toString());
    p.put("offsets.topic.replication.factor", rf);
    p.put("offsets.topic.num.partitions", "5");
    p.put("transaction.state.log.replication.factor", rf);
    p.put("transaction.state.log.min.isr", minIsr);
    p.put("transaction.state.log.num.partitions", "5");
    p.put("share.coordinator.state.topic.replication.factor", rf);
    p.put("share.coordinator.state.topic.min.isr", minIsr);
    p.put("default.replication.factor", rf);
    p.put("min.insync.replicas", minIsr);
    p.put("group.initial.rebalance.delay.ms", "0");
    p.put("num.partitions", "1");
    p.put("auto.create.topics.enable", "false");
    p.putAll(overrides);
    this.config = p;
  }

  /** Formats the storage once (a directory with {@code meta.properties} is reused as it is). */
  void format(String clusterId) throws Exception {
    Files.createDirectories(logDir);
    if (Files.exists(logDir.resolve("meta.properties"))) {
      return;
    }
    new Formatter()
        .setNodeId(nodeId)
        .setClusterId(clusterId)
        .addDirectory(logDir.toString())
        .setMetadataLogDirectory(logDir.toString())
        .setReleaseVersion(MetadataVersion.latestProduction())
        .setControllerListenerName("CONTROLLER")
        .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
        .run();
  }

  void start() {
    server = new KafkaRaftServer(new KafkaConfig(config, false), Time.SYSTEM);
    server.startup();
  }

  boolean running() {
    return server != null;
  }

  /** Stops the node and waits for it. Idempotent. */
  void stop() {
    if (server != null) {
      server.shutdown();
      server.awaitShutdown();
      server = null;
    }
  }

  /** Deletes {@code dir} and everything in it; leftovers (in a temporary directory) are harmless. */
  static void deleteRecursively(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (java.util.stream.Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // nothing the caller could do about it
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    }
  }
}
