package dev.promptq.gateway.keys;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The form of a promptq key: {@code pqk_<id>_<secret>}, where the id is 12 hex characters (it
 * names the key in lists and records) and the secret 43 base64url characters (256 random bits).
 * Only the secret's SHA-256 is ever stored; a hash of 256 random bits needs no salt or stretching.
 */
final class KeySecret {
  static final String PREFIX = "pqk_";
  private static final Pattern FORM = Pattern.compile("pqk_([0-9a-f]{12})_([A-Za-z0-9_-]{43})");
  private static final SecureRandom RANDOM = new SecureRandom();

  /** A key as presented: its id and its secret part. The secret stays out of {@link #toString()}. */
  record Presented(String id, String secret) {
    @Override
    public String toString() {
      return "Presented[id=" + id + "]";
    }
  }

  private KeySecret() {}

  /** A new key, in full: shown once to whoever made it. */
  static String generate() {
    byte[] id = new byte[6];
    byte[] secret = new byte[32];
    RANDOM.nextBytes(id);
    RANDOM.nextBytes(secret);
    return PREFIX + HexFormat.of().formatHex(id) + "_" + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
  }

  /** The parts of {@code key}, or empty when it does not have a promptq key's form. */
  static Optional<Presented> parse(String key) {
    if (key == null) {
      return Optional.empty();
    }
    Matcher m = FORM.matcher(key.trim());
    return m.matches() ? Optional.of(new Presented(m.group(1), m.group(2))) : Optional.empty();
  }

  static String sha256(String secret) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
          .digest(secret.getBytes(StandardCharsets.US_ASCII)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  /** Whether {@code presented}'s secret hashes to {@code sha256}, in time that does not depend on where they differ. */
  static boolean matches(Presented presented, String sha256) {
    return MessageDigest.isEqual(sha256(presented.secret()).getBytes(StandardCharsets.US_ASCII),
        sha256.getBytes(StandardCharsets.US_ASCII));
  }
}
