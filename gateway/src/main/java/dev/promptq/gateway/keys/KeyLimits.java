package dev.promptq.gateway.keys;

import dev.promptq.gateway.batches.BatchLedger;
import dev.promptq.job.JobResult;
import dev.promptq.job.RoutePolicy;
import dev.promptq.kafka.KafkaClientProperties;
import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.github.resilience4j.ratelimiter.internal.AtomicRateLimiter;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a key may do, checked before its request becomes a job, and what it did, counted when the
 * result comes: its route policies and models, its requests per minute (on this instance), and
 * its API spend per UTC day (across every instance: each publishes its running totals to the
 * control topic once a second, {@code promptq-gateway-usage-<instance>}).
 *
 * <p>A key's Message Batches count too. Their results are read by every instance alike, so each
 * instance publishes the same totals under the one instance name {@value #BATCHES}, and only a
 * total larger than the last one it read there: an instance that is behind never writes over a
 * larger figure for long, and the topic's latest record converges to the largest.
 */
public final class KeyLimits implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(KeyLimits.class);

  /** Why a request is refused: an HTTP status, the API's error type, and when to come back (seconds, or 0). */
  public record Refusal(int status, String type, String message, long retryAfterSeconds) {}

  private final KeyBook book;
  private final String instance;
  private final String controlTopic;
  private final Clock clock;
  private final KafkaProducer<byte[], byte[]> producer;
  private final Map<String, RateLimiter> perMinute = new ConcurrentHashMap<>();
  private final Set<String> dirty = ConcurrentHashMap.newKeySet();
  private final ScheduledExecutorService flusher;
  private final Supplier<List<BatchLedger.KeySpend>> batchSpend;

  /** The instance name of the batches' usage records; no gateway instance may take it. */
  public static final String BATCHES = "all-batches";

  public KeyLimits(KeyBook book, String instance, String bootstrapServers, Map<String, Object> kafkaProperties,
      String controlTopic, Supplier<List<BatchLedger.KeySpend>> batchSpend, Clock clock) {
    this.book = book;
    this.batchSpend = batchSpend;
    this.instance = instance;
    this.controlTopic = controlTopic;
    this.clock = clock;
    this.producer = new KafkaProducer<>(KafkaClientProperties.of(bootstrapServers, kafkaProperties,
        KafkaClientProperties.reliableProducer("promptq-gateway-" + instance)), new ByteArraySerializer(),
        new ByteArraySerializer());
    this.flusher = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "promptq-gateway-usage-" + instance);
      t.setDaemon(true);
      return t;
    });
    flusher.scheduleWithFixedDelay(this::flush, 1, 1, TimeUnit.SECONDS);
  }

  /** Why {@code key} may not send a job of {@code policy} to {@code model} now, or empty when it may. */
  public Optional<Refusal> check(PromptqKey key, RoutePolicy policy, String model) {
    if (!key.policies().contains(policy)) {
      return Optional.of(new Refusal(403, "permission_error", "promptq key " + key.name() + " may not use route policy "
          + policy.wireName() + " (it may use " + key.policies().stream().map(RoutePolicy::wireName).toList() + ")", 0));
    }
    if (!key.allowsModel(model)) {
      return Optional.of(new Refusal(403, "permission_error", "promptq key " + key.name() + " may not call model "
          + model + " (it may call " + key.models() + ")", 0));
    }
    Instant now = clock.instant();
    if (key.usdPerDay() != null && policy != RoutePolicy.SUBSCRIPTION_ONLY
        && book.use(key.id(), today(now)).usd() >= key.usdPerDay()) {
      long untilMidnight = Duration.between(now, today(now).plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant())
          .toSeconds() + 1;
      return Optional.of(new Refusal(429, "rate_limit_error", "promptq key " + key.name() + " has spent its "
          + String.format("$%.2f", key.usdPerDay()) + " of API use for today (UTC)", untilMidnight));
    }
    if (key.requestsPerMinute() > 0) {
      RateLimiter limiter = perMinute.computeIfAbsent(key.id() + "/" + key.requestsPerMinute(), id ->
          RateLimiter.of(id, RateLimiterConfig.custom().limitForPeriod(key.requestsPerMinute())
              .limitRefreshPeriod(Duration.ofMinutes(1)).timeoutDuration(Duration.ZERO).build()));
      if (!limiter.acquirePermission()) {
        long nanos = limiter instanceof AtomicRateLimiter a ? a.getDetailedMetrics().getNanosToWait() : 60_000_000_000L;
        return Optional.of(new Refusal(429, "rate_limit_error", "promptq key " + key.name() + " is limited to "
            + key.requestsPerMinute() + " requests per minute", Math.max(1, (nanos + 999_999_999L) / 1_000_000_000L)));
      }
    }
    return Optional.empty();
  }

  /** Counts a request of {@code key} that was answered, with what its API calls cost. */
  public void record(PromptqKey key, Optional<JobResult> result) {
    LocalDate day = today(clock.instant());
    double usd = result.map(JobResult::apiCostUsd).orElse(0.0);
    synchronized (this) {
      book.record(book.own(key.id(), day, instance).plus(1, usd));
    }
    dirty.add(key.id() + "/" + day);
  }

  private void flush() {
    flushBatches();
    for (String d : Set.copyOf(dirty)) {
      dirty.remove(d);
      String[] parts = d.split("/");
      KeyUsage u = book.own(parts[0], LocalDate.parse(parts[1]), instance);
      producer.send(new ProducerRecord<>(controlTopic, KeyRecords.keyOf(u).getBytes(StandardCharsets.UTF_8),
          KeyRecords.encode(u)), (md, e) -> {
            if (e != null) {
              log.warn("cannot publish key usage {}: {}; trying again in 1 s", KeyRecords.keyOf(u), e.toString());
              dirty.add(d);
            }
          });
    }
  }

  private void flushBatches() {
    for (BatchLedger.KeySpend s : batchSpend.get()) {
      KeyUsage u = new KeyUsage(s.keyId(), s.day(), BATCHES, s.requests(), s.usd());
      String key = KeyRecords.keyOf(u);
      KeyUsage read = book.lastRead(key);
      if (read != null && read.requests() >= u.requests()) {
        continue;  // the topic has it, or more (this instance is behind)
      }
      book.record(u);
      producer.send(new ProducerRecord<>(controlTopic, key.getBytes(StandardCharsets.UTF_8), KeyRecords.encode(u)),
          (md, e) -> {
            if (e != null) {
              log.warn("cannot publish batch usage {}: {}; trying again in 1 s", key, e.toString());
            }
          });
    }
  }

  private static LocalDate today(Instant now) {
    return LocalDate.ofInstant(now, ZoneOffset.UTC);
  }

  @Override
  public void close() {
    flusher.shutdown();
    try {
      flusher.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    flush();
    producer.close(Duration.ofSeconds(5));
  }
}
