package dev.promptq.gateway.batches;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.promptq.job.BatchCanceled;
import dev.promptq.job.Endpoint;
import dev.promptq.job.Job;
import dev.promptq.job.JobCodec;
import dev.promptq.job.JobResult;
import dev.promptq.job.RoutePolicy;
import dev.promptq.kafka.GatewaySeal;
import dev.promptq.kafka.KafkaClientProperties;
import dev.promptq.kafka.ReplyHeaders;
import dev.promptq.kafka.TopicSetup;
import dev.promptq.kafka.Topics;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The gateway's Message Batches in Kafka. Creating one is one transaction: the batch record, its
 * custom ids and one job per request (their results go to the batch's partition of the batch
 * results topic), so a batch exists whole or not at all, whichever instance or crash. Cancel and
 * delete rewrite the batch record; results are read back from the batch's partition.
 *
 * <p>Owns a transactional producer ({@code promptq-gateway-<instance>-batches}) and a
 * {@link BatchFeed}; {@link #close()} releases them. Writes are serialised on this object.
 */
public final class BatchStore implements AutoCloseable {
  /** One request of a new batch. */
  public record Request(String customId, ObjectNode params) {}

  /** One line of a batch's results: the request's result, or null when it expired without one. */
  public record Line(String customId, JobResult result) {}

  /** How long a batch has to end, as the API gives it. */
  public static final Duration EXPIRY = Duration.ofHours(24);
  /** How long its results are kept, as the API keeps them. */
  public static final Duration RESULTS_KEPT = Duration.ofDays(29);
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final String ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

  private final Topics topics;
  private final Map<String, Object> readerProperties;
  private final KafkaProducer<byte[], byte[]> producer;
  private final BatchLedger ledger = new BatchLedger();
  private final BatchFeed feed;
  private final JobCodec codec = new JobCodec();
  private final Clock clock;
  private final int partitions;
  private final GatewaySeal seal;

  public BatchStore(String bootstrapServers, Map<String, Object> kafkaProperties, Topics topics, int partitions,
      String instance, GatewaySeal seal, Clock clock) {
    this.topics = topics;
    this.seal = seal;
    this.clock = clock;
    this.partitions = partitions;
    try (Admin admin = Admin.create(KafkaClientProperties.of(bootstrapServers, kafkaProperties, Map.of()))) {
      TopicSetup.ensure(admin, List.of(
          new NewTopic(topics.gatewayBatches(), Optional.of(1), Optional.empty())
              .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)),
          new NewTopic(topics.gatewayBatchResults(), Optional.of(partitions), Optional.empty())
              .configs(Map.of(TopicConfig.RETENTION_MS_CONFIG, Long.toString(RESULTS_KEPT.toMillis())))),
          Duration.ofSeconds(60));
    }
    this.readerProperties = KafkaClientProperties.of(bootstrapServers, kafkaProperties,
        KafkaClientProperties.committedReader("promptq-gateway-" + instance + "-batches", 100));
    Map<String, Object> p = KafkaClientProperties.reliableProducer("promptq-gateway-" + instance + "-batches");
    p.put("transactional.id", "promptq-gateway-" + instance + "-batches");
    p.put("transaction.timeout.ms", 300_000);
    this.producer = new KafkaProducer<>(KafkaClientProperties.of(bootstrapServers, kafkaProperties, p),
        new ByteArraySerializer(), new ByteArraySerializer());
    producer.initTransactions();
    this.feed = new BatchFeed(readerProperties, topics.gatewayBatches(), topics.gatewayBatchResults(), instance, ledger)
        .start(Duration.ofSeconds(60));
  }

  public BatchLedger ledger() {
    return ledger;
  }

  /**
   * Creates a batch of {@code requests} for the key {@code keyId}: its jobs take {@code policy},
   * end by the batch's expiry, carry {@code betas} (the create call's {@code anthropic-beta}), and carry
   * the custom id and the key's name in their metadata.
   *
   * @throws IllegalStateException if Kafka did not take the whole batch (then none of it is taken)
   */
  public synchronized GatewayBatch create(String keyId, String keyName, RoutePolicy policy, List<String> betas,
      List<Request> requests) {
    Instant now = clock.instant();
    String id = newId();
    int chunks = (requests.size() + BatchCodec.ID_CHUNK - 1) / BatchCodec.ID_CHUNK;
    GatewayBatch batch = new GatewayBatch(id, keyId, now, now.plus(EXPIRY), requests.size(), chunks,
        Math.floorMod(id.hashCode(), partitions), null);
    try {
      producer.beginTransaction();
      producer.send(record(topics.gatewayBatches(), id, BatchCodec.encode(batch)));
      for (int c = 0; c < chunks; c++) {
        List<String> ids = requests.subList(c * BatchCodec.ID_CHUNK, Math.min(requests.size(),
            (c + 1) * BatchCodec.ID_CHUNK)).stream().map(Request::customId).toList();
        producer.send(record(topics.gatewayBatches(), BatchCodec.idsKey(id, c), BatchCodec.encodeIds(ids)));
      }
      for (int i = 0; i < requests.size(); i++) {
        Request r = requests.get(i);
        ObjectNode metadata = JsonNodeFactory.instance.objectNode().put("custom_id", r.customId())
            .put("promptq_key", keyName);
        Job job = new Job(batch.jobId(i), r.params(), policy, topics.gatewayBatchResults(), batch.expiresAt(), metadata,
            id, betas, Endpoint.MESSAGES);
        RecordHeaders headers = new RecordHeaders();
        headers.add(ReplyHeaders.CORRELATION_ID, randomBytes(16));
        headers.add(ReplyHeaders.REPLY_TOPIC, ReplyHeaders.utf8(topics.gatewayBatchResults()));
        headers.add(ReplyHeaders.REPLY_PARTITION, ByteBuffer.allocate(4).putInt(batch.partition()).array());
        byte[] value = codec.encodeJob(job);
        seal.seal(value, headers);
        producer.send(new ProducerRecord<>(topics.jobs(), null, ReplyHeaders.utf8(job.id()), value, headers));
      }
      producer.commitTransaction();
    } catch (KafkaException e) {
      abort();
      throw new IllegalStateException("Kafka did not take the batch: " + e.getMessage(), e);
    }
    ledger.put(batch);
    return batch;
  }

  /**
   * Marks {@code b} canceled, and tells the workers on the control topic (in one transaction): they
   * answer its jobs not yet started {@code canceled}, without a call.
   */
  public synchronized GatewayBatch cancel(GatewayBatch b) {
    if (b.cancelInitiatedAt() != null) {
      return b;
    }
    GatewayBatch canceled = b.canceled(clock.instant());
    BatchCanceled notice = new BatchCanceled(b.id(), canceled.cancelInitiatedAt());
    try {
      producer.beginTransaction();
      producer.send(record(topics.gatewayBatches(), b.id(), BatchCodec.encode(canceled)));
      producer.send(new ProducerRecord<>(topics.control(), notice.key(), notice.value()));
      producer.commitTransaction();
    } catch (KafkaException e) {
      abort();
      throw new IllegalStateException("Kafka did not take the cancellation: " + e.getMessage(), e);
    }
    ledger.put(canceled);
    return canceled;
  }

  /** Forgets {@code b}: its record and custom ids are deleted (tombstones); its results become unreachable. */
  public synchronized void delete(GatewayBatch b) {
    try {
      producer.beginTransaction();
      producer.send(record(topics.gatewayBatches(), b.id(), null));
      if (b.cancelInitiatedAt() != null) {
        producer.send(new ProducerRecord<>(topics.control(), new BatchCanceled(b.id(), b.cancelInitiatedAt()).key(), null));
      }
      for (int c = 0; c < b.idChunks(); c++) {
        producer.send(record(topics.gatewayBatches(), BatchCodec.idsKey(b.id(), c), null));
      }
      producer.commitTransaction();
    } catch (KafkaException e) {
      abort();
      throw new IllegalStateException("Kafka did not take the deletion: " + e.getMessage(), e);
    }
    ledger.remove(b.id());
  }

  /**
   * Hands every result of {@code b} to {@code out}, in the order they came, then (for a batch
   * ended by its expiry) a null result for each request that has none.
   */
  public void results(GatewayBatch b, Consumer<Line> out) {
    BitSet seen = new BitSet();
    long first = ledger.firstResultOffset(b.id());
    if (first >= 0) {
      TopicPartition tp = new TopicPartition(topics.gatewayBatchResults(), b.partition());
      try (KafkaConsumer<byte[], byte[]> c = reader()) {
        c.assign(List.of(tp));
        c.seek(tp, first);
        long end = c.endOffsets(List.of(tp), Duration.ofSeconds(30)).get(tp); // read_committed: the stable end
        while (c.position(tp) < end) {
          for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
            String jobId = r.key() == null ? "" : new String(r.key(), StandardCharsets.UTF_8);
            if (!b.id().equals(GatewayBatch.batchOf(jobId))) {
              continue;
            }
            int index = GatewayBatch.indexOf(jobId, b.id());
            if (index < 0 || seen.get(index) || r.timestamp() >= b.expiresAt().toEpochMilli()) {
              continue;
            }
            seen.set(index);
            JobResult result = codec.decodeResult(r.value());
            out.accept(new Line(result.metadata() == null ? result.id() : result.metadata().path("custom_id")
                .asText(result.id()), result));
          }
        }
      }
    }
    if (seen.cardinality() < b.count()) {
      customIds(b, (index, customId) -> {
        if (!seen.get(index)) {
          out.accept(new Line(customId, null));
        }
      });
    }
  }

  private interface IdSink {
    void accept(int index, String customId);
  }

  /** Reads {@code b}'s custom ids back from the batches topic. */
  private void customIds(GatewayBatch b, IdSink sink) {
    TopicPartition tp = new TopicPartition(topics.gatewayBatches(), 0);
    List<List<String>> chunks = new ArrayList<>();
    for (int i = 0; i < b.idChunks(); i++) {
      chunks.add(null);
    }
    try (KafkaConsumer<byte[], byte[]> c = reader()) {
      c.assign(List.of(tp));
      c.seekToBeginning(List.of(tp));
      long end = c.endOffsets(List.of(tp), Duration.ofSeconds(30)).get(tp);
      while (c.position(tp) < end) {
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
          String key = r.key() == null ? "" : new String(r.key(), StandardCharsets.UTF_8);
          for (int i = 0; i < b.idChunks(); i++) {
            if (key.equals(BatchCodec.idsKey(b.id(), i))) {
              chunks.set(i, r.value() == null ? null : BatchCodec.decodeIds(r.value()));
            }
          }
        }
      }
    }
    int index = 0;
    for (List<String> chunk : chunks) {
      for (String id : chunk == null ? List.<String>of() : chunk) {
        sink.accept(index++, id);
      }
    }
  }

  private KafkaConsumer<byte[], byte[]> reader() {
    return new KafkaConsumer<>(readerProperties, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  private void abort() {
    try {
      producer.abortTransaction();
    } catch (KafkaException e) {
      // fenced or closed: nothing was committed
    }
  }

  private static ProducerRecord<byte[], byte[]> record(String topic, String key, byte[] value) {
    return new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), value);
  }

  private static String newId() {
    StringBuilder id = new StringBuilder("msgbatch_");
    for (int i = 0; i < 24; i++) {
      id.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
    }
    return id.toString();
  }

  private static byte[] randomBytes(int n) {
    byte[] b = new byte[n];
    RANDOM.nextBytes(b);
    return b;
  }

  @Override
  public void close() {
    feed.close();
    producer.close(Duration.ofSeconds(5));
  }
}
