package dev.promptq.worker.consume;

import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Kafka's {@code MockProducer}, refusing records the way {@code KafkaProducer} does: a record
 * larger than {@code max.request.size} and a record for a topic the ACLs deny get a failed future
 * ({@code RecordTooLargeException}, {@code TopicAuthorizationException}); {@link #failNext} fails
 * records with a broker error any record could meet.
 */
final class RefusingProducer extends MockProducer<byte[], byte[]> {
  private final int maxBytes;
  private final Set<String> denied;
  final AtomicInteger failNext = new AtomicInteger();
  /** Topics whose records time out (as a deleted topic's do, after {@code delivery.timeout.ms}). */
  final Set<String> expiring = java.util.concurrent.ConcurrentHashMap.newKeySet();

  RefusingProducer(int maxBytes, Set<String> denied) {
    super(true, null, new ByteArraySerializer(), new ByteArraySerializer());
    this.maxBytes = maxBytes;
    this.denied = denied;
  }

  /** A producer for either committer: transactions begin only when the committer initialises them. */
  static RefusingProducer transactional(int maxBytes, Set<String> denied) {
    return new RefusingProducer(maxBytes, denied);
  }

  @Override
  public synchronized Future<RecordMetadata> send(ProducerRecord<byte[], byte[]> r, Callback callback) {
    if (r.value() != null && r.value().length > maxBytes) {
      return CompletableFuture.failedFuture(new RecordTooLargeException("The message is " + r.value().length
          + " bytes when serialized which is larger than " + maxBytes + ", the value of max.request.size"));
    }
    if (denied.contains(r.topic())) {
      return CompletableFuture.failedFuture(new TopicAuthorizationException(Set.of(r.topic())));
    }
    if (expiring.contains(r.topic())) {
      return CompletableFuture.failedFuture(new org.apache.kafka.common.errors.TimeoutException("Expiring 1 record(s) "
          + "for " + r.topic() + "-0:35000 ms has passed since batch creation"));
    }
    if (failNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
      return CompletableFuture.failedFuture(new NotEnoughReplicasException("not enough in-sync replicas"));
    }
    return super.send(r, callback);
  }
}
