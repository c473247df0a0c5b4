package dev.promptq.worker.credentials;

import dev.promptq.config.Secret;
import dev.promptq.job.Route;
import java.util.Optional;

/**
 * The credentials a worker holds: an OAuth access token for the subscription route and an API
 * key for the api route, either or both. Immutable; {@link #toString()} shows which are present,
 * never their values.
 */
public record Credentials(Optional<Secret> oauthToken, Optional<Secret> apiKey) {

  /** Environment variable of the subscription's OAuth token (e.g. from {@code claude setup-token}). */
  public static final String OAUTH_TOKEN_ENV = "CLAUDE_CODE_OAUTH_TOKEN";
  /** Environment variable of the API key. */
  public static final String API_KEY_ENV = "ANTHROPIC_API_KEY";

  public Credentials {
    oauthToken = oauthToken == null ? Optional.empty() : oauthToken;
    apiKey = apiKey == null ? Optional.empty() : apiKey;
  }

  public static Credentials none() {
    return new Credentials(Optional.empty(), Optional.empty());
  }

  /** True when a credential for {@code route} is present. */
  public boolean has(Route route) {
    return secretFor(route).isPresent();
  }

  /** The credential for {@code route}, if present. */
  public Optional<Secret> secretFor(Route route) {
    return route == Route.SUBSCRIPTION ? oauthToken : apiKey;
  }

  /**
   * Checks that at least one credential is present.
   *
   * @throws MissingCredentialsException with a one-line message naming the variables to set
   */
  public Credentials requireAny() {
    if (oauthToken.isEmpty() && apiKey.isEmpty()) {
      throw new MissingCredentialsException("no credentials: set " + OAUTH_TOKEN_ENV
          + " (subscription; `claude setup-token` prints one) and/or " + API_KEY_ENV + " (pay-per-token API), or "
          + CredentialCipher.KEY_ENV + " to use the subscription credentials the group shares");
    }
    return this;
  }

  @Override
  public String toString() {
    return "Credentials[subscription=" + (oauthToken.isPresent() ? "set" : "none")
        + ", api=" + (apiKey.isPresent() ? "set" : "none") + "]";
  }
}
