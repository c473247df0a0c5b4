package dev.promptq.worker.consume;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * At-least-once, for brokers without transactions: publish with an idempotent producer, wait for
 * every acknowledgement, then commit the offsets. A crash between the two answers those jobs
 * again. When some records fail, the published ones are not sent again and the refused ones are
 * replaced by their fallbacks ({@link Committer.Retry}).
 */
final class AtLeastOnceCommitter implements Committer {
  private static final Logger log = LoggerFactory.getLogger(AtLeastOnceCommitter.class);

  private final Producer<byte[], byte[]> producer;
  private final Consumer<byte[], byte[]> consumer;
  private final Predicate<String> topicGone;

  /**
   * @param producer owned and closed by this committer
   * @param topicGone whether a topic no longer exists (asked when a record's send timed out)
   */
  AtLeastOnceCommitter(Producer<byte[], byte[]> producer, Consumer<byte[], byte[]> consumer,
      Predicate<String> topicGone) {
    this.producer = producer;
    this.consumer = consumer;
    this.topicGone = topicGone;
  }

  @Override
  public Result publish(List<Output> outputs, Map<TopicPartition, OffsetAndMetadata> offsets,
      ConsumerGroupMetadata group) {
    List<Future<RecordMetadata>> sends = new ArrayList<>(outputs.size());
    SendResults early = new SendResults();
    List<Output> sent = new ArrayList<>(outputs.size());
    for (Output o : outputs) {
      try {
        sends.add(producer.send(o.record()));
        sent.add(o);
      } catch (KafkaException e) {
        early.failed(o, e);
      }
    }
    try {
      producer.flush();
    } catch (KafkaException e) {
      log.warn("cannot flush results ({}); retrying after the next poll", e.toString());
    }
    SendResults results = SendResults.of(sent, sends);
    if (early.failed > 0 || !results.allPublished(sent.size())) {
      results.explain(topicGone);
    }
    results.rejected.putAll(early.rejected);
    results.details.putAll(early.details);
    if (early.failed == 0 && results.allPublished(outputs.size())) {
      return new Committed();
    }
    log.warn("{} of {} results not published ({}); retrying after the next poll", outputs.size()
        - results.published.size(), outputs.size(), results.firstFailure != null ? results.firstFailure.toString()
        : early.firstFailure != null ? early.firstFailure.toString() : "no acknowledgement");
    return new Retry(results.rejected, results.details, results.published);
  }

  @Override
  public Result afterPublish(Map<TopicPartition, OffsetAndMetadata> offsets) {
    if (offsets.isEmpty()) {
      return new Committed();
    }
    try {
      consumer.commitSync(offsets);
      return new Committed();
    } catch (KafkaException e) {
      log.warn("cannot commit offsets ({}); those jobs will be answered again", e.toString());
      return new Rewind(e.getClass().getSimpleName());
    }
  }

  @Override
  public void close() {
    try {
      producer.close(Duration.ofSeconds(10));
    } catch (RuntimeException e) {
      log.debug("closing the producer: {}", e.toString());
    }
  }
}
