package dev.promptq.worker.credentials;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.promptq.config.Secret;
import dev.promptq.job.JobCodec;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Seals {@link OAuthCredentials} into the control topic's {@code credentials/subscription} record
 * and opens them again. The sealed plaintext has the {@code claudeAiOauth} field names.
 */
public final class CredentialSeal {
  private final ObjectMapper mapper = JobCodec.newMapper();
  private final CredentialCipher cipher;

  public CredentialSeal(CredentialCipher cipher) {
    this.cipher = cipher;
  }

  public CredentialRecords.SealedCredentials seal(OAuthCredentials c, String source, String by, Instant at) {
    ObjectNode p = mapper.createObjectNode().put("accessToken", c.accessToken().reveal());
    c.refreshToken().ifPresent(r -> p.put("refreshToken", r.reveal()));
    if (c.expiresAt() != null) {
      p.put("expiresAt", c.expiresAt().toEpochMilli());
    }
    c.scopes().forEach(p.putArray("scopes")::add);
    if (c.subscriptionType() != null) {
      p.put("subscriptionType", c.subscriptionType());
    }
    byte[] plain;
    try {
      plain = mapper.writeValueAsBytes(p);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return new CredentialRecords.SealedCredentials(cipher.seal(plain, CredentialRecords.KEY), c.expiresAt(),
        c.refreshable(), source, by, at);
  }

  /**
   * Opens a sealed record.
   *
   * @throws IllegalArgumentException if it was sealed under another key or altered
   */
  public OAuthCredentials open(CredentialRecords.SealedCredentials s) {
    byte[] plain = cipher.open(s.sealed(), CredentialRecords.KEY);
    JsonNode p;
    try {
      p = mapper.readTree(plain);
    } catch (IOException e) {
      throw new IllegalArgumentException("sealed credentials are not JSON");
    }
    if (!p.path("accessToken").isTextual()) {
      throw new IllegalArgumentException("sealed credentials without accessToken");
    }
    List<String> scopes = new ArrayList<>();
    p.path("scopes").forEach(n -> scopes.add(n.asText()));
    return new OAuthCredentials(Secret.of(p.get("accessToken").asText()),
        p.path("refreshToken").isTextual() ? Optional.of(Secret.of(p.get("refreshToken").asText())) : Optional.empty(),
        p.has("expiresAt") ? Instant.ofEpochMilli(p.get("expiresAt").asLong()) : null, scopes,
        p.path("subscriptionType").isTextual() ? p.get("subscriptionType").asText() : null);
  }
}
