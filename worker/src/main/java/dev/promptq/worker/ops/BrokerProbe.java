package dev.promptq.worker.ops;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;

/** Whether the brokers answer: at start (fail fast on a wrong address) and for {@code /health}. Thread-safe. */
public final class BrokerProbe {
  /** How long a starting worker waits for any broker to answer before it gives up. */
  public static final Duration STARTUP_WAIT = Duration.ofSeconds(10);

  private final Admin admin;
  private volatile Instant checkedAt;
  private volatile boolean reachable;

  public BrokerProbe(Admin admin) {
    this.admin = admin;
  }

  /**
   * Fails fast when no broker answers: a typo in {@code bootstrap.servers} should not look like a
   * worker that hangs for a minute.
   *
   * @throws IllegalStateException naming {@code bootstrap} if no broker answered within {@link #STARTUP_WAIT}
   */
  public void requireBrokers(String bootstrap) {
    if (!clusterAnswers(STARTUP_WAIT)) {
      throw new IllegalStateException("bootstrap.servers: " + bootstrap + " (no broker answered within "
          + STARTUP_WAIT.toSeconds() + " s)");
    }
  }

  /** Whether the brokers answered a cluster description within 2 s; asked at most every 5 s. */
  public boolean reachable() {
    Instant now = Instant.now();
    if (checkedAt == null || Duration.between(checkedAt, now).compareTo(Duration.ofSeconds(5)) >= 0) {
      reachable = clusterAnswers(Duration.ofSeconds(2));
      checkedAt = now;
    }
    return reachable;
  }

  private boolean clusterAnswers(Duration timeout) {
    try {
      admin.describeCluster(new DescribeClusterOptions().timeoutMs((int) timeout.toMillis())).nodes()
          .get(timeout.toMillis() + 1_000, TimeUnit.MILLISECONDS);
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } catch (ExecutionException | TimeoutException e) {
      return false;
    }
  }
}
