package dev.promptq.worker.credentials;

import dev.promptq.worker.control.FencedRefreshWrites;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.promptq.config.Secret;
import dev.promptq.testkit.sim.AnthropicSimulator;
import dev.promptq.testkit.sim.TokenAuthority;
import dev.promptq.testkit.sim.TokenAuthority.RefreshResult;
import dev.promptq.worker.routing.RouteGates;
import dev.promptq.worker.routing.RouterSettings;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.OkHttpClient;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The group's refresher without a broker: Kafka's {@code MockProducer} for its transactions, a
 * fake control channel, the simulator's real token endpoint.
 */
class RefresherTest {
  private static final String CLIENT = "promptq-refresher-test";
  private static final Secret KEY = Secret.of(Base64.getEncoder().encodeToString(new byte[32]));

  private final Clock clock = Clock.systemUTC();
  private final RouteGates gates = new RouteGates(RouterSettings.defaults(), clock, "w1");
  private final OkHttpClient http = new OkHttpClient();
  private final List<CredentialRecords.SealedCredentials> published = new CopyOnWriteArrayList<>();
  private final AtomicInteger directFailuresLeft = new AtomicInteger();
  private AnthropicSimulator sim;
  private Refresher refresher;

  @AfterEach
  void close() {
    if (refresher != null) {
      refresher.close();
    }
    if (sim != null) {
      sim.close();
    }
    gates.close();
  }

  /** A transactional MockProducer whose {@code n}-th commit throws {@code failure}. */
  private static final class FailingCommit extends MockProducer<byte[], byte[]> {
    private final int failOn;
    private final RuntimeException failure;
    private int commits;

    FailingCommit(int failOn, RuntimeException failure) {
      super(true, null, new ByteArraySerializer(), new ByteArraySerializer());
      this.failOn = failOn;
      this.failure = failure;
    }

    @Override
    public void commitTransaction() {
      if (++commits == failOn) {
        throw failure;
      }
      super.commitTransaction();
    }
  }

  private GroupCredentials group(CredentialSettings s) {
    GroupCredentials g = new GroupCredentials(Optional.empty(), s, gates.subscription(), clock, "w1");
    g.publishTo(new GroupCredentials.Publisher() {
      private long offset = 100;

      @Override
      public void publish(CredentialRecords.RefreshRequest request) {}

      @Override
      public synchronized long publishAndWait(CredentialRecords.SealedCredentials c) {
        if (directFailuresLeft.getAndDecrement() > 0) {
          throw new IllegalStateException("could not publish credentials to the control topic: TimeoutException");
        }
        published.add(c);
        return ++offset;
      }
    });
    return g;
  }

  private Refresher refresher(GroupCredentials g, TokenEndpoint endpoint, MockProducer<byte[], byte[]> producer,
      CredentialSettings s) {
    Refresher r = new Refresher(g, endpoint, () -> new FencedRefreshWrites(producer, "promptq.control"), timeout -> { }, s, "w1", clock, new SimpleMeterRegistry());
    g.listen(r);
    return r;
  }

  private OAuthCredentials login() {
    TokenAuthority.Issued i = sim.tokens().issue();
    return new OAuthCredentials(i.accessToken(), Optional.of(i.refreshToken()), i.expiresAt(), List.of(), "max");
  }

  private static CredentialSettings settings(Duration margin, Duration minInterval) {
    return CredentialSettings.defaults().withKey(KEY).withTiming(margin, Duration.ofSeconds(5), minInterval)
        .withBackoff(Duration.ofMillis(20), Duration.ofMillis(200));
  }

  @Test
  void aFreshPairWhoseTransactionFailsIsKeptAndHandedToTheGroupNotDropped() {
    sim = AnthropicSimulator.builder().oauthTokens(Duration.ofSeconds(2), CLIENT).build().start();
    CredentialSettings s = settings(Duration.ofMillis(1900), Duration.ofMillis(100));
    GroupCredentials g = group(s);
    g.install(login(), 1, "test");
    directFailuresLeft.set(2);  // the control topic is not writable for a while either
    // The claim commits, then the refresher is fenced while it publishes the new pair.
    FailingCommit producer = new FailingCommit(2, new ProducerFencedException("fenced by a newer refresher"));
    refresher = refresher(g, new TokenEndpoint(http, sim.tokenUrl(), CLIENT, null, clock), producer, s);

    refresher.becomeLeader();

    await().atMost(Duration.ofSeconds(10)).until(() -> !published.isEmpty());
    assertEquals(1, sim.tokens().refreshes(RefreshResult.SUCCESS), "one refresh token spent");
    assertTrue(g.snapshot().generation() > 1, "the pair the refresh bought is the group's credentials");
    assertFalse(refresher.holdsUnpublished());
    assertEquals(0, sim.tokens().refreshes(RefreshResult.INVALID_GRANT));
  }

