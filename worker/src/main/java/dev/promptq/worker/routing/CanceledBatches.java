package dev.promptq.worker.routing;

import dev.promptq.job.BatchCanceled;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The batches the group was told to cancel (control records {@link BatchCanceled}): a job of one
 * ends {@code canceled} without a call when it comes to be run. Thread-safe.
 */
public final class CanceledBatches {
  private final Set<String> ids = ConcurrentHashMap.newKeySet();

  public void apply(BatchCanceled c) {
    ids.add(c.batch());
  }

  boolean isCanceled(String batch) {
    return batch != null && ids.contains(batch);
  }
}
