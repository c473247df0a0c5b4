package dev.promptq.worker.consume;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/** What the loop needs of the jobs it runs: {@link JobHandler}, or a fake in tests. */
interface JobRunner {

  /**
   * Starts the job of {@code record} and returns what to publish when it ends. Called on the
   * loop's thread and returns at once; the future completes on another thread and never
   * exceptionally.
   *
   * @param handedBack true once the job's partition is no longer this worker's: a job that has not
   *     called yet must not call, and its outputs are dropped
   */
  CompletableFuture<List<Output>> handle(ConsumerRecord<byte[], byte[]> record, BooleanSupplier handedBack);

  /** A dead letter for {@code record}. */
  Output deadLetter(ConsumerRecord<byte[], byte[]> record, String reason);

  /** Jobs started and now waiting for a route rather than calling one. */
  int waitingJobs();
}
