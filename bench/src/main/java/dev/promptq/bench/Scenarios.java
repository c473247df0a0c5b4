package dev.promptq.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.promptq.config.Secret;
import dev.promptq.job.Job;
import dev.promptq.job.JobCodec;
import dev.promptq.kafka.Topics;
import dev.promptq.kafka.TopicSetup;
import dev.promptq.producer.ClientConfig;
import dev.promptq.producer.PromptQClient;
import dev.promptq.testkit.sim.AnthropicSimulator;
import dev.promptq.worker.Delivery;
import dev.promptq.worker.Worker;
import dev.promptq.worker.WorkerConfig;
import dev.promptq.worker.WorkerConfigBuilder;
import dev.promptq.worker.claudecli.ClaudeCliSettings;
import dev.promptq.worker.credentials.Credentials;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** The workloads of {@link Benchmark}; each runs on topics of its own. */
final class Scenarios {
  private static final int PARTITIONS = 12;

  /**
   * @param jobsPerSecond from the worker's first assignment to the last result
   * @param steadyJobsPerSecond after the first {@code maxInFlight} results (the ramp-up left out)
   */
  record Run(double jobsPerSecond, double steadyJobsPerSecond, Memory.Peak memory) {}

  /**
   * Added latency (submit to result minus the simulated latency), and where it goes: before the
   * worker starts the job (publish + fetch), and after it finishes (commit + delivery to the client).
   */
  record Latency(long p50, long p99, long max, int count, long queueP50, long queueP99, long callP50, long callP99,
      long deliveryP50, long deliveryP99) {}

  private final String bootstrap;
  private final AnthropicSimulator sim;
  private final Secret token;
  private final JobCodec codec = new JobCodec();

  Scenarios(String bootstrap, AnthropicSimulator sim, Secret token) {
    this.bootstrap = bootstrap;
    this.sim = sim;
    this.token = token;
  }

