package dev.promptq.worker.credentials;

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
  public static final String DEFAULT_TOKEN_URL = "https://console.anthropic.com/v1/oauth/token";

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
}
