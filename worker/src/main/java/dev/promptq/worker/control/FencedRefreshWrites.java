package dev.promptq.worker.control;

import dev.promptq.worker.credentials.CredentialRecords;
import dev.promptq.worker.credentials.RefreshWrites;
import java.time.Duration;
import org.apache.kafka.clients.producer.Producer;

/**
 * The refresher's writes: each record in a transaction of its own on a producer with the group's
 * fixed refresher {@code transactional.id}, so a former refresher is fenced before it could
 * publish.
 */
public final class FencedRefreshWrites implements RefreshWrites {
  private final ControlRecords records = new ControlRecords();
  private final ControlWriter writer;

  /** @param producer a transactional producer; this object owns and closes it */
  public FencedRefreshWrites(Producer<byte[], byte[]> producer, String topic) {
    this.writer = new ControlWriter(producer, topic);
  }

  @Override
  public void fenceOthers() {
    writer.initTransactions();
  }

  @Override
  public long claim(CredentialRecords.RefreshClaim claim) {
    return writer.commitOne(records.encode(claim));
  }

  @Override
  public long publish(CredentialRecords.SealedCredentials credentials) {
    return writer.commitOne(records.encode(credentials));
  }

  @Override
  public long revoke(CredentialRecords.CredentialsRevoked revoked) {
    return writer.commitOne(records.encode(revoked));
  }

  @Override
  public void close() {
    writer.close(Duration.ZERO);
  }
}
