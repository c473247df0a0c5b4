package dev.promptq.worker.control;

import dev.promptq.worker.credentials.OAuthCredentials;
import dev.promptq.worker.credentials.CredentialSeal;
import dev.promptq.worker.credentials.CredentialCipher;
import dev.promptq.worker.credentials.CredentialRecords;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Publishes credentials to a worker group's control topic, sealed: what
 * {@code ./promptq credentials import} does. The newest record wins, so an import replaces
 * whatever the group had, revoked credentials included; {@link #refusal} keeps an old login file
 * from replacing the group's working credentials.
 */
public final class CredentialsImport {
  private CredentialsImport() {}

  /**
   * The group's credentials as the control topic shows them (read without opening the seal).
   *
   * @param generation the record's offset
   * @param revokedError the token endpoint's error when the latest record is a revocation, else null
   */
  public record GroupState(long generation, Instant expiresAt, boolean refreshable, String source, String by,
      Instant at, String revokedError) {

    public boolean revoked() {
      return revokedError != null;
    }

    /** One line for the operator: what an import would replace. */
    public String describe() {
      return revoked() ? "generation " + generation + ", revoked (" + revokedError + ") by " + by + " at " + at
          : "generation " + generation + ", live, access token expires " + (expiresAt == null ? "at an unknown time"
              : "at " + expiresAt) + ", from " + source + " by " + by + " at " + at;
    }
  }

  /**
   * Why importing {@code imported} over {@code group} would break a working group, or empty if it
   * would not: credentials whose access token expires no later than the group's live ones (an old
   * login file; its refresh token was most likely spent by the group's refresher already), or an
   * expired access token that cannot be refreshed.
   */
  public static Optional<String> refusal(OAuthCredentials imported, Optional<GroupState> group, Instant now) {
    if (imported.expiresAt() != null && !imported.expiresAt().isAfter(now) && !imported.refreshable()) {
      return Optional.of("its access token expired at " + imported.expiresAt() + " and it has no refresh token");
    }
    if (group.isEmpty() || group.get().revoked()) {
      return Optional.empty();
    }
    GroupState g = group.get();
    if (imported.expiresAt() != null && g.expiresAt() != null && !imported.expiresAt().isAfter(g.expiresAt())) {
      return Optional.of("they are older than the group's (" + g.describe() + "; the file's access token expires at "
          + imported.expiresAt() + "): the group's refresher has most likely spent the file's refresh token already, "
          + "and importing it would take the subscription down for the whole group at the next refresh. Sign in "
          + "again for a newer file, or pass --force to import it anyway");
    }
    return Optional.empty();
  }

  /**
   * Reads the control topic to its end and returns the group's latest credentials record, if any.
   *
   * @throws IllegalStateException if the topic cannot be read within {@code timeout}
   */
  public static Optional<GroupState> groupState(Map<String, Object> kafka, String controlTopic, Duration timeout) {
    Map<String, Object> p = new HashMap<>(kafka);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.remove(ConsumerConfig.GROUP_ID_CONFIG);
    p.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "promptq-credentials-import");
    ControlRecords records = new ControlRecords();
    TopicPartition tp = new TopicPartition(controlTopic, 0);
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(),
        new ByteArrayDeserializer())) {
      c.assign(List.of(tp));
      c.seekToBeginning(List.of(tp));
      long end = c.endOffsets(List.of(tp), timeout).get(tp);
      Instant deadline = Instant.now().plus(timeout);
      GroupState state = null;
      while (c.position(tp, timeout) < end) {
        if (Instant.now().isAfter(deadline)) {
          throw new IllegalStateException("could not read " + controlTopic + " to its end within " + timeout);
        }
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
          Optional<Object> d;
          try {
            d = records.decode(r.key(), r.value());
          } catch (RuntimeException damaged) {
            continue;
          }
          if (d.isPresent() && d.get() instanceof CredentialRecords.SealedCredentials sc) {
            state = new GroupState(r.offset(), sc.expiresAt(), sc.refreshable(), sc.source(), sc.by(), sc.at(), null);
          } else if (d.isPresent() && d.get() instanceof CredentialRecords.CredentialsRevoked rv) {
            state = new GroupState(r.offset(), null, false, "revoked", rv.by(), rv.at(), rv.error());
          }
        }
      }
      return Optional.ofNullable(state);
    } catch (org.apache.kafka.common.KafkaException e) {
      throw new IllegalStateException("could not read " + controlTopic + ": " + e.getClass().getSimpleName(), e);
    }
  }

  /**
   * Publishes {@code credentials} and returns the record's offset (their generation).
   *
   * @param kafka Kafka client settings, {@code bootstrap.servers} included
   * @param by who imports, for the record (e.g. {@code import@host})
   * @throws IllegalStateException if the record cannot be written within 30 s
   */
  public static long publish(Map<String, Object> kafka, String controlTopic, CredentialCipher cipher,
      OAuthCredentials credentials, String by, Clock clock) {
    ControlRecords.Encoded record = new ControlRecords().encode(
        new CredentialSeal(cipher).seal(credentials, "import", by, clock.instant()));
    Map<String, Object> p = new HashMap<>(kafka);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    p.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "promptq-credentials-import");
    try (ControlWriter writer = new ControlWriter(new KafkaProducer<>(p, new ByteArraySerializer(),
        new ByteArraySerializer()), controlTopic)) {
      return writer.sendAndWait(record, Duration.ofSeconds(30));
    }
  }
}
