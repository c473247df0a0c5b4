package dev.promptq.producer;

import dev.promptq.job.Job;
import dev.promptq.job.JobCodec;
import dev.promptq.job.JobResult;
import dev.promptq.job.RequestShape;
import dev.promptq.kafka.ReplyHeaders;
import dev.promptq.kafka.KafkaClientProperties;
import dev.promptq.kafka.TopicSetup;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Publishes prompt jobs and, on request, waits for their results.
 *
 * <pre>{@code
 * try (PromptQClient client = PromptQClient.create(ClientConfig.of("127.0.0.1:9092"))) {
 *   JobResult r = client.submitAndAwait(Job.of("greet-1", request), Duration.ofMinutes(5)).join();
 * }
 * }</pre>
 *
 * <p>Every job carries a fresh {@code kafka_correlationId} and its reply topic in
 * {@code kafka_replyTopic}; the worker echoes the correlation id on the result, which is how
 * {@link #submitAndAwait} finds it (job ids may repeat across runs; correlation ids do not).
 *
 * <p>Thread-safe. Owns one Kafka producer and one reply-listener thread per reply topic awaited;
 * {@link #close()} releases them.
 */
public final class PromptQClient implements AutoCloseable {

  private final ClientConfig config;
  private final JobCodec codec = new JobCodec();
  private final KafkaProducer<byte[], byte[]> producer;
  private final Map<String, ReplyListener> listeners = new ConcurrentHashMap<>();

  private PromptQClient(ClientConfig config) {
    this.config = config;
    try (Admin admin = Admin.create(properties(Map.of()))) {
      TopicSetup.ensure(admin, config.topics(), new TopicSetup.Spec(config.jobPartitions(), (short) -1),
          Duration.ofSeconds(60));
    }
    Map<String, Object> p = new HashMap<>();
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    this.producer = new KafkaProducer<>(properties(p), new ByteArraySerializer(), new ByteArraySerializer());
  }

  /**
   * Connects, creating the deployment's topics if they are missing.
   *
   * @throws IllegalStateException if the brokers cannot be reached or the topics created
   */
  public static PromptQClient create(ClientConfig config) {
    return new PromptQClient(config);
  }

  public ClientConfig config() {
    return config;
  }

  /**
   * Publishes {@code job}, keyed by its id; the future completes when the broker has it.
   *
   * @throws IllegalArgumentException if the request lacks what the Messages API requires
   *     ({@link RequestShape}): workers would dead-letter it
   */
  public CompletableFuture<RecordMetadata> submit(Job job) {
    return send(job, job.id(), newCorrelationId());
  }

  /**
   * Publishes {@code job} keyed by {@code orderingKey}: jobs with one key land on one partition,
   * and workers with {@code ordering=key} run them one at a time, in order.
   */
  public CompletableFuture<RecordMetadata> submit(Job job, String orderingKey) {
    return send(job, orderingKey, newCorrelationId());
  }

  /**
   * Publishes {@code job} and completes with its result, or with a {@link TimeoutException} after
   * {@code timeout}.
   */
  public CompletableFuture<JobResult> submitAndAwait(Job job, Duration timeout) {
    return submitAndAwait(job, job.id(), timeout);
  }

  /**
   * As {@link #submitAndAwait(Job, Duration)}, keyed by {@code orderingKey} as
   * {@link #submit(Job, String)} is.
   */
  public CompletableFuture<JobResult> submitAndAwait(Job job, String orderingKey, Duration timeout) {
    requireShape(job);
    byte[] correlationId = newCorrelationId();
    CompletableFuture<JobResult> result = listener(replyTopic(job)).expect(correlationId);
    send(job, orderingKey, correlationId).whenComplete((md, e) -> {
      if (e != null) {
        result.completeExceptionally(e);
      }
    });
    return result.orTimeout(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
  }

  /**
   * Starts listening on {@code topic} now (creating it if missing), so the first
   * {@link #submitAndAwait} with that reply topic does not wait for it.
   */
  public void prepareReplies(String topic) {
    listener(topic);
  }

  /** Blocks until every submitted job is acknowledged by the broker. */
  public void flush() {
    producer.flush();
  }

  @Override
  public void close() {
    listeners.values().forEach(ReplyListener::close);
    producer.close(Duration.ofSeconds(10));
  }

  private static void requireShape(Job job) {
    RequestShape.problem(job.request(), job.endpoint()).ifPresent(p -> {
      throw new IllegalArgumentException("job " + job.id() + ": " + p);
    });
  }

  private CompletableFuture<RecordMetadata> send(Job job, String key, byte[] correlationId) {
    requireShape(job);
    RecordHeaders headers = new RecordHeaders();
    headers.add(ReplyHeaders.CORRELATION_ID, correlationId);
    headers.add(ReplyHeaders.REPLY_TOPIC, ReplyHeaders.utf8(replyTopic(job)));
    String topic = config.interactive() ? config.topics().interactive() : config.topics().jobs();
    byte[] value = codec.encodeJob(job);
    if (config.seal() != null) {
      config.seal().seal(value, headers);
    }
    ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic, null, ReplyHeaders.utf8(key), value, headers);
    CompletableFuture<RecordMetadata> f = new CompletableFuture<>();
    producer.send(record, (md, e) -> {
      if (e != null) {
        f.completeExceptionally(e);
      } else {
        f.complete(md);
      }
    });
    return f;
  }

  private String replyTopic(Job job) {
    return job.replyTo() != null ? job.replyTo() : config.topics().results();
  }

  private ReplyListener listener(String topic) {
    return listeners.computeIfAbsent(topic, t -> {
      if (!t.equals(config.topics().results())) {
        try (Admin admin = Admin.create(properties(Map.of()))) {
          TopicSetup.ensure(admin, List.of(new NewTopic(t, java.util.Optional.of(config.jobPartitions()),
              java.util.Optional.empty())), Duration.ofSeconds(60));
        }
      }
      Map<String, Object> p = new HashMap<>();
      p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
      p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
      // Results arrive in transactions, and a read_committed fetch waiting at the broker is not
      // woken when one commits: a short wait bounds the delay (default 500 ms).
      p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 20);
      KafkaConsumer<byte[], byte[]> consumer =
          new KafkaConsumer<>(properties(p), new ByteArrayDeserializer(), new ByteArrayDeserializer());
      return new ReplyListener(t, consumer, codec).start(Duration.ofSeconds(60));
    });
  }

  private Map<String, Object> properties(Map<String, Object> defaults) {
    return KafkaClientProperties.of(config.bootstrapServers(), config.kafkaProperties(), defaults);
  }

  private static byte[] newCorrelationId() {
    UUID u = UUID.randomUUID();
    return ByteBuffer.allocate(16).putLong(u.getMostSignificantBits()).putLong(u.getLeastSignificantBits()).array();
  }
}
