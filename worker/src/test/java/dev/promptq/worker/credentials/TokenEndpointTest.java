package dev.promptq.worker.credentials;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.promptq.testkit.sim.AnthropicSimulator;
import dev.promptq.testkit.sim.TokenAuthority;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The token endpoint client against the simulator's real token behaviour. */
class TokenEndpointTest {
  private static final String CLIENT = "promptq-test-client";
  private final AnthropicSimulator sim = AnthropicSimulator.builder().oauthTokens(Duration.ofSeconds(60), CLIENT)
      .build().start();
  private final OkHttpClient http = new OkHttpClient();

  @AfterEach
  void stop() {
    sim.close();
  }

  private TokenEndpoint endpoint(String clientId) {
    return new TokenEndpoint(http, sim.tokenUrl(), clientId, null, Clock.systemUTC());
  }

  private OAuthCredentials login() {
    TokenAuthority.Issued i = sim.tokens().issue();
    return new OAuthCredentials(i.accessToken(), Optional.of(i.refreshToken()), i.expiresAt(), List.of("user:inference"),
        "max");
  }

  @Test
  void aRefreshGivesANewPairAndTheOldRefreshTokenIsSpent() {
    OAuthCredentials first = login();
    TokenEndpoint.Refreshed r = assertInstanceOf(TokenEndpoint.Refreshed.class, endpoint(CLIENT).refresh(first));
    assertNotEquals(first.accessToken(), r.credentials().accessToken());
    assertNotEquals(first.refreshToken(), r.credentials().refreshToken());
    assertTrue(r.credentials().expiresAt().isAfter(first.expiresAt().minusSeconds(1)));
    assertEquals("max", r.credentials().subscriptionType(), "carried over");

    TokenEndpoint.Rejected again = assertInstanceOf(TokenEndpoint.Rejected.class, endpoint(CLIENT).refresh(first));
    assertEquals("invalid_grant", again.error());
    assertEquals(400, again.status());
    assertEquals(1, sim.tokens().refreshes(TokenAuthority.RefreshResult.INVALID_GRANT));
  }

  @Test
  void anotherClientIdIsAMisconfigurationNotARevocation() {
    TokenEndpoint.Misconfigured r = assertInstanceOf(TokenEndpoint.Misconfigured.class,
        endpoint("someone-else").refresh(login()));
    assertEquals("invalid_client", r.error());
  }

  @Test
  void aWrongUrlsNotFoundIsAMisconfigurationNotARevocation() {
    TokenEndpoint wrong = new TokenEndpoint(http, sim.tokenUrl().replace("/v1/oauth/token", "/oauth/tokn"), CLIENT,
        null, Clock.systemUTC());
    TokenEndpoint.Misconfigured r = assertInstanceOf(TokenEndpoint.Misconfigured.class, wrong.refresh(login()));
    assertEquals(404, r.status());
  }

  @Test
  void aProxysForbiddenPageIsAMisconfigurationNotARevocation() throws Exception {
    com.sun.net.httpserver.HttpServer proxy = com.sun.net.httpserver.HttpServer.create(
        new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
    proxy.createContext("/", exchange -> {
      byte[] page = "<html><body>Forbidden by policy</body></html>".getBytes(java.nio.charset.StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("content-type", "text/html");
      exchange.sendResponseHeaders(403, page.length);
      exchange.getResponseBody().write(page);
      exchange.close();
    });
    proxy.start();
    try {
      TokenEndpoint behindProxy = new TokenEndpoint(http, "http://127.0.0.1:" + proxy.getAddress().getPort()
          + "/v1/oauth/token", CLIENT, null, Clock.systemUTC());
      TokenEndpoint.Misconfigured r = assertInstanceOf(TokenEndpoint.Misconfigured.class, behindProxy.refresh(login()));
      assertEquals(403, r.status());
    } finally {
      proxy.stop(0);
    }
  }

  @Test
  void rateLimitsAndServerErrorsAreWorthRetrying() {
    OAuthCredentials c = login();
    sim.tokens().failNextRefreshes(1, 429);
    TokenEndpoint.Unavailable limited = assertInstanceOf(TokenEndpoint.Unavailable.class, endpoint(CLIENT).refresh(c));
    assertEquals(Duration.ofSeconds(1), limited.retryAfter());
    sim.tokens().failNextRefreshes(1, 503);
    assertInstanceOf(TokenEndpoint.Unavailable.class, endpoint(CLIENT).refresh(c));
    assertInstanceOf(TokenEndpoint.Refreshed.class, endpoint(CLIENT).refresh(c), "the token was not spent by failures");
  }

  @Test
  void noAnswerIsWorthRetrying() {
    OAuthCredentials c = login();
    TokenEndpoint endpoint = endpoint(CLIENT);
    sim.close();
    assertInstanceOf(TokenEndpoint.Unavailable.class, endpoint.refresh(c));
  }
}
