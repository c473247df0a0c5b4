package dev.promptq.worker.consume;

import java.util.Locale;
import java.util.Optional;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * Which produce errors refuse one record for a reason of its own (its size, its topic), as
 * opposed to errors of the connection, the broker or the transaction that any record would meet.
 * A refused record is replaced by its {@link Output#fallback()}; anything else is retried.
 * Stateless.
 */
final class Rejections {
  /** The result is larger than the producer, the broker or the topic takes. */
  static final String TOO_LARGE = "result_too_large";
  /** The reply topic is gone, unknown, or not writable by this worker. */
  static final String UNWRITABLE = "reply_topic_unwritable";

  private Rejections() {}

  /** The reason a produce error refuses its record alone, or empty when it is not such an error. */
  static Optional<String> reasonFor(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof RecordTooLargeException || t instanceof RecordBatchTooLargeException) {
        return Optional.of(TOO_LARGE);
      }
      if (t instanceof TopicAuthorizationException || t instanceof UnknownTopicOrPartitionException
          || t instanceof InvalidTopicException) {
        return Optional.of(UNWRITABLE);
      }
      // A topic deleted after its check: the producer waits max.block.ms for its metadata.
      if (t instanceof TimeoutException && t.getMessage() != null
          && t.getMessage().toLowerCase(Locale.ROOT).contains("not present in metadata")) {
        return Optional.of(UNWRITABLE);
      }
    }
    return Optional.empty();
  }

  /** A short description of {@code error} for a result or log line: class and message, no payload. */
  static String detail(Throwable error) {
    Throwable root = error;
    while (root.getCause() != null && root.getCause() != root && !(root instanceof org.apache.kafka.common.errors.ApiException)) {
      root = root.getCause();
    }
    String m = root.getMessage();
    return root.getClass().getSimpleName() + (m == null ? "" : ": " + (m.length() > 300 ? m.substring(0, 300) : m));
  }
}
