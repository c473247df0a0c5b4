package dev.promptq.worker.credentials;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.promptq.config.Secret;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class CredentialCipherTest {
  private static Secret randomKey(int bytes) {
    byte[] k = new byte[bytes];
    new SecureRandom().nextBytes(k);
    return Secret.of(Base64.getEncoder().encodeToString(k));
  }

  private final CredentialCipher cipher = CredentialCipher.fromBase64(randomKey(32));
  private final byte[] plain = "{\"accessToken\":\"sk-ant-oat01-x\"}".getBytes(StandardCharsets.UTF_8);

  @Test
  void sealedValuesOpenWithTheSameKeyAndAssociatedData() {
    CredentialCipher.Sealed s = cipher.seal(plain, "credentials/subscription");
    assertArrayEquals(plain, cipher.open(s, "credentials/subscription"));
    assertFalse(new String(s.ciphertext(), StandardCharsets.ISO_8859_1).contains("sk-ant"), "ciphertext is not clear text");
  }

  @Test
  void everySealHasAFreshNonce() {
    assertNotEquals(Base64.getEncoder().encodeToString(cipher.seal(plain, "k").nonce()),
        Base64.getEncoder().encodeToString(cipher.seal(plain, "k").nonce()));
  }

  @Test
  void anotherKeyIsNamedByItsIdNotItsValue() {
    Secret otherKey = randomKey(32);
    CredentialCipher other = CredentialCipher.fromBase64(otherKey);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> other.open(cipher.seal(plain, "k"), "k"));
    assertTrue(e.getMessage().contains(cipher.keyId()) && e.getMessage().contains(other.keyId()), e.getMessage());
    assertFalse(e.getMessage().contains(otherKey.reveal()));
  }

  @Test
  void alteredCiphertextOrAnotherRecordKeyFailsAuthentication() {
    CredentialCipher.Sealed s = cipher.seal(plain, "credentials/subscription");
    byte[] altered = s.ciphertext().clone();
    altered[0] ^= 1;
    assertThrows(IllegalArgumentException.class,
        () -> cipher.open(new CredentialCipher.Sealed(s.keyId(), s.nonce(), altered), "credentials/subscription"));
    assertThrows(IllegalArgumentException.class, () -> cipher.open(s, "route/subscription"));
  }

  @Test
  void malformedKeysAreRefusedWithoutEchoingThem() {
    IllegalArgumentException notBase64 = assertThrows(IllegalArgumentException.class,
        () -> CredentialCipher.fromBase64(Secret.of("not base64 %%% secret-ish")));
    assertTrue(notBase64.getMessage().startsWith("PROMPTQ_CREDENTIALS_KEY: not base64"), notBase64.getMessage());
    assertFalse(notBase64.getMessage().contains("secret-ish"));
    IllegalArgumentException shortKey = assertThrows(IllegalArgumentException.class,
        () -> CredentialCipher.fromBase64(randomKey(10)));
    assertTrue(shortKey.getMessage().contains("10 bytes"), shortKey.getMessage());
    CredentialCipher.fromBase64(randomKey(16));
    CredentialCipher.fromBase64(randomKey(24));
  }
}
