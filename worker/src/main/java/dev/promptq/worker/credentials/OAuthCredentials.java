package dev.promptq.worker.credentials;

import dev.promptq.config.Secret;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A subscription's OAuth credentials, in the shape of Claude Code's {@code claudeAiOauth}: an
 * access token, the refresh token that replaces it (single-use), when the access token expires,
 * its scopes and the subscription type. Immutable; {@link #toString()} never shows a token.
 *
 * @param refreshToken absent for a static token (e.g. {@code claude setup-token}'s)
 * @param expiresAt null when unknown
 * @param subscriptionType e.g. {@code max}, {@code pro}; null when unknown
 */
public record OAuthCredentials(Secret accessToken, Optional<Secret> refreshToken, Instant expiresAt,
    List<String> scopes, String subscriptionType) {

  public OAuthCredentials {
    Objects.requireNonNull(accessToken, "accessToken");
    refreshToken = refreshToken == null ? Optional.empty() : refreshToken;
    scopes = scopes == null ? List.of() : List.copyOf(scopes);
  }

  /** True if a refresh token can replace the access token. */
  public boolean refreshable() {
    return refreshToken.isPresent();
  }

  /** True if {@code other} expires strictly later (credentials of unknown expiry are the oldest). */
  public boolean expiresBefore(OAuthCredentials other) {
    if (other.expiresAt == null) {
      return false;
    }
    return expiresAt == null || expiresAt.isBefore(other.expiresAt);
  }

  @Override
  public String toString() {
    return "OAuthCredentials[access=" + accessToken.fingerprint() + ", refreshable=" + refreshable()
        + ", expiresAt=" + expiresAt + ", subscriptionType=" + subscriptionType + "]";
  }
}
