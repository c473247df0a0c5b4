package dev.promptq.worker.credentials;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.promptq.config.Secret;
import dev.promptq.job.Route;
import dev.promptq.worker.routing.RouteGates;
import dev.promptq.worker.routing.RouterSettings;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class GroupCredentialsTest {
  private static final Secret KEY = Secret.of(Base64.getEncoder().encodeToString(new byte[32]));
  private final RouteGates gates = new RouteGates(RouterSettings.defaults(), Clock.systemUTC(), "w1");
  private final List<CredentialRecords.RefreshRequest> requests = new ArrayList<>();

  @AfterEach
  void close() {
    gates.close();
  }

  private GroupCredentials group(Duration refreshWait) {
    CredentialSettings s = CredentialSettings.defaults().withKey(KEY)
        .withTiming(Duration.ofMinutes(5), refreshWait, Duration.ofMinutes(1));
    GroupCredentials g = new GroupCredentials(Optional.empty(), s, gates.subscription(), Clock.systemUTC(), "w1");
    g.publishTo(new GroupCredentials.Publisher() {
      @Override
      public synchronized void publish(CredentialRecords.RefreshRequest request) {
        requests.add(request);
      }

      @Override
      public long publishAndWait(CredentialRecords.SealedCredentials credentials) {
        throw new UnsupportedOperationException();
      }
    });
    return g;
  }

  private static OAuthCredentials creds(String access) {
    return new OAuthCredentials(Secret.of(access), Optional.of(Secret.of("r-" + access)),
        Instant.now().plusSeconds(3600), List.of(), "max");
  }

  @Test
  void withoutCredentialsYetTheSubscriptionIsClosedAndOpensWhenTheyArrive() {
    GroupCredentials g = group(Duration.ofSeconds(30));
    assertEquals("missing", g.state());
    assertEquals("credentials_missing", gates.closure(Route.SUBSCRIPTION).orElseThrow().reason());
    assertTrue(g.install(creds("a1"), 5, "test"));
    assertFalse(gates.isClosed(Route.SUBSCRIPTION));
    assertEquals(5, g.current().orElseThrow().generation());
  }

  @Test
  void anOlderGenerationNeverReplacesANewerOne() {
    GroupCredentials g = group(Duration.ofSeconds(30));
    g.install(creds("a2"), 7, "test");
    assertFalse(g.install(creds("a1"), 3, "test"));
    assertEquals("a2", g.current().orElseThrow().secret().reveal());
  }

  @Test
  void manyRefusalsOfOneTokenAskTheRefresherOnceAndAllRetryWithTheNewToken() {
    GroupCredentials g = group(Duration.ofSeconds(30));
    g.install(creds("a1"), 1, "test");
    SubscriptionTokens.Token refused = g.current().orElseThrow();
    List<CompletableFuture<Boolean>> waits = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      waits.add(g.rejected(refused));
    }
    assertEquals(1, requests.size(), "single flight: one request per refused generation");
    assertEquals(1, requests.get(0).generation());
    assertEquals("credentials_refreshing", gates.closure(Route.SUBSCRIPTION).orElseThrow().reason());

    g.install(creds("a2"), 2, "refresh");
    assertTrue(waits.stream().allMatch(CompletableFuture::join), "every waiting call may retry");
    assertFalse(gates.isClosed(Route.SUBSCRIPTION));
    assertTrue(g.rejected(refused).join(), "a late 401 of the old token retries at once");
    assertEquals(1, requests.size());
  }

  @Test
  void aRefusalWithoutANewTokenInTimeGivesUp() {
    GroupCredentials g = group(Duration.ofMillis(50));
    g.install(creds("a1"), 1, "test");
    assertFalse(g.rejected(g.current().orElseThrow()).join());
  }

  @Test
  void aRevocationClosesTheRouteUntilNewCredentialsArrive() {
    GroupCredentials g = group(Duration.ofSeconds(30));
    g.install(creds("a1"), 1, "test");
    CompletableFuture<Boolean> waiting = g.rejected(g.current().orElseThrow());
    assertTrue(g.revoke("invalid_grant", 2));
    assertFalse(waiting.join());
    assertEquals("revoked", g.state());
    assertFalse(g.refreshable());
    assertEquals("credentials_revoked", gates.closure(Route.SUBSCRIPTION).orElseThrow().reason());
    assertFalse(g.rejected(g.current().orElseThrow()).join(), "nothing to wait for");

    g.install(creds("a3"), 3, "import");
    assertEquals("live", g.state());
    assertFalse(gates.isClosed(Route.SUBSCRIPTION));
  }

  @Test
  void aStaticTokenIsUsedAsIsAndNeverRefreshed() {
    GroupCredentials g = new GroupCredentials(Optional.of(Secret.of("static")), CredentialSettings.defaults().withKey(KEY),
        gates.subscription(), Clock.systemUTC(), "w1");
    assertEquals("static", g.state());
    assertFalse(g.refreshable());
    assertFalse(g.rejected(g.current().orElseThrow()).join());
    assertFalse(gates.isClosed(Route.SUBSCRIPTION));
  }

  @Test
  void aCredentialsFileWithoutTheGroupKeyIsAConfigurationError() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new GroupCredentials(Optional.empty(),
        CredentialSettings.defaults().withFile(Path.of("/tmp/creds.json")), gates.subscription(), Clock.systemUTC(), "w1"));
    assertTrue(e.getMessage().startsWith("credentials.file: /tmp/creds.json is set but PROMPTQ_CREDENTIALS_KEY is not"),
        e.getMessage());
  }
}
