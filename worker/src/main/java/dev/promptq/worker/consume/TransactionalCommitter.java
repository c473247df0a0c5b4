package dev.promptq.worker.consume;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Future;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Exactly-once: results, dead letters and offsets go out in one Kafka transaction, fenced by the
 * consumer group's generation (KIP-447), so a result is visible to {@code read_committed} readers
 * if and only if its job's offset is committed.
 *
 * <p>The records are sent and flushed before the offsets join the transaction: a record Kafka
 * refuses for a reason of its own (too large, a topic it cannot write) aborts the transaction and
 * comes back as {@link Committer.Retry#rejected()}, so the next attempt publishes its fallback
 * instead. On any other abortable error (a rebalance in progress, a broker lost) the transaction
 * is aborted and retried as it was. On a fatal one (fenced, out of sequence) the producer is
 * replaced and the caller rewinds. A producer that cannot be made (no broker) is made again at
 * the next commit; nothing here throws for what Kafka does.
 */
final class TransactionalCommitter implements Committer {
  private static final Logger log = LoggerFactory.getLogger(TransactionalCommitter.class);

  private final Supplier<Producer<byte[], byte[]>> producers;
  private final Predicate<String> topicGone;
  private Producer<byte[], byte[]> producer;  // null while none could be made
  private int failuresInARow;

  /**
   * @param producers makes a transactional producer (same {@code transactional.id} each time);
   *     this committer owns and closes what it makes
   * @param topicGone whether a topic no longer exists (asked when a record's send timed out)
   * @throws KafkaException if the first producer cannot be made (the worker does not start)
   */
  TransactionalCommitter(Supplier<Producer<byte[], byte[]>> producers, Predicate<String> topicGone) {
    this.producers = producers;
    this.topicGone = topicGone;
    this.producer = newProducer();
  }

  private Producer<byte[], byte[]> newProducer() {
    Producer<byte[], byte[]> p = producers.get();
    try {
      p.initTransactions();
    } catch (RuntimeException e) {
      closeQuietly(p);
      throw e;
    }
    return p;
  }

  @Override
  public Result publish(List<Output> outputs, Map<TopicPartition, OffsetAndMetadata> offsets,
      ConsumerGroupMetadata group) {
    if (producer == null) {
      try {
        producer = newProducer();
        log.info("transactional producer ready again");
      } catch (KafkaException e) {
        failed("no transactional producer (" + e + ")");
        return Retry.plain();
      }
    }
    List<Future<RecordMetadata>> sends = new ArrayList<>(outputs.size());
    try {
      producer.beginTransaction();
      for (Output o : outputs) {
        sends.add(producer.send(o.record()));
      }
      producer.flush();
      SendResults sent = SendResults.of(outputs, sends);
      if (!sent.allPublished(outputs.size())) {
        sent.explain(topicGone);
        failed("a record was not written (" + (sent.firstFailure == null ? "unknown" : sent.firstFailure) + ")");
        abort();
        return new Retry(sent.rejected, sent.details, Set.of());
      }
      if (!offsets.isEmpty()) {
        producer.sendOffsetsToTransaction(offsets, group);
      }
      producer.commitTransaction();
      if (failuresInARow > 0) {
        log.info("transactions succeed again after {} failed attempts", failuresInARow);
        failuresInARow = 0;
      }
      return new Committed();
    } catch (ProducerFencedException | InvalidProducerEpochException | OutOfOrderSequenceException
        | UnsupportedVersionException | TransactionalIdAuthorizationException | ClusterAuthorizationException fatal) {
      log.warn("transaction failed ({}); replacing the producer, unfinished work runs again", fatal.toString());
      replaceProducer();
      return new Rewind(fatal.getClass().getSimpleName());
    } catch (KafkaException abortable) {
      failed(abortable.toString());
      SendResults sent = SendResults.of(outputs, sends);
      sent.explain(topicGone);
      TopicAuthorizationException denied = topicDenial(abortable);
      if (denied != null) {
        for (Output o : outputs) {
          if (denied.unauthorizedTopics().contains(o.record().topic())) {
            sent.rejected.put(o, Rejections.UNWRITABLE);
            sent.details.put(o, Rejections.detail(denied));
          }
        }
      }
      if (abort()) {
        return new Retry(sent.rejected, sent.details, Set.of());
      }
      // The outcome of a commit that timed out is unknown: read the offsets back.
      return sent.rejected.isEmpty() ? new Rewind(abortable.getClass().getSimpleName())
          : new Retry(sent.rejected, sent.details, Set.of());
    } catch (RuntimeException bug) {
      log.error("transaction failed unexpectedly; replacing the producer, unfinished work runs again", bug);
      replaceProducer();
      return new Rewind(bug.getClass().getSimpleName());
    }
  }

  private static TopicAuthorizationException topicDenial(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof TopicAuthorizationException d) {
        return d;
      }
    }
    return null;
  }

  private void failed(String why) {
    if (failuresInARow++ == 0) {
      log.warn("transaction failed: {}; aborted, retrying after the next poll", why);
    }
  }

  /**
   * Aborts the open transaction; false (and a new producer) when even that fails, e.g. after a
   * commit that timed out, which Kafka refuses to abort with an {@code IllegalStateException}.
   */
  private boolean abort() {
    try {
      producer.abortTransaction();
      return true;
    } catch (KafkaException | IllegalStateException e) {
      replaceProducer();
      return false;
    }
  }

  @Override
  public Result afterPublish(Map<TopicPartition, OffsetAndMetadata> offsets) {
    return new Committed(); // the offsets were in the transaction
  }

  /** Closes the producer and makes a new one, or leaves none until the next commit when that fails. */
  private void replaceProducer() {
    if (producer != null) {
      closeQuietly(producer);
    }
    try {
      producer = newProducer();
    } catch (RuntimeException e) {
      log.warn("cannot make a new transactional producer now ({}); trying again at the next commit", e.toString());
      producer = null;
    }
  }

  private static void closeQuietly(Producer<byte[], byte[]> p) {
    try {
      p.close(Duration.ZERO);
    } catch (RuntimeException ignored) {
      // closing anyway
    }
  }

  @Override
  public void close() {
    if (producer != null) {
      try {
        producer.close(Duration.ofSeconds(10));
      } catch (RuntimeException e) {
        log.debug("closing the transactional producer: {}", e.toString());
      }
    }
  }
}
