package dev.promptq.testkit.kafka;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.apache.kafka.common.Uuid;

/**
 * Several KRaft nodes (each broker and controller) in this process, for tests of broker loss:
 * with three nodes, topics default to replication factor 3 and {@code min.insync.replicas} 2, so
 * stopping one node keeps every topic writable and the controller quorum alive.
 *
 * <p>Not thread-safe. Its data lives in a temporary directory deleted on {@link #close()}.
 */
public final class EmbeddedKafkaCluster implements AutoCloseable {
  private final List<BrokerNode> nodes = new ArrayList<>();
  private final Path dataDir;

  private EmbeddedKafkaCluster(int size, Path parent) throws IOException {
    Files.createDirectories(parent);
    this.dataDir = Files.createTempDirectory(parent, "promptq-cluster-");
    List<int[]> ports = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      ports.add(new int[] {BrokerNode.freePort(), BrokerNode.freePort()});
    }
    String voters = java.util.stream.IntStream.range(0, size)
        .mapToObj(i -> (i + 1) + "@127.0.0.1:" + ports.get(i)[1]).collect(Collectors.joining(","));
    for (int i = 0; i < size; i++) {
      nodes.add(new BrokerNode(i + 1, ports.get(i)[0], ports.get(i)[1], dataDir.resolve("node-" + (i + 1)), voters,
          Math.min(3, size), Map.of()));
    }
  }

  /**
   * Starts {@code size} nodes and returns when all accept requests.
   *
   * @param parent where the temporary data directory goes (tests use {@code target/})
   */
  public static EmbeddedKafkaCluster start(int size, Path parent) {
    if (size < 1) {
      throw new IllegalArgumentException("size < 1: " + size);
    }
    try {
      EmbeddedKafkaCluster c = new EmbeddedKafkaCluster(size, parent);
      String clusterId = Uuid.randomUuid().toString();
      for (BrokerNode n : c.nodes) {
        n.format(clusterId);
      }
      // Nodes wait for a controller quorum while starting, so they must start together.
      CompletableFuture.allOf(c.nodes.stream().map(n -> CompletableFuture.runAsync(n::start))
          .toArray(CompletableFuture[]::new)).join();
      return c;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (Exception e) {
      throw new IllegalStateException("cannot start the embedded cluster: " + e.getMessage(), e);
    }
  }

  /** The running nodes' addresses, comma-separated. */
  public String bootstrapServers() {
    return nodes.stream().filter(BrokerNode::running).map(n -> "127.0.0.1:" + n.port).collect(Collectors.joining(","));
  }

  /** Stops node {@code nodeId} (as a crash of its machine would, minus the lost page cache). */
  public void stopNode(int nodeId) {
    nodes.get(nodeId - 1).stop();
  }

  /** Stops every node at once (one by one, the last would wait minutes for a quorum that is gone). */
  @Override
  public void close() {
    CompletableFuture.allOf(nodes.stream().map(n -> CompletableFuture.runAsync(n::stop))
        .toArray(CompletableFuture[]::new)).join();
    BrokerNode.deleteRecursively(dataDir);
  }
}