  /** A plain consume-transform-produce loop with no HTTP call: poll, produce each record, flush, commit. */
  double plainLoop(int n) throws Exception {
    Topics t = fresh();
    preload(t, n);
    AtomicLong assignedAt = new AtomicLong();
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of("bootstrap.servers", bootstrap,
        "group.id", "plain-" + UUID.randomUUID(), "enable.auto.commit", false, "auto.offset.reset", "earliest",
        "max.poll.records", 1000), new ByteArrayDeserializer(), new ByteArrayDeserializer());
        KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap,
            "acks", "all", "linger.ms", 5, "compression.type", "lz4"), new ByteArraySerializer(), new ByteArraySerializer())) {
      consumer.subscribe(List.of(t.jobs()), new ConsumerRebalanceListener() {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {}

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
          assignedAt.compareAndSet(0, System.nanoTime());
        }
      });
      int done = 0;
      while (done < n) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
          producer.send(new ProducerRecord<>(t.results(), r.key(), r.value()));
          done++;
        }
        producer.flush();
        consumer.commitSync();
      }
      return n / seconds(assignedAt.get(), System.nanoTime());
    }
  }

  /** promptq's worker on {@code n} pre-loaded jobs; jobs/s from its first assignment to the last result. */
  Run promptq(int n, int maxInFlight, Delivery delivery) throws Exception {
    return promptq(n, maxInFlight, delivery, null);
  }

  /** The same, with the subscription through Claude Code when {@code cli} is not null. */
  Run promptq(int n, int maxInFlight, Delivery delivery, ClaudeCliSettings cli) throws Exception {
    Topics t = fresh();
    preload(t, n);
    AtomicLong assignedAt = new AtomicLong();
    int rampUp = Math.min(maxInFlight, n / 2);
    try (ResultCounter counter = new ResultCounter(bootstrap, t.results(), n, rampUp);
        Memory.Sampler sampler = new Memory.Sampler();
        Worker worker = Worker.start(workerConfig(t, maxInFlight, delivery).claudeCli(cli).build())) {
      worker.firstAssignment().thenRun(() -> assignedAt.set(System.nanoTime()));
      long last = counter.awaitAll(Duration.ofMinutes(5));
      return new Run(n / seconds(assignedAt.get(), last), (n - rampUp) / seconds(counter.rampedAt(), last),
          sampler.peak());
    }
  }

  /** What a user might write first: poll, call the API synchronously per record, produce, commit. */
  double naive(int n) throws Exception {
    Topics t = fresh();
    preload(t, n);
    OkHttpClient http = new OkHttpClient.Builder().readTimeout(Duration.ofMinutes(1)).build();
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of("bootstrap.servers", bootstrap,
        "group.id", "naive-" + UUID.randomUUID(), "enable.auto.commit", false, "auto.offset.reset", "earliest"),
        new ByteArrayDeserializer(), new ByteArrayDeserializer());
        KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap),
            new ByteArraySerializer(), new ByteArraySerializer())) {
      consumer.subscribe(List.of(t.jobs()));
      long start = 0;
      int done = 0;
      while (done < n) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
          if (start == 0) {
            start = System.nanoTime();
          }
          JsonNode job = codec.mapper().readTree(r.value());
          Request request = new Request.Builder().url(sim.baseUrl() + "/v1/messages")
              .header("anthropic-version", "2023-06-01")
              .header("authorization", "Bearer " + token.reveal())
              .header("anthropic-beta", "oauth-2025-04-20")
              .post(RequestBody.create(codec.mapper().writeValueAsBytes(job.get("request")),
                  MediaType.get("application/json")))
              .build();
          try (Response response = http.newCall(request).execute()) {
            producer.send(new ProducerRecord<>(t.results(), r.key(), response.body().bytes())).get();
          }
          consumer.commitSync(Map.of(new TopicPartition(r.topic(), r.partition()),
              new org.apache.kafka.clients.consumer.OffsetAndMetadata(r.offset() + 1)));
          done++;
        }
      }
      return n / seconds(start, System.nanoTime());
    } finally {
      http.dispatcher().executorService().shutdown();
      http.connectionPool().evictAll();
    }
  }

  /**
   * A steady load of {@code rate} jobs/s for {@code durationSeconds} through one worker; per job,
   * submit-to-result time minus the simulated latency.
   */
  Latency steady(int rate, int durationSeconds, int maxInFlight, Duration simLatency) throws Exception {
    Topics t = fresh();
    try (Worker worker = Worker.start(workerConfig(t, maxInFlight, Delivery.EXACTLY_ONCE).build());
        PromptQClient client = PromptQClient.create(new ClientConfig(bootstrap, t, PARTITIONS, Map.of()))) {
      worker.firstAssignment().get(60, TimeUnit.SECONDS);
      load(client, rate, Math.max(1, durationSeconds / 3), simLatency, "warmup"); // connections, JIT: not measured
      return load(client, rate, durationSeconds, simLatency, "steady");
    }
  }

  private Latency load(PromptQClient client, int rate, int durationSeconds, Duration simLatency, String prefix)
      throws Exception {
    ConcurrentLinkedQueue<Long> added = new ConcurrentLinkedQueue<>();
    ConcurrentLinkedQueue<Long> queue = new ConcurrentLinkedQueue<>();
    ConcurrentLinkedQueue<Long> delivery = new ConcurrentLinkedQueue<>();
    ConcurrentLinkedQueue<Long> call = new ConcurrentLinkedQueue<>();
    List<CompletableFuture<?>> all = new ArrayList<>();
    int n = rate * durationSeconds;
    long start = System.nanoTime();
    long interval = 1_000_000_000L / rate;
    for (int i = 0; i < n; i++) {
      long due = start + i * interval;
      long wait = due - System.nanoTime();
      if (wait > 0) {
        LockSupport.parkNanos(wait);
      }
      long submitted = System.nanoTime();
      all.add(client.submitAndAwait(Job.of(prefix + "-" + i, request(prefix + " " + i)), Duration.ofMinutes(2))
          .thenAccept(r -> {
            long receivedMs = System.currentTimeMillis();
            added.add((System.nanoTime() - submitted) / 1_000_000 - simLatency.toMillis());
            queue.add(r.queueTime().toMillis());
            call.add(r.processingTime().toMillis() - simLatency.toMillis());
            delivery.add(receivedMs - r.finishedAt().toEpochMilli());
          }));
    }
    CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(5, TimeUnit.MINUTES);
    long[] sorted = sorted(added);
    long[] q = sorted(queue);
    long[] d = sorted(delivery);
    long[] c = sorted(call);
    return new Latency(percentile(sorted, 50), percentile(sorted, 99), sorted[sorted.length - 1], sorted.length,
        percentile(q, 50), percentile(q, 99), percentile(c, 50), percentile(c, 99), percentile(d, 50),
        percentile(d, 99));
  }

  private WorkerConfigBuilder workerConfig(Topics t, int maxInFlight, Delivery delivery) {
    return WorkerConfig.builder(bootstrap).topics(t).groupId(t.jobs() + "-workers").workerId("bench")
        .anthropicBaseUrl(sim.baseUrl()).credentials(new Credentials(Optional.of(token), Optional.empty()))
        .maxInFlight(maxInFlight).delivery(delivery).jobPartitions(PARTITIONS);
  }

  private Topics fresh() {
    Topics t = Topics.withPrefix("bench" + UUID.randomUUID().toString().substring(0, 8));
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      TopicSetup.ensure(admin, t, new TopicSetup.Spec(PARTITIONS, (short) -1), Duration.ofSeconds(60));
    }
    return t;
  }

  private ObjectNode request(String prompt) {
    ObjectNode r = codec.mapper().createObjectNode().put("model", "claude-bench").put("max_tokens", 64);
    r.putArray("messages").addObject().put("role", "user").put("content", prompt);
    return r;
  }

  /** Writes {@code n} jobs to the jobs topic and waits until the broker has them all. */
  private void preload(Topics t, int n) throws IOException {
    try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap, "linger.ms", 10,
        "compression.type", "lz4"), new ByteArraySerializer(), new ByteArraySerializer())) {
      for (int i = 0; i < n; i++) {
        Job job = Job.of("j-" + i, request("benchmark job " + i));
        p.send(new ProducerRecord<>(t.jobs(), job.id().getBytes(), codec.encodeJob(job)));
      }
      p.flush();
    }
  }

  private static double seconds(long fromNanos, long toNanos) {
    return Math.max(1, toNanos - fromNanos) / 1e9;
  }

  private static long[] sorted(Collection<Long> values) {
    return values.stream().mapToLong(Long::longValue).sorted().toArray();
  }

  private static long percentile(long[] sorted, double p) {
    int rank = (int) Math.ceil(p / 100 * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
  }

  /** Counts {@code read_committed} records on a topic from its start, on a thread of its own. */
  private static final class ResultCounter implements AutoCloseable {
    private final CompletableFuture<Long> lastArrival = new CompletableFuture<>();
    private final Thread thread;
    private volatile boolean running = true;
    private volatile long rampedAt;

    /** @param rampUp the count whose arrival time {@link #rampedAt} reports */
    ResultCounter(String bootstrap, String topic, int expected, int rampUp) {
      thread = new Thread(() -> {
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of("bootstrap.servers", bootstrap,
            "isolation.level", "read_committed"), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
          List<TopicPartition> parts = c.partitionsFor(topic).stream()
              .map(p -> new TopicPartition(topic, p.partition())).toList();
          c.assign(parts);
          c.seekToBeginning(parts);
          int seen = 0;
          while (running && seen < expected) {
            seen += c.poll(Duration.ofMillis(20)).count();
            if (rampedAt == 0 && seen >= rampUp) {
              rampedAt = System.nanoTime();
            }
          }
          lastArrival.complete(System.nanoTime());
        } catch (RuntimeException e) {
          lastArrival.completeExceptionally(e);
        }
      }, "bench-result-counter");
      thread.setDaemon(true);
      thread.start();
    }

    long rampedAt() {
      return rampedAt;
    }

    long awaitAll(Duration timeout) throws Exception {
      return lastArrival.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
      running = false;
    }
  }

}
