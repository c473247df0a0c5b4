package dev.promptq.gateway.keys;

import dev.promptq.job.RoutePolicy;
import dev.promptq.kafka.KafkaClientProperties;
import dev.promptq.kafka.TopicSetup;
import dev.promptq.kafka.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * {@code ./promptq keys create|list|revoke}: makes, lists and revokes promptq keys on the control
 * topic. A new key is returned once, in full; the topic keeps its hash. Revoking rewrites the
 * key's record with {@code revoked_at}; every gateway instance stops accepting it when it reads
 * that record. Owns a control reader and a producer; {@link #close()} releases them.
 */
public final class KeyAdmin implements AutoCloseable {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");
  private static final Duration WAIT = Duration.ofSeconds(30);

  /** What a caller asks a new key to allow. */
  public record Grant(String name, List<RoutePolicy> policies, String models, Double usdPerDay, int requestsPerMinute) {}

  /** A key just made: {@code key} is the only copy of the full key there will ever be. */
  public record Created(PromptqKey record, String key) {
    @Override
    public String toString() {
      return "Created[" + record + "]";
    }
  }

  private final String controlTopic;
  private final KeyBook book = new KeyBook();
  private final ControlFeed feed;
  private final KafkaProducer<byte[], byte[]> producer;
  private final Clock clock;

  /** Connects, creating the deployment's topics where missing (a first key may come before any worker). */
  public KeyAdmin(String bootstrapServers, Map<String, Object> kafkaProperties, Topics topics, Clock clock) {
    this(bootstrapServers, kafkaProperties, topics, clock, true);
  }

  /** Reads the keys and their use without creating any topic: for {@code ./promptq status}. */
  public static KeyAdmin reader(String bootstrapServers, Map<String, Object> kafkaProperties, Topics topics,
      Clock clock) {
    return new KeyAdmin(bootstrapServers, kafkaProperties, topics, clock, false);
  }

  private KeyAdmin(String bootstrapServers, Map<String, Object> kafkaProperties, Topics topics, Clock clock,
      boolean createTopics) {
    this.controlTopic = topics.control();
    this.clock = clock;
    if (createTopics) {
      try (Admin admin = Admin.create(KafkaClientProperties.of(bootstrapServers, kafkaProperties, Map.of()))) {
        TopicSetup.ensure(admin, topics, TopicSetup.Spec.defaults(), WAIT);
      }
    }
    this.feed = new ControlFeed(KafkaClientProperties.of(bootstrapServers, kafkaProperties,
        KafkaClientProperties.committedReader("promptq-keys", 100)), controlTopic, "admin", book).start(WAIT);
    this.producer = new KafkaProducer<>(KafkaClientProperties.of(bootstrapServers, kafkaProperties,
        KafkaClientProperties.reliableProducer("promptq-keys")), new ByteArraySerializer(), new ByteArraySerializer());
  }

  /**
   * Makes a key.
   *
   * @throws IllegalArgumentException if the name is malformed or a live key has it already
   */
  public Created create(Grant grant) {
    if (!NAME.matcher(grant.name()).matches()) {
      throw new IllegalArgumentException("key name must be 1-64 of [A-Za-z0-9._-]: " + grant.name());
    }
    if (book.keys().stream().anyMatch(k -> k.live() && k.name().equals(grant.name()))) {
      throw new IllegalArgumentException("a live key is named " + grant.name() + " already; revoke it first");
    }
    String key = KeySecret.generate();
    KeySecret.Presented p = KeySecret.parse(key).orElseThrow();
    PromptqKey record = new PromptqKey(p.id(), grant.name(), KeySecret.sha256(p.secret()), grant.policies(),
        grant.models(), grant.usdPerDay(), grant.requestsPerMinute(), clock.instant(), null);
    write(record);
    return new Created(record, key);
  }

  /** Every key, live and revoked, oldest first. */
  public List<PromptqKey> list() {
    return book.keys();
  }

  public KeyBook book() {
    return book;
  }

  /**
   * Revokes the live key named {@code nameOrId}.
   *
   * @throws IllegalArgumentException if there is no such live key
   */
  public PromptqKey revoke(String nameOrId) {
    PromptqKey k = book.find(nameOrId).filter(PromptqKey::live)
        .orElseThrow(() -> new IllegalArgumentException("no live key is named " + nameOrId));
    PromptqKey revoked = k.revoked(clock.instant());
    write(revoked);
    return revoked;
  }

  private void write(PromptqKey k) {
    try {
      producer.send(new ProducerRecord<>(controlTopic, KeyRecords.keyOf(k).getBytes(StandardCharsets.UTF_8),
          KeyRecords.encode(k))).get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
      book.apply(KeyRecords.keyOf(k), KeyRecords.encode(k));
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("cannot write to the control topic " + controlTopic + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while writing the key", e);
    }
  }

  @Override
  public void close() {
    producer.close(Duration.ofSeconds(5));
    feed.close();
  }
}