  @Test
  void aRefusalThatIsNotAboutTheRefreshTokenIsRetriedAndNeverRevokesTheGroup() {
    sim = AnthropicSimulator.builder().oauthTokens(Duration.ofSeconds(2), CLIENT).build().start();
    CredentialSettings s = settings(Duration.ofMillis(1900), Duration.ofMillis(100));
    GroupCredentials g = group(s);
    g.install(login(), 1, "test");
    MockProducer<byte[], byte[]> producer = new MockProducer<>(true, null, new ByteArraySerializer(),
        new ByteArraySerializer());
    refresher = refresher(g, new TokenEndpoint(http, sim.tokenUrl(), "a-wrong-client-id", null, clock), producer, s);

    refresher.becomeLeader();

    await().atMost(Duration.ofSeconds(10)).until(() -> sim.tokens().refreshes(RefreshResult.INVALID_CLIENT) >= 3);
    assertEquals("live", g.state(), "the credentials are kept");
    assertTrue(refresher.problem().orElseThrow().contains("invalid_client"));
    assertTrue(published.isEmpty());
  }

  @Test
  void tokensThatLiveShorterThanTheMarginAreRefreshedAtHalfTheirLifeNotInALoop() throws Exception {
    sim = AnthropicSimulator.builder().oauthTokens(Duration.ofSeconds(2), CLIENT).build().start();
    // A margin far wider than the tokens' life: the old refresher refreshed again at once, forever.
    CredentialSettings s = settings(Duration.ofMinutes(5), Duration.ofMillis(100));
    GroupCredentials g = group(s);
    g.install(login(), 0, "test");  // generations are the MockProducer's offsets: 0 first, then 1, 3, 5, ...
    MockProducer<byte[], byte[]> producer = new MockProducer<>(true, null, new ByteArraySerializer(),
        new ByteArraySerializer());
    refresher = refresher(g, new TokenEndpoint(http, sim.tokenUrl(), CLIENT, null, clock), producer, s);

    refresher.becomeLeader();
    await().atMost(Duration.ofSeconds(10)).until(() -> sim.tokens().refreshes(RefreshResult.SUCCESS) >= 2);
    long firstTwoAt = System.nanoTime();
    await().atMost(Duration.ofSeconds(10)).until(() -> sim.tokens().refreshes(RefreshResult.SUCCESS) >= 3);
    long seconds = Math.max(1, Duration.ofNanos(System.nanoTime() - firstTwoAt).toSeconds() + 1);

    // Two-second tokens refreshed at half-life: about one refresh a second, never hundreds.
    assertTrue(sim.tokens().refreshes(RefreshResult.SUCCESS) <= 3 + 2 * seconds,
        sim.tokens().refreshes(RefreshResult.SUCCESS) + " refreshes");
    assertTrue(g.secondsUntilExpiry() > 0, "the group's token never expired");
  }

  @Test
  void theMarginIsCappedAtHalfTheRemainingLifeAndRefreshesKeepAMinimumGap() {
    var now = java.time.Instant.parse("2026-12-01T12:00:00Z");
    RefreshTiming.Next n = RefreshTiming.next(now, now.plusSeconds(120), Duration.ofMinutes(5), java.time.Instant.MIN,
        Duration.ofSeconds(10));
    assertEquals(now.plusSeconds(60), n.at());
    assertTrue(n.marginShortened());

    RefreshTiming.Next gap = RefreshTiming.next(now, now.plusSeconds(4), Duration.ofMinutes(5), now.minusSeconds(1),
        Duration.ofSeconds(10));
    assertEquals(now.plusSeconds(9), gap.at(), "never sooner than the gap after the last refresh");

    RefreshTiming.Next plain = RefreshTiming.next(now, now.plusSeconds(3600), Duration.ofMinutes(5),
        java.time.Instant.MIN, Duration.ofSeconds(10));
    assertEquals(now.plusSeconds(3300), plain.at());
    assertFalse(plain.marginShortened());
  }
}
