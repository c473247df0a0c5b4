package dev.promptq.testkit.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.promptq.config.Secret;
import dev.promptq.job.JobCodec;
import java.io.IOException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The OAuth side of the simulator: access tokens that expire after a TTL and single-use refresh
 * tokens, served at {@code POST /v1/oauth/token} like the real token endpoint.
 *
 * <ul>
 *   <li>The request is JSON {@code {"grant_type":"refresh_token","refresh_token","client_id"[,"scope"]}};
 *       anything else is a 400 in OAuth's error shape {@code {"error","error_description"}}.
 *   <li>A refresh token works once: reusing it, or using a revoked one, answers 400
 *       {@code invalid_grant}. A success answers {@code access_token}, {@code refresh_token},
 *       {@code expires_in} (seconds), {@code token_type}, {@code scope}.
 *   <li>An expired access token makes the Messages API answer 401 with the real message.
 * </ul>
 * Thread-safe.
 */
public final class TokenAuthority {
  /** The path of the token endpoint. */
  public static final String PATH = "/v1/oauth/token";
  /** The message of the API's 401 for an expired OAuth access token. */
  public static final String EXPIRED_MESSAGE =
      "OAuth token has expired. Please obtain a new token or refresh your existing token.";

  /** A pair of tokens as the authority issued them. */
  public record Issued(Secret accessToken, Secret refreshToken, Instant expiresAt) {}

  /** What a refresh request led to. */
  public enum RefreshResult { SUCCESS, INVALID_GRANT, INVALID_CLIENT, BAD_REQUEST, INJECTED_FAILURE }

  private final ObjectMapper mapper = JobCodec.newMapper();
  private final SecureRandom random = new SecureRandom();
  private final Clock clock;
  private final Duration ttl;
  private final String clientId;
  private final String marker;
  private final Map<Secret, Instant> accessTokens = new ConcurrentHashMap<>();
  private final Map<Secret, Boolean> refreshTokens = new ConcurrentHashMap<>();  // true while unused
  private final List<Secret> everIssued = java.util.Collections.synchronizedList(new ArrayList<>());
  private final List<Instant> expiries = java.util.Collections.synchronizedList(new ArrayList<>());
  private final Map<RefreshResult, AtomicInteger> results = new ConcurrentHashMap<>();
  private final AtomicInteger injectedFailures = new AtomicInteger();
  private volatile int injectedStatus = 503;

  TokenAuthority(Clock clock, Duration ttl, String clientId, String marker) {
    this.clock = clock;
    this.ttl = ttl;
    this.clientId = clientId;
    this.marker = marker;
    for (RefreshResult r : RefreshResult.values()) {
      results.put(r, new AtomicInteger());
    }
  }

  /** Issues a fresh pair, as a login would. */
  public Issued issue() {
    Secret access = Secret.of("sk-ant-oat01-" + marker + token());
    Secret refresh = Secret.of("sk-ant-ort01-" + marker + token());
    Instant expiresAt = clock.instant().plus(ttl);
    accessTokens.put(access, expiresAt);
    refreshTokens.put(refresh, true);
    everIssued.add(access);
    expiries.add(expiresAt);
    everIssued.add(refresh);
    return new Issued(access, refresh, expiresAt);
  }

  /** Expires every access token issued so far, now (their next use answers the expired-token 401). */
  public void expireAccessTokens() {
    Instant now = clock.instant();
    accessTokens.replaceAll((k, v) -> v.isAfter(now) ? now : v);
  }

  /** When each access token issued so far expires(d), in issue order (expiring them early does not change this). */
  public List<Instant> issuedExpiries() {
    synchronized (expiries) {
      return List.copyOf(expiries);
    }
  }

