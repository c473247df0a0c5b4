package dev.promptq.worker.credentials;

import java.time.Instant;

/**
 * What the credentials feature writes to and reads from the control topic. The control package
 * encodes them (key {@code credentials/...}); only {@link SealedCredentials} holds a secret, sealed.
 */
public final class CredentialRecords {
  private CredentialRecords() {}

  /** The key of the group's subscription credentials; also the additional data of their seal. */
  public static final String KEY = "credentials/subscription";

  /** The group's credentials, sealed; {@code expiresAt} (null when unknown) and the rest are in clear. */
  public record SealedCredentials(CredentialCipher.Sealed sealed, Instant expiresAt, boolean refreshable,
      String source, String by, Instant at) {}

  /** The token endpoint refused the group's credentials for good: the subscription route is down until an import. */
  public record CredentialsRevoked(String error, String by, Instant at) {}

  /** A worker met a 401 with the credentials of {@code generation}. */
  public record RefreshRequest(String worker, long generation, Instant at) {}

  /** The refresher is about to refresh {@code generation}; written in a fenced transaction. */
  public record RefreshClaim(String worker, long generation, Instant at) {}
}
