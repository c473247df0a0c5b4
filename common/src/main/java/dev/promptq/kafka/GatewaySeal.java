package dev.promptq.kafka;

import dev.promptq.config.Secret;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.apache.kafka.common.header.Headers;

/**
 * The gateway's seal on the jobs it publishes: an HMAC-SHA256, under the secret that gateways and
 * workers share ({@code gateway.secret}, {@code PROMPTQ_GATEWAY_SECRET}), of the job record's value
 * and its correlation and reply-partition headers, in the header {@value #HEADER}.
 *
 * <p>Workers write a result into the gateway's reply topics ({@code Topics.gatewayReplies()},
 * {@code Topics.gatewayBatchResults()}) only for a job whose seal verifies. Anyone else who may write
 * jobs cannot name those topics and so cannot answer a caller of the gateway or fill a request of
 * its batches. The value holds the job's id, request and {@code reply_to}: a copied sealed record
 * runs the same request again and its result is ignored as a duplicate, no more. Immutable and
 * thread-safe; {@link #toString()} shows a fingerprint, never the secret.
 */
public final class GatewaySeal {
  public static final String HEADER = "promptq_gateway_seal";
  /** The environment variable of {@code gateway.secret}. */
  public static final String SECRET_ENV = "PROMPTQ_GATEWAY_SECRET";
  private static final String ALGORITHM = "HmacSHA256";

  /** Keyed once; each seal works on a clone of it (a {@link Mac} is not thread-safe). */
  private final Mac keyed;
  private final String fingerprint;

  private GatewaySeal(byte[] key) {
    try {
      this.keyed = Mac.getInstance(ALGORITHM);
      keyed.init(new SecretKeySpec(key, ALGORITHM));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
    }
    this.fingerprint = Secret.fingerprintOf(key);
  }

  /**
   * The seal of a base64 secret of at least 16 random bytes ({@code openssl rand -base64 32}).
   *
   * @throws IllegalArgumentException if it is not base64 or is shorter (the message holds no part of it)
   */
  public static GatewaySeal fromBase64(Secret secret) {
    byte[] key;
    try {
      key = Base64.getDecoder().decode(secret.reveal());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("gateway.secret: not base64 (make one with: openssl rand -base64 32)");
    }
    if (key.length < 16) {
      throw new IllegalArgumentException("gateway.secret: " + key.length + " bytes (at least 16; make one with: "
          + "openssl rand -base64 32)");
    }
    return new GatewaySeal(key);
  }

  /** A new random secret of 32 bytes, base64: for a deployment that makes its own (the demo, tests). */
  public static String newSecret() {
    byte[] b = new byte[32];
    new SecureRandom().nextBytes(b);
    return Base64.getEncoder().encodeToString(b);
  }

  /** Adds the seal of {@code value} and the correlation and reply-partition headers already in {@code headers}. */
  public void seal(byte[] value, Headers headers) {
    headers.remove(HEADER);
    headers.add(HEADER, mac(value, headers));
  }

  /** Whether {@code headers} carry this secret's seal of {@code value} and their own correlation and partition. */
  public boolean verifies(byte[] value, Headers headers) {
    byte[] given = ReplyHeaders.bytes(headers, HEADER);
    return given != null && value != null && MessageDigest.isEqual(given, mac(value, headers));
  }

  /** The first 8 hex digits of the secret's SHA-256: tells two secrets apart in logs, useless to an attacker. */
  public String fingerprint() {
    return fingerprint;
  }

  private byte[] mac(byte[] value, Headers headers) {
    try {
      Mac mac = (Mac) keyed.clone();
      mac.update("promptq-gateway-seal-v1".getBytes(StandardCharsets.UTF_8));
      for (byte[] part : new byte[][] {value, ReplyHeaders.bytes(headers, ReplyHeaders.CORRELATION_ID),
          ReplyHeaders.bytes(headers, ReplyHeaders.REPLY_PARTITION)}) {
        byte[] p = part == null ? new byte[0] : part;
        mac.update(ByteBuffer.allocate(5).put((byte) (part == null ? 0 : 1)).putInt(p.length).array());
        mac.update(p);
      }
      return mac.doFinal();
    } catch (CloneNotSupportedException e) {
      throw new IllegalStateException("the JDK's HmacSHA256 can be cloned", e);
    }
  }

  @Override
  public String toString() {
    return "GatewaySeal[" + fingerprint + "]";
  }
}