  /**
   * Issues a fresh pair and writes it to {@code file} in the shape of Claude Code's
   * {@code ~/.claude/.credentials.json} (mode 0600 where the file system has modes), as a login
   * on that machine would.
   */
  public Issued login(java.nio.file.Path file) {
    Issued i = issue();
    com.fasterxml.jackson.databind.node.ObjectNode root = mapper.createObjectNode();
    root.putObject("claudeAiOauth").put("accessToken", i.accessToken().reveal())
        .put("refreshToken", i.refreshToken().reveal()).put("expiresAt", i.expiresAt().toEpochMilli())
        .put("subscriptionType", "max").putArray("scopes").add("user:inference");
    try {
      java.nio.file.Files.write(file, mapper.writeValueAsBytes(root));
      java.nio.file.Files.setPosixFilePermissions(file,
          java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException noModes) {
      // not a POSIX file system
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return i;
  }

  /** Revokes every refresh token issued so far (a logout elsewhere): their next use is {@code invalid_grant}. */
  public void revokeRefreshTokens() {
    refreshTokens.replaceAll((k, v) -> false);
  }

  /** The next {@code count} refresh requests answer {@code status} (e.g. 429, 503) without consuming the token. */
  public void failNextRefreshes(int count, int status) {
    injectedStatus = status;
    injectedFailures.set(count);
  }

  /** Refresh requests answered with {@code result} so far. */
  public int refreshes(RefreshResult result) {
    return results.get(result).get();
  }

  /** All refresh requests so far. */
  public int refreshCalls() {
    return results.values().stream().mapToInt(AtomicInteger::get).sum();
  }

  /** Every token issued so far, access and refresh, for leak checks. */
  public List<Secret> everIssued() {
    synchronized (everIssued) {
      return List.copyOf(everIssued);
    }
  }

  /** Empty if {@code token} is a valid, unexpired access token, else the 401 to answer. */
  java.util.Optional<SimResponse> check(Secret token) {
    Instant expiresAt = accessTokens.get(token);
    if (expiresAt == null) {
      return java.util.Optional.of(SimResponse.error(401, "authentication_error", "Invalid bearer token"));
    }
    if (!clock.instant().isBefore(expiresAt)) {
      return java.util.Optional.of(SimResponse.error(401, "authentication_error", EXPIRED_MESSAGE));
    }
    return java.util.Optional.empty();
  }

  boolean knows(Secret token) {
    return accessTokens.containsKey(token);
  }

  /** Answers one request to {@link #PATH}. */
  SimResponse refresh(String contentType, byte[] raw) {
    if (contentType == null || !contentType.toLowerCase(java.util.Locale.ROOT).startsWith("application/json")) {
      return count(RefreshResult.BAD_REQUEST, oauthError(400, "invalid_request", "content-type must be application/json"));
    }
    JsonNode body;
    try {
      body = mapper.readTree(raw);
    } catch (IOException e) {
      return count(RefreshResult.BAD_REQUEST, oauthError(400, "invalid_request", "body is not JSON"));
    }
    if (body == null || !body.isObject()) {
      return count(RefreshResult.BAD_REQUEST, oauthError(400, "invalid_request", "body must be a JSON object"));
    }
    if (!"refresh_token".equals(body.path("grant_type").asText(null))) {
      return count(RefreshResult.BAD_REQUEST, oauthError(400, "unsupported_grant_type", "grant_type must be refresh_token"));
    }
    if (!body.path("refresh_token").isTextual() || body.get("refresh_token").asText().isBlank()) {
      return count(RefreshResult.BAD_REQUEST, oauthError(400, "invalid_request", "refresh_token is required"));
    }
    if (clientId != null && !clientId.equals(body.path("client_id").asText(null))) {
      return count(RefreshResult.INVALID_CLIENT, oauthError(401, "invalid_client", "Client authentication failed"));
    }
    if (injectedFailures.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
      int status = injectedStatus;
      return count(RefreshResult.INJECTED_FAILURE, new SimResponse(status,
          status == 429 ? Map.of("retry-after", "1") : Map.of(),
          "{\"error\":\"" + (status == 429 ? "rate_limited" : "server_error") + "\"}"));
    }
    Secret refresh = Secret.of(body.get("refresh_token").asText());
    // Single use: the first request to flip the flag wins; every other use is invalid_grant.
    if (!refreshTokens.replace(refresh, true, false)) {
      return count(RefreshResult.INVALID_GRANT, oauthError(400, "invalid_grant", "Refresh token not found or invalid"));
    }
    Issued next = issue();
    String scope = body.path("scope").asText("user:inference");
    return count(RefreshResult.SUCCESS, new SimResponse(200, Map.of(), "{\"token_type\":\"Bearer\",\"access_token\":"
        + Json.quote(next.accessToken().reveal()) + ",\"refresh_token\":" + Json.quote(next.refreshToken().reveal())
        + ",\"expires_in\":" + ttl.toSeconds() + ",\"scope\":" + Json.quote(scope) + "}"));
  }

  private SimResponse count(RefreshResult result, SimResponse response) {
    results.get(result).incrementAndGet();
    return response;
  }

  private static SimResponse oauthError(int status, String error, String description) {
    return new SimResponse(status, Map.of(),
        "{\"error\":" + Json.quote(error) + ",\"error_description\":" + Json.quote(description) + "}");
  }

  private String token() {
    byte[] b = new byte[24];
    random.nextBytes(b);
    return HexFormat.of().formatHex(b);
  }
}
