package dev.promptq.worker.control;

import dev.promptq.job.BatchCanceled;
import dev.promptq.worker.ops.WorkerActivity;
import dev.promptq.worker.ops.WorkerErrors;
import dev.promptq.worker.spend.SpendTotal;
import dev.promptq.worker.quota.SubscriptionCredit;
import dev.promptq.worker.quota.WindowUsage;
import dev.promptq.worker.quota.WorkerDemand;
import dev.promptq.worker.quota.QuotaView;
import dev.promptq.kafka.ConsumerThread;
import dev.promptq.worker.credentials.CredentialRecords;
import dev.promptq.worker.credentials.GroupCredentials;
import dev.promptq.worker.credentials.Refresher;
import dev.promptq.worker.ops.RecentErrors;
import dev.promptq.worker.quota.QuotaGovernor;
import dev.promptq.worker.routing.RouteGates;
import dev.promptq.worker.routing.RouteNotice;
import dev.promptq.worker.spend.ApiSpend;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's side of the group's compacted control topic: publishes what this worker learns
 * (route notices, its API spend today, 401 reports, imported credentials) and applies what any
 * member published, this one included, to the {@link RouteGates}, the {@link ApiSpend} and the
 * {@link GroupCredentials}.
 *
 * <p>The records are those of {@link ControlRecords}; unknown keys are skipped.
 *
 * <p>{@link #start} reads the topic to its end before returning, so a new worker knows the group's
 * state before its first call. Owns the thread {@code promptq-control-<worker>}, its consumer and
 * its producer; {@link #close()} stops them.
 */
public final class ControlChannel implements RouteNotice.Publisher, ApiSpend.Publisher, GroupCredentials.Publisher,
    Refresher.Control, QuotaGovernor.Publisher, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ControlChannel.class);

  private final String topic;
  private final Consumer<byte[], byte[]> consumer;
  private final ControlWriter writer;
  private final RouteGates gates;
  private final ApiSpend spend;
  private volatile java.util.function.Consumer<WindowUsage> windowUsage = u -> { };
  private volatile java.util.function.Consumer<WorkerDemand> demand = d -> { };
  private volatile java.util.function.Consumer<BatchCanceled> batchCancels = c -> { };
  private volatile java.util.function.Consumer<SpendTotal> credit = t -> { };
  private final GroupCredentials credentials;
  private final ControlRecords records = new ControlRecords();
  private final ConsumerThread thread;
  private final CountDownLatch caughtUp = new CountDownLatch(1);
  private volatile boolean reading;
  // reader thread only
  private long end = -1;
  private long waitingFor = -1;
  private final List<CompletableFuture<Void>> waiting = new ArrayList<>();
  private static final long MIN_BACKOFF_MS = 100;
  private static final long MAX_BACKOFF_MS = 30_000;
  private static final long ERROR_LOG_INTERVAL_NANOS = 60_000_000_000L;
  private final java.util.Queue<CompletableFuture<Void>> catchUpRequests = new ConcurrentLinkedQueue<>();
  private volatile java.util.function.Supplier<WorkerActivity> activity;
  private long activityPublishedAt = System.nanoTime() - ACTIVITY_INTERVAL_NANOS;  // reader thread only
  private static final long ACTIVITY_INTERVAL_NANOS = 5_000_000_000L;
  private volatile RecentErrors errors;
  private volatile String errorsWorker;
  private long errorsPublished = -1;  // reader thread only
  private long errorsPublishedAt = System.nanoTime() - ERRORS_INTERVAL_NANOS;  // reader thread only
  private static final long ERRORS_INTERVAL_NANOS = 500_000_000L;

  public ControlChannel(String topic, Consumer<byte[], byte[]> consumer, Producer<byte[], byte[]> producer,
      RouteGates gates, ApiSpend spend, GroupCredentials credentials, String workerId) {
    this.topic = topic;
    this.consumer = consumer;
    this.writer = new ControlWriter(producer, topic);
    this.gates = gates;
    this.spend = spend;
    this.credentials = credentials;
    this.thread = new ConsumerThread("promptq-control-" + workerId, consumer, this::readLoop);
  }

  /**
   * Starts reading and returns once everything published before now has been applied.
   *
   * @throws IllegalStateException if the topic cannot be read to its end within {@code timeout}
   */
  public void start(Duration timeout) {
    thread.start();
    try {
      if (!caughtUp.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new IllegalStateException("could not read the control topic " + topic + " within " + timeout);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while reading the control topic", e);
    }
  }

  @Override
  public void publish(RouteNotice n) {
    send(records.encode(n));
  }

  @Override
  public void publish(String scope, String workerId, double usd) {
    send(records.encode(new SpendTotal(scope, workerId, usd)));
  }

  @Override
  public void publish(QuotaView view) {
    send(records.encode(view));
  }

  /** Publishes this worker's use of a subscription window (fire and forget). */
  public void publish(WindowUsage usage) {
    send(records.encode(usage));
  }

  /** Publishes this worker's demand for the subscription (fire and forget). */
  public void publish(WorkerDemand d) {
    send(records.encode(d));
  }

  /** Where the workers' running totals of the subscription's credit go as they are read. */
  public void applyCredit(java.util.function.Consumer<SpendTotal> apply) {
    this.credit = apply;
  }

  /** Where other workers' demand for the subscription goes as it is read. */
  public void applyDemand(java.util.function.Consumer<WorkerDemand> apply) {
    this.demand = apply;
  }

  /** Where the batches canceled through the gateway go ({@link BatchCanceled}). */
  public void applyBatchCancels(java.util.function.Consumer<BatchCanceled> apply) {
    this.batchCancels = apply;
  }

  /** Where other workers' use of the subscription's windows goes as it is read. */
  public void applyWindowUsage(java.util.function.Consumer<WindowUsage> apply) {
    this.windowUsage = apply;
  }

  @Override
  public void publish(CredentialRecords.RefreshRequest request) {
    send(records.encode(request));
  }

  @Override
  public long publishAndWait(CredentialRecords.SealedCredentials sealed) {
    return writer.sendAndWait(records.encode(sealed), Duration.ofSeconds(30));
  }

  /** Publishes {@code errors} (for {@code ./promptq status}) from the reader thread whenever they change, at most twice a second. */
  public void reportErrors(RecentErrors recent, String workerId) {
    this.errorsWorker = workerId;
    this.errors = recent;
  }

  /** Publishes what this worker does (for {@code ./promptq status}) from the reader thread every 5 s. */
  public void reportActivity(java.util.function.Supplier<WorkerActivity> source) {
    this.activity = source;
  }

  private void publishActivityIfDue() {
    java.util.function.Supplier<WorkerActivity> a = activity;
    long now = System.nanoTime();
    if (a == null || now - activityPublishedAt < ACTIVITY_INTERVAL_NANOS) {
      return;
    }
    activityPublishedAt = now;
    send(records.encode(a.get()));
  }

  private void publishErrorsIfChanged() {
    RecentErrors e = errors;
    long now = System.nanoTime();
    if (e == null || e.version() == errorsPublished || now - errorsPublishedAt < ERRORS_INTERVAL_NANOS) {
      return;
    }
    errorsPublished = e.version();
    errorsPublishedAt = now;
    send(records.encode(new WorkerErrors(errorsWorker, e.entries())));
  }

  @Override
  public void awaitCaughtUp(Duration timeout) {
    CompletableFuture<Void> f = new CompletableFuture<>();
    catchUpRequests.add(f);
    consumer.wakeup();
    try {
      f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      log.warn("control topic not read to its end within {}", timeout);
    }
  }

  private void send(ControlRecords.Encoded record) {
    writer.send(record);
  }

  /**
   * Reads the topic until {@link #close()}. Any failure (a time-out reading end offsets, a broker
   * away, a bug applying a record) is logged and the reader starts again from where it was, after a
   * backoff; {@link #reading()} says whether it runs now.
   */
  private void readLoop() {
    TopicPartition tp = new TopicPartition(topic, 0);
    long backoffMs = MIN_BACKOFF_MS;
    boolean assigned = false;
    long lastErrorLog = 0;
    int failures = 0;
    try {
      while (thread.running()) {
        try {
          if (!assigned) {
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            assigned = true;
          }
          read(tp);
        } catch (WakeupException e) {
          // closing, or a catch-up request: the loop decides
        } catch (RuntimeException e) {
          reading = false;
          failures++;
          long now = System.nanoTime();
          if (now - lastErrorLog > ERROR_LOG_INTERVAL_NANOS) {
            lastErrorLog = now;
            log.error("control topic reader failed ({} so far): {}; reading again in {} ms", failures, e.toString(),
                backoffMs);
          }
          if (thread.stoppedWithin(backoffMs)) {
            break;
          }
          backoffMs = Math.min(MAX_BACKOFF_MS, backoffMs * 2);
          continue;
        }
        backoffMs = MIN_BACKOFF_MS;
      }
    } finally {
      reading = false;
    }
  }

  /** Reads and applies records until closed; throws what Kafka throws. */
  private void read(TopicPartition tp) {
    if (end < 0) {
      end = consumer.endOffsets(List.of(tp), Duration.ofSeconds(30)).get(tp);
    }
    reading = true;
    while (thread.running()) {
      for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
        apply(r);
      }
      long position = consumer.position(tp);
      if (caughtUp.getCount() > 0 && position >= end) {
        caughtUp.countDown();
      }
      if (!catchUpRequests.isEmpty()) {
        // read_committed: the end offset is the last stable offset, what this reader can reach
        waitingFor = consumer.endOffsets(List.of(tp), Duration.ofSeconds(10)).get(tp);
        for (CompletableFuture<Void> f; (f = catchUpRequests.poll()) != null; ) {
          waiting.add(f);
        }
      }
      if (!waiting.isEmpty() && position >= waitingFor) {
        waiting.forEach(f -> f.complete(null));
        waiting.clear();
      }
      publishErrorsIfChanged();
      publishActivityIfDue();
    }
  }

  /** True while the reader runs (false between a failure and its next attempt, and after close). */
  public boolean reading() {
    return reading;
  }

  private void apply(ConsumerRecord<byte[], byte[]> r) {
    Optional<Object> decoded;
    try {
      decoded = records.decode(r.key(), r.value());
    } catch (RuntimeException e) {
      log.warn("skipping control record at offset {}: {}", r.offset(), e.toString());
      return;
    }
    if (decoded.isEmpty()) {
      return;
    }
    if (decoded.get() instanceof RouteNotice n) {
      if (gates.apply(n)) {
        log.warn("{} route held off until {} ({}, learned by worker {})", n.route().wireName(), n.until(),
            n.reason(), n.reporter());
      }
    } else if (decoded.get() instanceof QuotaView || decoded.get() instanceof WorkerErrors
        || decoded.get() instanceof WorkerActivity) {
      // for ./promptq status; workers keep their own
    } else if (decoded.get() instanceof SpendTotal t && t.scope().startsWith(SubscriptionCredit.SCOPE_PREFIX)) {
      credit.accept(t);
    } else if (decoded.get() instanceof SpendTotal t) {
      spend.applyRemote(t.scope(), t.worker(), t.usd());
    } else if (decoded.get() instanceof WindowUsage u) {
      windowUsage.accept(u);
    } else if (decoded.get() instanceof WorkerDemand d) {
      demand.accept(d);
    } else if (decoded.get() instanceof BatchCanceled c) {
      batchCancels.accept(c);
    } else {
      credentials.apply(decoded.get(), r.offset());
    }
  }

  /** Stops the reader and flushes and closes the producer. */
  @Override
  public void close() {
    if (!thread.running()) {
      return;
    }
    thread.close();
    writer.close(Duration.ofSeconds(5));
  }

}
