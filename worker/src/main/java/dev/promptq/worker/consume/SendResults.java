package dev.promptq.worker.consume;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * What became of each record of one commit's sends, after a flush: published, refused for a
 * reason of its own ({@link Rejections}), or failed with the connection or transaction.
 */
final class SendResults {
  final Map<Output, String> rejected = new HashMap<>();
  final Map<Output, String> details = new HashMap<>();
  final Set<Output> published = new HashSet<>();
  int failed;
  Throwable firstFailure;
  /** Failed outputs whose error named no reason of their own (a time-out, say). */
  private final Map<Output, Throwable> unexplained = new HashMap<>();

  /** Reads the futures of {@code outputs}' sends (in the same order); those not done count as failed. */
  static SendResults of(List<Output> outputs, List<Future<RecordMetadata>> sends) {
    SendResults r = new SendResults();
    for (int i = 0; i < sends.size(); i++) {
      Output o = outputs.get(i);
      Future<RecordMetadata> f = sends.get(i);
      if (!f.isDone()) {
        r.failed++;
        continue;
      }
      try {
        f.get();
        r.published.add(o);
      } catch (ExecutionException e) {
        r.failed(o, e.getCause());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        r.failed++;
      }
    }
    return r;
  }

  /** Records that {@code o} failed with {@code error}. */
  void failed(Output o, Throwable error) {
    failed++;
    if (firstFailure == null) {
      firstFailure = error;
    }
    java.util.Optional<String> reason = Rejections.reasonFor(error);
    if (reason.isPresent()) {
      rejected.put(o, reason.get());
      details.put(o, Rejections.detail(error));
    } else {
      unexplained.put(o, error);
    }
  }

  /**
   * Names the failures that a time-out hid: a record for a topic deleted after its check is
   * retried by the producer until {@code delivery.timeout.ms} and then fails like a broker that is
   * away. Asks {@code gone} (once per topic) whether each such record's topic still exists.
   */
  void explain(java.util.function.Predicate<String> gone) {
    Map<String, Boolean> asked = new HashMap<>();
    unexplained.forEach((o, error) -> {
      String topic = o.record().topic();
      if (asked.computeIfAbsent(topic, gone::test)) {
        rejected.put(o, Rejections.UNWRITABLE);
        details.put(o, "topic " + topic + " does not exist (" + Rejections.detail(error) + ")");
      }
    });
  }

  boolean allPublished(int count) {
    return failed == 0 && published.size() == count;
  }
}
