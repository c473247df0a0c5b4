package dev.promptq.worker.credentials;

import dev.promptq.worker.control.FencedRefreshWrites;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.promptq.config.Secret;
import dev.promptq.worker.routing.RouteGates;
import dev.promptq.worker.routing.RouterSettings;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.OkHttpClient;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The refresher election without a broker: a member leaves only after its refresher has stopped. */
class RefresherElectionTest {
  private static final String TOPIC = "promptq.control";
  private static final TopicPartition TP = new TopicPartition(TOPIC, 0);
  private static final Secret KEY = Secret.of(Base64.getEncoder().encodeToString(new byte[32]));

  private final Clock clock = Clock.systemUTC();
  private final RouteGates gates = new RouteGates(RouterSettings.defaults(), clock, "w1");
  private final CountDownLatch requestArrived = new CountDownLatch(1);
  private final CountDownLatch answer = new CountDownLatch(1);
  private HttpServer tokenEndpoint;

  @AfterEach
  void close() {
    answer.countDown();
    if (tokenEndpoint != null) {
      tokenEndpoint.stop(0);
    }
    gates.close();
  }

  /** A token endpoint that answers a refresh only when the test says so. */
  private String slowTokenEndpoint() throws Exception {
    tokenEndpoint = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    tokenEndpoint.createContext("/v1/oauth/token", exchange -> {
      requestArrived.countDown();
      try {
        answer.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      byte[] body = "{\"access_token\":\"sk-ant-oat01-new\",\"refresh_token\":\"sk-ant-ort01-new\",\"expires_in\":3600}"
          .getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("content-type", "application/json");
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    tokenEndpoint.start();
    return "http://127.0.0.1:" + tokenEndpoint.getAddress().getPort() + "/v1/oauth/token";
  }

  @Test
  void aMemberLeavesTheElectionOnlyAfterItsRefreshUnderWayIsPublished() throws Exception {
    CredentialSettings s = CredentialSettings.defaults().withKey(KEY)
        .withTiming(Duration.ofMinutes(5), Duration.ofSeconds(5), Duration.ofMillis(100));
    GroupCredentials group = new GroupCredentials(Optional.empty(), s, gates.subscription(), clock, "w1");
    AtomicInteger published = new AtomicInteger();
    AtomicInteger publishedWhenTheConsumerClosed = new AtomicInteger(-1);
    group.publishTo(new GroupCredentials.Publisher() {
      @Override
      public void publish(CredentialRecords.RefreshRequest request) {}

      @Override
      public long publishAndWait(CredentialRecords.SealedCredentials c) {
        return 1000 + published.incrementAndGet();
      }
    });
    group.install(new OAuthCredentials(Secret.of("sk-ant-oat01-old"), Optional.of(Secret.of("sk-ant-ort01-old")),
        Instant.now().plusSeconds(1), List.of(), "max"), 0, "test");
    MockProducer<byte[], byte[]> producer = new MockProducer<>(true, null, new ByteArraySerializer(),
        new ByteArraySerializer()) {
      @Override
      public synchronized void commitTransaction() {
        super.commitTransaction();
        if (history().size() >= 2) {  // the claim, then the refreshed credentials
          published.incrementAndGet();
        }
      }
    };
    Refresher refresher = new Refresher(group, new TokenEndpoint(new OkHttpClient(), slowTokenEndpoint(),
        "promptq-test-client", null, clock), () -> new FencedRefreshWrites(producer, TOPIC), timeout -> { }, s, "w1", clock, new SimpleMeterRegistry());
    group.listen(refresher);
    MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest") {
      @Override
      public synchronized void close(Duration timeout) {
        publishedWhenTheConsumerClosed.compareAndSet(-1, published.get());
        super.close(timeout);
      }
    };
    consumer.updatePartitions(TOPIC, List.of(new PartitionInfo(TOPIC, 0, null, null, null)));
    consumer.updateBeginningOffsets(java.util.Map.of(TP, 0L));
    RefresherElection election = new RefresherElection(consumer, TOPIC, refresher, "w1").start();
    consumer.schedulePollTask(() -> consumer.rebalance(List.of(TP)));

    assertTrue(requestArrived.await(10, TimeUnit.SECONDS), "the refresher calls the token endpoint");
    Thread closing = new Thread(election::close, "closing");
    closing.start();
    await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2))
        .until(() -> publishedWhenTheConsumerClosed.get() == -1);  // still a member while the refresh runs
    answer.countDown();
    closing.join(15_000);

    assertTrue(published.get() >= 1, "the refreshed pair was published");
    assertEquals(published.get(), publishedWhenTheConsumerClosed.get(),
        "the election was left only after the pair was published");
  }
}
