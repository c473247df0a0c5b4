package dev.promptq.worker.credentials;

import dev.promptq.config.Secret;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Seals the group's credentials for the control topic with AES-GCM under the key every worker
 * gets from {@code PROMPTQ_CREDENTIALS_KEY} (base64 of 16, 24 or 32 random bytes, e.g.
 * {@code openssl rand -base64 32}). Each seal has a fresh 96-bit nonce; the record key is
 * authenticated as associated data, so a sealed value cannot be moved to another key.
 * Thread-safe.
 */
public final class CredentialCipher {
  /** The environment variable holding the key. */
  public static final String KEY_ENV = "PROMPTQ_CREDENTIALS_KEY";
  private static final int NONCE_BYTES = 12;
  private static final int TAG_BITS = 128;

  /** A sealed value: the id of the key that sealed it, the nonce and the ciphertext with its tag. */
  public record Sealed(String keyId, byte[] nonce, byte[] ciphertext) {}

  private final SecretKey key;
  private final String keyId;
  private final SecureRandom random = new SecureRandom();

  private CredentialCipher(byte[] keyBytes) {
    this.key = new SecretKeySpec(keyBytes, "AES");
    this.keyId = Secret.fingerprintOf(keyBytes);
  }

  /**
   * Reads the key from its base64 text.
   *
   * @throws IllegalArgumentException naming {@link #KEY_ENV} (never its value) if it is not base64
   *     of 16, 24 or 32 bytes
   */
  public static CredentialCipher fromBase64(Secret base64Key) {
    byte[] bytes;
    try {
      bytes = Base64.getDecoder().decode(base64Key.reveal());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(KEY_ENV + ": not base64 (generate one with `openssl rand -base64 32`)");
    }
    if (bytes.length != 16 && bytes.length != 24 && bytes.length != 32) {
      throw new IllegalArgumentException(KEY_ENV + ": " + bytes.length
          + " bytes after base64 decoding; AES needs 16, 24 or 32 (generate one with `openssl rand -base64 32`)");
    }
    return new CredentialCipher(bytes);
  }

  /** A short one-way tag of the key: tells workers with different keys apart in errors. */
  public String keyId() {
    return keyId;
  }

  public Sealed seal(byte[] plaintext, String associatedData) {
    byte[] nonce = new byte[NONCE_BYTES];
    random.nextBytes(nonce);
    try {
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
      c.updateAAD(associatedData.getBytes(StandardCharsets.UTF_8));
      return new Sealed(keyId, nonce, c.doFinal(plaintext));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM unavailable", e);
    }
  }

  /**
   * Opens a sealed value.
   *
   * @throws IllegalArgumentException if it was sealed under another key, for other associated
   *     data, or altered
   */
  public byte[] open(Sealed sealed, String associatedData) {
    if (!keyId.equals(sealed.keyId())) {
      throw new IllegalArgumentException("sealed under key " + sealed.keyId() + " but " + KEY_ENV
          + " here is key " + keyId + " (every worker needs the same key)");
    }
    try {
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, sealed.nonce()));
      c.updateAAD(associatedData.getBytes(StandardCharsets.UTF_8));
      return c.doFinal(sealed.ciphertext());
    } catch (javax.crypto.AEADBadTagException e) {
      throw new IllegalArgumentException("sealed credentials fail authentication (altered or another key)");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM unavailable", e);
    }
  }

  @Override
  public String toString() {
    return "CredentialCipher[key " + keyId + "]";
  }
}
