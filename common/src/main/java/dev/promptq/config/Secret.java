package dev.promptq.config;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;

/**
 * A credential (OAuth token, refresh token, API key) that never prints itself.
 *
 * <p>{@link #toString()} is redacted; {@link #fingerprint()} gives a short, stable, one-way tag
 * for logs that must tell two credentials apart. Only {@link #reveal()} returns the value: call
 * it at the one place the value leaves the process (an HTTP header). Immutable.
 */
public final class Secret {
  private final String value;

  private Secret(String value) {
    this.value = value;
  }

  /**
   * Wraps {@code value}.
   *
   * @throws IllegalArgumentException if blank (the message does not contain the value)
   */
  public static Secret of(String value) {
    Objects.requireNonNull(value, "value");
    if (value.isBlank()) {
      throw new IllegalArgumentException("a secret must not be blank");
    }
    return new Secret(value.strip());
  }

  /** The clear value. Never log it. */
  public String reveal() {
    return value;
  }

  /** The first 8 hex digits of the value's SHA-256: enough to tell credentials apart, useless to an attacker. */
  public String fingerprint() {
    return fingerprintOf(value.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  /** The same tag for secret bytes (e.g. an encryption key): the first 8 hex digits of their SHA-256. */
  public static String fingerprintOf(byte[] secret) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(secret);
      return HexFormat.of().formatHex(d, 0, 4);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public String toString() {
    return "Secret[redacted]";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Secret s && MessageDigest.isEqual(
        s.value.getBytes(java.nio.charset.StandardCharsets.UTF_8), value.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  @Override
  public int hashCode() {
    return value.hashCode();
  }
}
