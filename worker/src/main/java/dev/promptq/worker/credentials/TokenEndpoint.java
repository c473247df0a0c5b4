package dev.promptq.worker.credentials;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.promptq.config.Secret;
import dev.promptq.job.JobCodec;
import dev.promptq.worker.anthropic.RetryAfter;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;

/**
 * The OAuth token endpoint: trades a refresh token for new credentials with
 * {@code POST {"grant_type":"refresh_token","refresh_token","client_id"[,"scope"]}} and reads
 * {@code access_token}, {@code refresh_token}, {@code expires_in} (seconds) from the answer.
 *
 * <p>Outcomes are values, not exceptions: {@link Refreshed}, {@link Rejected} (terminal: the
 * refresh token is not accepted, {@code invalid_grant} or an alias; retrying cannot help),
 * {@link Misconfigured} (any other refusal: a wrong client id, a proxy's 403, a wrong URL's 404;
 * the refresh token is not spent, so it is retried while an operator fixes the setting) or
 * {@link Unavailable} (429, 5xx, no answer: retry later). Nothing here logs or returns a token
 * except inside {@link Refreshed}'s credentials. Thread-safe.
 */
public final class TokenEndpoint {
  private static final MediaType JSON = MediaType.get("application/json");

  /** What one refresh attempt gave. */
  public sealed interface Outcome permits Refreshed, Rejected, Misconfigured, Unavailable {}

  /** New credentials; the old refresh token is spent. */
  public record Refreshed(OAuthCredentials credentials) implements Outcome {}

  /** The endpoint refused for good ({@code error} is OAuth's code, e.g. {@code invalid_grant}). */
  public record Rejected(int status, String error) implements Outcome {}

  /**
   * Refused, but not the refresh token itself ({@code invalid_client}, a 403 from a proxy, a 404 from
   * a wrong URL): the credentials may be fine, a setting is not. Retried with backoff.
   */
  public record Misconfigured(int status, String error) implements Outcome {}

  /** OAuth error codes that mean the refresh token itself is dead (spent, expired, revoked). */
  static final java.util.Set<String> TERMINAL_ERRORS = java.util.Set.of("invalid_grant", "invalid_refresh_token",
      "refresh_token_expired", "refresh_token_revoked");

  /** No usable answer now; {@code retryAfter} when the endpoint said, else null. */
  public record Unavailable(String why, Duration retryAfter) implements Outcome {}

  private final OkHttpClient http;
  private final HttpUrl url;
  private final String clientId;
  private final String scope;
  private final Clock clock;
  private final ObjectMapper mapper = JobCodec.newMapper();

  /**
   * @param scope sent as {@code scope}; null sends the credentials' own scopes (none if empty)
   */
  public TokenEndpoint(OkHttpClient http, String url, String clientId, String scope, Clock clock) {
    this.http = http;
    this.url = HttpUrl.parse(url);
    if (this.url == null) {
      throw new IllegalArgumentException("credentials.token.url: " + url + " (not an http(s) URL)");
    }
    this.clientId = clientId;
    this.scope = scope;
    this.clock = clock;
  }

  /** The endpoint's URL (it holds no secret), for log lines. */
  public String url() {
    return url.toString();
  }

  /** Trades {@code current}'s refresh token; blocks for the call. */
  public Outcome refresh(OAuthCredentials current) {
    Secret refresh = current.refreshToken()
        .orElseThrow(() -> new IllegalArgumentException("credentials without a refresh token cannot be refreshed"));
    ObjectNode body = mapper.createObjectNode()
        .put("grant_type", "refresh_token")
        .put("refresh_token", refresh.reveal())
        .put("client_id", clientId);
    String s = scope != null ? scope : String.join(" ", current.scopes());
    if (!s.isBlank()) {
      body.put("scope", s);
    }
    Request request;
    try {
      request = new Request.Builder().url(url).header("user-agent", "promptq")
          .post(RequestBody.create(mapper.writeValueAsBytes(body), JSON)).build();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    try (Response response = http.newCall(request).execute(); ResponseBody rb = response.body()) {
      JsonNode json;
      try {
        json = mapper.readTree(rb.bytes());
      } catch (IOException notJson) {
        json = null;
      }
      int status = response.code();
      if (status == 429 || status >= 500) {
        return new Unavailable("HTTP " + status, RetryAfter.parse(response.header("retry-after"), clock.instant()).orElse(null));
      }
      if (status != 200) {
        String error = json != null && json.path("error").isTextual() ? json.get("error").asText() : "http_" + status;
        return (status == 400 || status == 401) && TERMINAL_ERRORS.contains(error) ? new Rejected(status, error)
            : new Misconfigured(status, error);
      }
      if (json == null || !json.path("access_token").isTextual() || json.get("access_token").asText().isBlank()) {
        return new Unavailable("answer without access_token", null);
      }
      Optional<Secret> newRefresh = json.path("refresh_token").isTextual() && !json.get("refresh_token").asText().isBlank()
          ? Optional.of(Secret.of(json.get("refresh_token").asText())) : current.refreshToken();
      var expiresAt = json.path("expires_in").canConvertToLong()
          ? clock.instant().plusSeconds(json.get("expires_in").asLong()) : null;
      List<String> scopes = json.path("scope").isTextual() && !json.get("scope").asText().isBlank()
          ? List.of(json.get("scope").asText().strip().split("\\s+")) : current.scopes();
      return new Refreshed(new OAuthCredentials(Secret.of(json.get("access_token").asText()), newRefresh, expiresAt,
          scopes, current.subscriptionType()));
    } catch (IOException e) {
      return new Unavailable(e.getClass().getSimpleName(), null);
    }
  }

}
