package dev.promptq.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class SecretTest {
  private static final String PLANTED = "sk-ant-oat01-planted-secret-for-tests";

  @Test
  void neverPrintsItsValue() {
    Secret s = Secret.of(PLANTED);
    assertEquals("Secret[redacted]", s.toString());
    assertFalse(String.valueOf(java.util.Optional.of(s)).contains(PLANTED));
    assertFalse(s.fingerprint().contains(PLANTED.substring(0, 8)));
    assertEquals(PLANTED, s.reveal());
  }

  @Test
  void fingerprintsTellSecretsApart() {
    assertEquals(Secret.of("a1").fingerprint(), Secret.of("a1").fingerprint());
    assertNotEquals(Secret.of("a1").fingerprint(), Secret.of("a2").fingerprint());
    assertEquals(8, Secret.of("a1").fingerprint().length());
  }

  @Test
  void blankIsRejectedWithoutEchoingIt() {
    assertEquals("a secret must not be blank",
        assertThrows(IllegalArgumentException.class, () -> Secret.of("   ")).getMessage());
  }
}
