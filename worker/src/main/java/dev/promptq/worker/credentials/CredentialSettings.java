package dev.promptq.worker.credentials;

import okhttp3.HttpUrl;
import java.time.format.DateTimeParseException;
import java.util.List;
import dev.promptq.config.Settings;
import dev.promptq.config.Secret;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * How a worker gets and keeps its subscription credentials. Immutable; defaults in
 * {@link #defaults()}.
 *
 * @param file a credentials file in the {@code ~/.claude/.credentials.json} shape, or null
 * @param writeBack write rotated tokens back to {@code file} (atomic, mode 0600); default true
 * @param key the AES key ({@value CredentialCipher#KEY_ENV}) sealing the group's credentials; null
 *     when not set
 * @param tokenUrl the OAuth token endpoint
 * @param clientId the OAuth client id the refresh token was issued to; null: this worker never refreshes
 * @param scope the {@code scope} sent on refresh; null sends the credentials' own scopes
 * @param refreshMargin refresh this long before the access token expires; default 5 min
 * @param refreshWait how long a job that met a 401 waits for the group's new token; default 30 s
 * @param minRefreshInterval on-demand refreshes (after 401s) no more often than this; default 60 s
 * @param refreshBackoff first wait after a token endpoint 429/5xx, doubling; default 1 s
 * @param refreshBackoffMax longest such wait; default 60 s
 * @param electionSessionTimeout how soon the group notices a dead refresher (a Kafka consumer
 *     group's session timeout, at least the broker's minimum, 6 s by default); default 10 s
 * @param staticTokenExpiresAt when {@code CLAUDE_CODE_OAUTH_TOKEN} expires, if known; watched
 */
public record CredentialSettings(Path file, boolean writeBack, Secret key, String tokenUrl, String clientId,
    String scope, Duration refreshMargin, Duration refreshWait, Duration minRefreshInterval, Duration refreshBackoff,
    Duration refreshBackoffMax, Duration electionSessionTimeout, Instant staticTokenExpiresAt) {

  /** The token endpoint of claude.ai logins. */
  public static final String DEFAULT_TOKEN_URL = "https://platform.claude.com/v1/oauth/token";

  public CredentialSettings {
    Objects.requireNonNull(tokenUrl, "tokenUrl");
    Objects.requireNonNull(refreshMargin, "refreshMargin");
    Objects.requireNonNull(refreshWait, "refreshWait");
    Objects.requireNonNull(minRefreshInterval, "minRefreshInterval");
    Objects.requireNonNull(refreshBackoff, "refreshBackoff");
    Objects.requireNonNull(refreshBackoffMax, "refreshBackoffMax");
    Objects.requireNonNull(electionSessionTimeout, "electionSessionTimeout");
  }

  public static CredentialSettings defaults() {
    return new CredentialSettings(null, true, null, DEFAULT_TOKEN_URL, null, null, Duration.ofMinutes(5),
        Duration.ofSeconds(30), Duration.ofSeconds(60), Duration.ofSeconds(1), Duration.ofSeconds(60),
        Duration.ofSeconds(10), null);
  }

  public CredentialSettings withFile(Path f) {
    return new CredentialSettings(f, writeBack, key, tokenUrl, clientId, scope, refreshMargin, refreshWait,
        minRefreshInterval, refreshBackoff, refreshBackoffMax, electionSessionTimeout, staticTokenExpiresAt);
  }

  public CredentialSettings withKey(Secret k) {
    return new CredentialSettings(file, writeBack, k, tokenUrl, clientId, scope, refreshMargin, refreshWait,
        minRefreshInterval, refreshBackoff, refreshBackoffMax, electionSessionTimeout, staticTokenExpiresAt);
  }

  /** The token endpoint and the client id to refresh with. */
  public CredentialSettings withRefresh(String url, String client) {
    return new CredentialSettings(file, writeBack, key, url, client, scope, refreshMargin, refreshWait,
        minRefreshInterval, refreshBackoff, refreshBackoffMax, electionSessionTimeout, staticTokenExpiresAt);
  }

  /** The refresh timing: margin ahead of expiry, the wait after a 401, the least interval between on-demand refreshes. */
  public CredentialSettings withTiming(Duration margin, Duration wait, Duration minInterval) {
    return new CredentialSettings(file, writeBack, key, tokenUrl, clientId, scope, margin, wait, minInterval,
        refreshBackoff, refreshBackoffMax, electionSessionTimeout, staticTokenExpiresAt);
  }

  /** The backoff after a failed refresh: first wait, doubling up to {@code max}. */
  public CredentialSettings withBackoff(Duration first, Duration max) {
    return new CredentialSettings(file, writeBack, key, tokenUrl, clientId, scope, refreshMargin, refreshWait,
        minRefreshInterval, first, max, electionSessionTimeout, staticTokenExpiresAt);
  }

  public CredentialSettings withElectionSessionTimeout(Duration d) {
    return new CredentialSettings(file, writeBack, key, tokenUrl, clientId, scope, refreshMargin, refreshWait,
        minRefreshInterval, refreshBackoff, refreshBackoffMax, d, staticTokenExpiresAt);
  }

  /** True if this worker may be the group's refresher: it can open the group's credentials and call the endpoint. */
  public boolean canRefresh() {
    return key != null && clientId != null;
  }

  @Override
  public String toString() {
    return "CredentialSettings[file=" + file + ", writeBack=" + writeBack + ", key=" + (key == null ? "none" : "set")
        + ", tokenUrl=" + tokenUrl + ", clientId=" + clientId + ", refreshMargin=" + refreshMargin + "]";
  }

  /** The keys {@link #fromSettings} reads. */
  public static final List<String> KEYS = List.of("claude.oauth.token.expires.at", "credentials.file",
      "credentials.file.write.back", "credentials.key", "credentials.token.url", "credentials.client.id",
      "credentials.scope", "credentials.refresh.margin.ms", "credentials.refresh.wait.ms",
      "credentials.refresh.min.interval.ms", "credentials.refresh.backoff.ms", "credentials.refresh.backoff.max.ms",
      "credentials.election.session.timeout.ms");

  /** Reads and validates {@link #KEYS} over {@link #defaults()}. */
  public static CredentialSettings fromSettings(Settings s) {
    CredentialSettings d = defaults();
    Path file = s.get("credentials.file").map(Settings::expandHome).orElse(null);
    Secret key = s.secret("credentials.key").orElse(null);
    if (key != null) {
      CredentialCipher.fromBase64(key);  // fails fast on a malformed key
    }
    String writeBack = s.get("credentials.file.write.back", "true");
    if (!writeBack.equals("true") && !writeBack.equals("false")) {
      throw new IllegalArgumentException("credentials.file.write.back: " + writeBack + " (true or false)");
    }
    String tokenUrl = s.get("credentials.token.url", d.tokenUrl());
    if (HttpUrl.parse(tokenUrl) == null) {
      throw new IllegalArgumentException("credentials.token.url: " + tokenUrl + " (not an http(s) URL)");
    }
    Instant staticExpiry = null;
    if (s.get("claude.oauth.token.expires.at").isPresent()) {
      String v = s.get("claude.oauth.token.expires.at").get();
      try {
        staticExpiry = Instant.parse(v);
      } catch (DateTimeParseException e) {
        throw new IllegalArgumentException("claude.oauth.token.expires.at: " + v + " (an ISO-8601 instant, e.g. "
            + "2027-11-24T00:00:00Z)");
      }
    }
    long max = 86_400_000L * 30;
    return new CredentialSettings(file, Boolean.parseBoolean(writeBack), key, tokenUrl,
        s.get("credentials.client.id").orElse(null), s.get("credentials.scope").orElse(null),
        s.millis("credentials.refresh.margin.ms", d.refreshMargin(), 0, max),
        s.millis("credentials.refresh.wait.ms", d.refreshWait(), 1, max),
        s.millis("credentials.refresh.min.interval.ms", d.minRefreshInterval(), 0, max),
        s.millis("credentials.refresh.backoff.ms", d.refreshBackoff(), 1, max),
        s.millis("credentials.refresh.backoff.max.ms", d.refreshBackoffMax(), 1, max),
        s.millis("credentials.election.session.timeout.ms", d.electionSessionTimeout(), 1000, max),
        staticExpiry);
  }
}
