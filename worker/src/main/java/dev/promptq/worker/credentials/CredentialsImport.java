package dev.promptq.worker.credentials;

import dev.promptq.worker.control.ControlRecords;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Publishes credentials to a worker group's control topic, sealed: what
 * {@code ./promptq credentials import} does. The newest record wins, so an import replaces
 * whatever the group had, revoked credentials included.
 */
public final class CredentialsImport {
  private CredentialsImport() {}

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
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(),
        new ByteArraySerializer())) {
      return producer.send(new ProducerRecord<>(controlTopic, 0, record.key(), record.value()))
          .get(30, TimeUnit.SECONDS).offset();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } catch (ExecutionException | TimeoutException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      throw new IllegalStateException("could not write to " + controlTopic + ": " + cause.getClass().getSimpleName()
          + (cause.getMessage() == null ? "" : " " + cause.getMessage()), e);
    }
  }
}
