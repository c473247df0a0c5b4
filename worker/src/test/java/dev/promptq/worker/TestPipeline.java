package dev.promptq.worker;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.promptq.config.Secret;
import dev.promptq.job.JobCodec;
import dev.promptq.kafka.Topics;
import dev.promptq.producer.ClientConfig;
import dev.promptq.producer.PromptQClient;
import dev.promptq.testkit.junit.SharedKafka;
import dev.promptq.testkit.kafka.EmbeddedKafka;
import dev.promptq.job.Route;
import dev.promptq.testkit.sim.AnthropicSimulator;
import dev.promptq.testkit.sim.AnthropicSimulatorBuilder;
import dev.promptq.testkit.sim.Directives;
import dev.promptq.testkit.sim.RecordedCall;
import dev.promptq.worker.routing.RouterSettings;
import java.time.Clock;
import dev.promptq.worker.credentials.Credentials;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * One test's pipeline on the shared broker: its own topics, a simulator, workers and a client.
 * The credentials are planted values that the secret-leak test searches for in every output.
 */
final class TestPipeline implements AutoCloseable {
  static final Secret OAUTH_TOKEN = Secret.of("sk-ant-oat01-planted-oauth-" + UUID.randomUUID());
  static final Secret API_KEY = Secret.of("sk-ant-api03-planted-apikey-" + UUID.randomUUID());
  static final Credentials BOTH = new Credentials(Optional.of(OAUTH_TOKEN), Optional.of(API_KEY));

  private final String bootstrapServers;
  final Topics topics = SharedKafka.uniqueTopics();
  final String groupId = "g-" + UUID.randomUUID();
  final AnthropicSimulator sim;
  final JobCodec codec = new JobCodec();
  private final List<Worker> workers = new ArrayList<>();
  private PromptQClient client;

  /** A pipeline whose simulator accepts both planted credentials. */
  TestPipeline(EmbeddedKafka kafka) {
    this(kafka, AnthropicSimulator.builder().oauthToken(OAUTH_TOKEN).apiKey(API_KEY));
  }

  TestPipeline(EmbeddedKafka kafka, AnthropicSimulatorBuilder sim) {
    this(kafka.bootstrapServers(), sim);
  }

  /** A pipeline on any brokers (e.g. an embedded cluster). */
  TestPipeline(String bootstrapServers, AnthropicSimulatorBuilder sim) {
    this.bootstrapServers = bootstrapServers;
    this.sim = sim.build().start();
  }

  /** A pipeline whose simulator also answers the prompt directives of {@link Directives}. */
  static TestPipeline withDirectives(EmbeddedKafka kafka, Duration quotaResetIn) {
    return new TestPipeline(kafka, AnthropicSimulator.builder().oauthToken(OAUTH_TOKEN).apiKey(API_KEY)
        .responder(new Directives(Clock.systemUTC(), quotaResetIn)));
  }

  /** Router settings that make retries, breakers and hold-offs fast enough for a test. */
  static RouterSettings fastRouter(Duration refusalCooldown) {
    return new RouterSettings(3, Duration.ofMillis(10), Duration.ofMillis(200), 10, 5, Duration.ofSeconds(2),
        refusalCooldown, Duration.ofMillis(300), 0.9);
  }

  /** Calls by route, in the order the simulator answered them. */
  List<Route> callRoutes() {
    return sim.calls().stream().map(RecordedCall::route).toList();
  }

  long calls(Route route) {
    return sim.calls().stream().filter(c -> c.route() == route).count();
  }

  WorkerConfigBuilder workerConfig(String workerId) {
    return WorkerConfig.builder(bootstrapServers)
        .topics(topics)
        .groupId(groupId)
        .workerId(workerId)
        .anthropicBaseUrl(sim.baseUrl())
        .credentials(BOTH)
        .jobPartitions(6);
  }

  Worker startWorker(WorkerConfig config) {
    Worker w = Worker.start(config);
    workers.add(w);
    return w;
  }

  Worker startWorker(String workerId) {
    return startWorker(workerConfig(workerId).build());
  }

  /** Waits until every started worker owns at least one job partition. */
  void awaitGroupFormed() {
    await().atMost(Duration.ofSeconds(60)).until(() -> workers.stream().allMatch(w -> !w.assignment().isEmpty()));
  }

  List<Worker> workers() {
    return workers;
  }

  String bootstrapServers() {
    return bootstrapServers;
  }

  PromptQClient client() {
    if (client == null) {
      client = PromptQClient.create(new ClientConfig(bootstrapServers, topics, 6, Map.of()));
    }
    return client;
  }

  ObjectNode request(String prompt) {
    ObjectNode r = codec.mapper().createObjectNode();
    r.put("model", "claude-test");
    r.put("max_tokens", 100);
    r.putArray("messages").addObject().put("role", "user").put("content", prompt);
    return r;
  }

  /** Writes a raw record to the jobs topic, as any producer could. */
  void produceRaw(byte[] key, byte[] value, Map<String, byte[]> headers) {
    try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrapServers),
        new ByteArraySerializer(), new ByteArraySerializer())) {
      ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(topics.jobs(), key, value);
      headers.forEach((k, v) -> r.headers().add(k, v));
      p.send(r).get();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Reads {@code topic} from the beginning until it holds at least {@code expected} records and
   * then until one more second passes without a new record (so duplicates would show).
   */
  List<ConsumerRecord<byte[], byte[]>> readAll(String topic, int expected) {
    return dev.promptq.testkit.kafka.TopicReader.readAll(bootstrapServers, topic, expected, Duration.ofSeconds(1),
        Duration.ofSeconds(120));
  }

  /**
   * Reads the results topic ({@code read_committed}) and checks it holds exactly one result per
   * id in {@code ids} and nothing else; returns the results by id.
   */
  Map<String, dev.promptq.job.JobResult> assertExactlyOneResultEach(java.util.Set<String> ids) {
    Map<String, dev.promptq.job.JobResult> byId = new java.util.HashMap<>();
    List<String> duplicates = new ArrayList<>();
    for (ConsumerRecord<byte[], byte[]> r : readAll(topics.results(), ids.size())) {
      dev.promptq.job.JobResult result = codec.decodeResult(r.value());
      if (byId.put(result.id(), result) != null) {
        duplicates.add(result.id());
      }
    }
    org.junit.jupiter.api.Assertions.assertEquals(List.of(), duplicates, "answered twice");
    java.util.Set<String> missing = new java.util.TreeSet<>(ids);
    missing.removeAll(byId.keySet());
    org.junit.jupiter.api.Assertions.assertEquals(java.util.Set.of(), missing, "never answered");
    org.junit.jupiter.api.Assertions.assertEquals(ids, byId.keySet());
    return byId;
  }

  /** Submits {@code n} jobs {@code prefix-0..n-1} (fire and forget); returns their ids. */
  java.util.Set<String> submitMany(String prefix, int n) {
    java.util.Set<String> ids = new java.util.LinkedHashSet<>();
    for (int i = 0; i < n; i++) {
      String id = prefix + "-" + i;
      client().submit(dev.promptq.job.Job.of(id, request("job " + id)));
      ids.add(id);
    }
    client().flush();
    return ids;
  }

  @Override
  public void close() {
    if (client != null) {
      client.close();
    }
    workers.forEach(w -> w.close(Duration.ofSeconds(5)));
    sim.close();
  }
}
