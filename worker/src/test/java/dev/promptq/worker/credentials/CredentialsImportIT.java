package dev.promptq.worker.credentials;

import dev.promptq.worker.control.CredentialsImport;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.promptq.config.Secret;
import dev.promptq.kafka.TopicSetup;
import dev.promptq.kafka.Topics;
import dev.promptq.testkit.junit.SharedKafka;
import dev.promptq.testkit.kafka.EmbeddedKafka;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@code credentials import} against a real control topic: an old login never replaces working credentials. */
@ExtendWith(SharedKafka.class)
class CredentialsImportIT {
  private static final CredentialCipher CIPHER = CredentialCipher.fromBase64(
      Secret.of(Base64.getEncoder().encodeToString(new byte[32])));

  private static OAuthCredentials login(String name, Instant expiresAt) {
    return new OAuthCredentials(Secret.of("sk-ant-oat01-" + name), Optional.of(Secret.of("sk-ant-ort01-" + name)),
        expiresAt, List.of("user:inference"), "max");
  }

  @Test
  void anOlderLoginIsRefusedANewerOneReplacesTheGroupsAndARevokedGroupTakesAnyRefreshableOne(EmbeddedKafka kafka) {
    Topics topics = SharedKafka.uniqueTopics();
    Map<String, Object> props = Map.of("bootstrap.servers", kafka.bootstrapServers());
    try (Admin admin = Admin.create(props)) {
      TopicSetup.ensure(admin, topics, TopicSetup.Spec.defaults(), Duration.ofSeconds(30));
    }
    Instant now = Instant.now();
    assertEquals(Optional.empty(), CredentialsImport.refusal(login("first", now.plusSeconds(3600)),
        CredentialsImport.groupState(props, topics.control(), Duration.ofSeconds(30)), now), "an empty group takes any");

    long live = CredentialsImport.publish(props, topics.control(), CIPHER, login("refreshed", now.plusSeconds(7200)),
        "refresh-test", Clock.systemUTC());
    Optional<CredentialsImport.GroupState> group = CredentialsImport.groupState(props, topics.control(),
        Duration.ofSeconds(30));
    assertEquals(live, group.orElseThrow().generation());

    String why = CredentialsImport.refusal(login("old-file", now.plusSeconds(3600)), group, now).orElseThrow();
    assertTrue(why.contains("older than the group's (generation " + live), why);
    assertTrue(why.contains("--force"), why);
    assertEquals(Optional.empty(), CredentialsImport.refusal(login("new-login", now.plusSeconds(28_800)), group, now));

    OAuthCredentials expiredStatic = new OAuthCredentials(Secret.of("sk-ant-oat01-x"), Optional.empty(),
        now.minusSeconds(60), List.of(), null);
    assertTrue(CredentialsImport.refusal(expiredStatic, Optional.empty(), now).isPresent());
  }
}
