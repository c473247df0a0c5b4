package dev.promptq.gateway.batches;

import java.time.Instant;
import java.util.Objects;

/**
 * A Message Batch as the gateway keeps it on {@code Topics.gatewayBatches()}: what was created and
 * when, not its progress (that is counted from its results).
 *
 * @param id {@code msgbatch_} and 24 characters
 * @param keyId the promptq key that created it: only that key sees it
 * @param createdAt when it was created
 * @param expiresAt 24 hours later: requests without a result then are {@code expired}
 * @param count how many requests it has
 * @param idChunks how many records of custom ids follow it ({@link BatchCodec#ID_CHUNK} per record)
 * @param partition the partition of the results topic its results go to
 * @param cancelInitiatedAt when a cancel was asked, or null
 */
public record GatewayBatch(String id, String keyId, Instant createdAt, Instant expiresAt, int count, int idChunks,
    int partition, Instant cancelInitiatedAt) {

  public GatewayBatch {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(keyId, "keyId");
    Objects.requireNonNull(createdAt, "createdAt");
    Objects.requireNonNull(expiresAt, "expiresAt");
  }

  public GatewayBatch canceled(Instant at) {
    return new GatewayBatch(id, keyId, createdAt, expiresAt, count, idChunks, partition, at);
  }

  /** The job id of its {@code index}th request: the batch id, an underscore, the index. */
  public String jobId(int index) {
    return id + "_" + index;
  }

  /** The request index in a job id of {@link #jobId}, or -1 for a malformed one (results are untrusted input). */
  static int indexOf(String jobId, String batchId) {
    try {
      return Integer.parseInt(jobId.substring(batchId.length() + 1));
    } catch (NumberFormatException | IndexOutOfBoundsException e) {
      return -1;
    }
  }

  /** The batch a job id of {@link #jobId} belongs to, or null for another job's id. */
  public static String batchOf(String jobId) {
    int at = jobId.lastIndexOf('_');
    return jobId.startsWith("msgbatch_") && at > "msgbatch_".length() ? jobId.substring(0, at) : null;
  }
}
