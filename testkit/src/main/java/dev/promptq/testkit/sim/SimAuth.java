package dev.promptq.testkit.sim;

import com.sun.net.httpserver.Headers;
import dev.promptq.config.Secret;
import dev.promptq.job.Route;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The simulator's checks of a request's headers, as strict as the real API's: the version, the
 * content type, exactly one credential, and a credential the route accepts (an API key; an OAuth
 * token with the OAuth beta, configured or issued by the {@link TokenAuthority}). Thread-safe.
 */
final class SimAuth {
  /** The API versions the simulator knows; 2026-10-21 is what Anthropic's Java SDK 3.14 sends. */
  private static final Set<String> VERSIONS = Set.of("2023-01-01", "2023-06-01", "2026-10-21");
  private final Set<Secret> apiKeys;
  private final Set<Secret> oauthTokens;
  private final TokenAuthority tokens;

  /** @param tokens the token authority, or null */
  SimAuth(Set<Secret> apiKeys, Set<Secret> oauthTokens, TokenAuthority tokens) {
    this.apiKeys = apiKeys;
    this.oauthTokens = oauthTokens;
    this.tokens = tokens;
  }

  /** What the checks found. */
  sealed interface Checked {}

  /** Refused with {@code response}; {@code route} is the credential's kind when known, else null. */
  record Refused(Route route, SimResponse response) implements Checked {}

  /** Accepted: the route the credential is for, and the credential. */
  record Accepted(Route route, Secret credential) implements Checked {}

  Checked check(Headers h) {
    return check(h, true);
  }

  /** @param hasBody whether the request carries a body (which must then be JSON) */
  Checked check(Headers h, boolean hasBody) {
      String version = h.getFirst("anthropic-version");
      if (version == null) {
        return new Refused(null, SimResponse.error(400, "invalid_request_error", "anthropic-version: header is required"));
      }
      if (!VERSIONS.contains(version)) {
        return new Refused(null, SimResponse.error(400, "invalid_request_error",
            "anthropic-version: unknown version " + version));
      }
      String contentType = h.getFirst("content-type");
      if (hasBody && (contentType == null || !contentType.toLowerCase(Locale.ROOT).startsWith("application/json"))) {
        return new Refused(null, SimResponse.error(400, "invalid_request_error",
            "content-type must be application/json"));
      }
      String apiKey = h.getFirst("x-api-key");
      String authorization = h.getFirst("authorization");
      if (apiKey != null && authorization != null) {
        return new Refused(null, SimResponse.error(400, "invalid_request_error",
            "send either x-api-key or Authorization, not both"));
      }
      if (apiKey == null && authorization == null) {
        return new Refused(null, SimResponse.error(401, "authentication_error", "x-api-key header is required"));
      }
      Route route;
      Secret credential;
      if (apiKey != null) {
        route = Route.API;
        credential = apiKey.isBlank() ? null : Secret.of(apiKey);
        if (credential == null || !apiKeys.contains(credential)) {
          return new Refused(route, SimResponse.error(401, "authentication_error", "invalid x-api-key"));
        }
      } else {
        route = Route.SUBSCRIPTION;
        if (!authorization.startsWith("Bearer ") || authorization.substring(7).isBlank()) {
          return new Refused(route, SimResponse.error(401, "authentication_error", "Invalid bearer token"));
        }
        if (apiKeys.contains(Secret.of(authorization.substring(7)))) {
          // an API key as a bearer token: how Anthropic's Java SDK 3.14 sends its apiKey
          return new Accepted(Route.API, Secret.of(authorization.substring(7)));
        }
        String beta = String.join(",", h.getOrDefault("anthropic-beta", List.of()));
        if (!List.of(beta.split("\\s*,\\s*")).contains(AnthropicSimulator.OAUTH_BETA)) {
          return new Refused(route, SimResponse.error(401, "authentication_error",
              "OAuth authentication is currently not supported."));
        }
        credential = Secret.of(authorization.substring(7));
        if (!oauthTokens.contains(credential)) {
          if (tokens == null || !tokens.knows(credential)) {
            return new Refused(route, SimResponse.error(401, "authentication_error", "Invalid bearer token"));
          }
          Optional<SimResponse> refused = tokens.check(credential);
          if (refused.isPresent()) {
            return new Refused(route, refused.get());
          }
        }
      }
    return new Accepted(route, credential);
  }
}
