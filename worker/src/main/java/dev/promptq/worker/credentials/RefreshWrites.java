package dev.promptq.worker.credentials;

import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.ProducerFencedException;

/**
 * The refresher's writes to the control topic, each in a transaction of its own on a producer
 * with the group's fixed refresher {@code transactional.id}. Methods throw Kafka's exceptions:
 * {@link ProducerFencedException} or {@link InvalidProducerEpochException} once a newer
 * refresher took over, another {@link KafkaException} when a write failed.
 */
public interface RefreshWrites extends AutoCloseable {
  /** Fences every earlier refresher. */
  void fenceOthers();

  /** Writes the claim to refresh a generation; returns its offset. */
  long claim(CredentialRecords.RefreshClaim claim);

  /** Writes refreshed credentials; returns their offset (their generation). */
  long publish(CredentialRecords.SealedCredentials credentials);

  /** Writes the group's credentials' revocation; returns its offset. */
  long revoke(CredentialRecords.CredentialsRevoked revoked);

  @Override
  void close();
}
