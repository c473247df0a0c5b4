package dev.promptq.worker.lane;

import com.fasterxml.jackson.databind.JsonNode;
import dev.promptq.job.JobCodec;
import dev.promptq.kafka.Topics;
import dev.promptq.worker.spend.ApiSpend;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The batch lane: gathers the jobs waiting in the lane topic into Message Batches, submits them
 * with the API key, watches them, and publishes each job's result when its batch ends.
 *
 * <p>Every worker with an API key runs one; the one the lane's consumer group assigns the lane
 * topic's single partition is the owner, and only it works. Each step that moves a job is one
 * Kafka transaction, under one {@code transactional.id} for the whole group, so a new owner fences
 * the former one:
 * <ol>
 *   <li>submitted: the batch's record (its id and the lane offsets it holds) with the lane
 *       offsets past it, so a job is always in the lane topic or in a recorded batch;
 *   <li>published: every result and usage record of the batch with the tombstone of its record,
 *       so each result is published once for a {@code read_committed} reader.
 * </ol>
 * A crash between a batch's creation and its record makes the next owner submit those jobs again
 * (the only way a request is submitted twice; the results are still published once); a crash
 * while publishing aborts the transaction and the next owner publishes the batch whole.
 *
 * <p>Owns its thread ({@code promptq-lane-<worker>}) and its Kafka clients; {@link #close()} stops them.
 */
public final class BatchLane implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(BatchLane.class);
  private static final Duration POLL = Duration.ofMillis(100);

  /** A lane record gathered for the next batch. */
  private record Gathered(long offset, LaneEntry entry, int bytes) {}

  /** An open batch and when to look at it next. */
  private static final class Open {
    final BatchRecord record;
    Instant due;

    Open(BatchRecord record, Instant due) {
      this.record = record;
      this.due = due;
    }
  }

  private final Consumer<byte[], byte[]> lane;
  private final LaneReader reader;
  private final LaneTransactions transactions;
  private final MessageBatches api;
  private final LaneSettings settings;
  private final Topics topics;
  private final JobCodec codec;
  private final String workerId;
  private final Clock clock;
  private final TopicPartition partition;
  private final List<Gathered> gathered = new ArrayList<>();
  private final Map<String, Open> open = new LinkedHashMap<>();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Thread thread;
  private volatile boolean owner;
  private boolean ownerChanged;
  private long gatheredBytes;
  private Instant submitNotBefore = Instant.MIN;
  /** After the API refused a batch: at most this many requests next, to find the request it refused. */
  private int submitLimit = Integer.MAX_VALUE;

  BatchLane(Consumer<byte[], byte[]> lane, LaneReader reader, LaneTransactions transactions, MessageBatches api,
      LaneSettings settings, Topics topics, JobCodec codec, String workerId, Clock clock) {
    this.lane = lane;
    this.reader = reader;
    this.transactions = transactions;
    this.api = api;
    this.settings = settings;
    this.topics = topics;
    this.codec = codec;
    this.workerId = workerId;
    this.clock = clock;
    this.partition = new TopicPartition(topics.lane(), 0);
    this.thread = new Thread(this::run, "promptq-lane-" + workerId);
  }

  /** A lane for a worker with an API key, not started: its lane member, group-less reader and producers' properties. */
  public static BatchLane create(Map<String, Object> laneConsumer, Map<String, Object> readerConsumer,
      Supplier<Producer<byte[], byte[]>> producers, String baseUrl, dev.promptq.config.Secret apiKey,
      Duration callTimeout, LaneSettings settings, Topics topics, JobCodec codec, dev.promptq.usage.PriceTable prices,
      ApiSpend spend, String workerId, Clock clock) {
    var bytes = new org.apache.kafka.common.serialization.ByteArrayDeserializer();
    return new BatchLane(new org.apache.kafka.clients.consumer.KafkaConsumer<>(laneConsumer, bytes, bytes),
        new LaneReader(new org.apache.kafka.clients.consumer.KafkaConsumer<>(readerConsumer, bytes, bytes), topics,
            codec),
        new LaneTransactions(producers, new LaneResults(codec, prices, topics.usage(), topics.jobs(), workerId), spend, topics),
        new MessageBatches(baseUrl, apiKey, codec.mapper(), callTimeout, clock), settings, topics, codec, workerId,
        clock);
  }

  public BatchLane start() {
    subscribe();
    thread.start();
    return this;
  }

  private void subscribe() {
    lane.subscribe(List.of(topics.lane()), new ConsumerRebalanceListener() {
      @Override
      public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
        if (partitions.contains(partition)) {
          owner = false;
          ownerChanged = true;
        }
      }

      @Override
      public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
        if (partitions.contains(partition)) {
          owner = true;
          ownerChanged = true;
        }
      }
    });
  }

  private void run() {
    while (!closed.get()) {
      try {
        List<ConsumerRecord<byte[], byte[]>> polled = new ArrayList<>();
        lane.poll(POLL).forEach(polled::add);
        if (ownerChanged) {
          ownerChanged = false;
          becomeOwnerOrNot();
        }
        if (!owner) {
          continue;
        }
        polled.forEach(this::gather);
        if (shouldSubmit()) {
          submit();
        }
        watch();
      } catch (WakeupException e) {
        // closing
      } catch (ProducerFencedException e) {
        log.info("batch lane: another worker owns the lane now ({})", e.getMessage());
        dropOwnership();
      } catch (KafkaException | MessageBatches.Failed e) {
        log.warn("batch lane: {}; trying again", e.toString());
        transactions.close();
        pauseAfterFailure();
      } catch (RuntimeException bug) {
        log.error("batch lane: internal error; trying again", bug);
        transactions.close();
        pauseAfterFailure();
      }
    }
    transactions.close();
  }

  /** Starts as the owner (fencing the former one, reading the open batches) or stops being it. */
  private void becomeOwnerOrNot() {
    gathered.clear();
    gatheredBytes = 0;
    synchronized (this) {
      open.clear();
    }
    if (!owner) {
      transactions.close();
      return;
    }
    transactions.fence();  // the former owner's open transaction is aborted
    Map<String, BatchRecord> recorded = reader.openBatches();
    synchronized (this) {
      Instant now = clock.instant();
      recorded.values().forEach(r -> open.put(r.id(), new Open(r, now)));
    }
    log.info("worker {} owns the batch lane: {} open batches", workerId, recorded.size());
  }

  private void gather(ConsumerRecord<byte[], byte[]> r) {
    var entry = LaneEntry.decode(codec, r.value());
    if (entry.isEmpty()) {
      log.warn("batch lane: the record at offset {} is not a lane entry; skipped", r.offset());
      return;
    }
    int bytes = r.value().length;
    gathered.add(new Gathered(r.offset(), entry.get(), bytes));
    gatheredBytes += bytes;
  }

  private boolean shouldSubmit() {
    if (gathered.isEmpty() || clock.instant().isBefore(submitNotBefore)) {
      return false;
    }
    Instant first = gathered.get(0).entry().enqueuedAt();
    return gathered.size() >= settings.maxRequests() || gatheredBytes >= settings.maxBytes()
        || !clock.instant().isBefore(first.plus(settings.gather()));
  }

  /** Submits what was gathered (at most a batch's worth) and records it with the lane offsets past it. */
  private void submit() throws MessageBatches.Failed {
    List<Gathered> batch = new ArrayList<>();
    long bytes = 0;
    for (Gathered g : gathered) {
      if (!batch.isEmpty() && (batch.size() >= Math.min(settings.maxRequests(), submitLimit)
          || bytes + g.bytes() > settings.maxBytes())) {
        break;
      }
      batch.add(g);
      bytes += g.bytes();
    }
    List<MessageBatches.Entry> entries = batch.stream()
        .map(g -> new MessageBatches.Entry(BatchRecord.customId(g.offset()), g.entry().job().request())).toList();
    long from = batch.get(0).offset();
    long to = batch.get(batch.size() - 1).offset();
    JsonNode created;
    try {
      created = api.create(entries);
    } catch (MessageBatches.Failed f) {
      if (f.status != 400 && f.status != 413) {
        throw f;  // the API or the way to it failed: the jobs wait and go again
      }
      if (batch.size() > 1) {
        submitLimit = batch.size() / 2;  // one bad request refuses its batch: halve until it stands alone
        return;
      }
      // the API refuses the request itself: the job ends errored, not retried forever
      submitLimit = Integer.MAX_VALUE;
      transactions.refused(batch.stream().map(Gathered::entry).toList(), to, f.status, f.getMessage(),
          clock.instant(), lane.groupMetadata());
      gathered.subList(0, batch.size()).clear();
      gatheredBytes -= bytes;
      log.warn("batch lane: the API refused job {} ({}); it ends errored", batch.get(0).entry().job().id(),
          f.getMessage());
      return;
    }
    BatchRecord record = new BatchRecord(created.path("id").asText(), from, to, batch.size(), clock.instant(), workerId);
    transactions.submitted(record, lane.groupMetadata());
    submitLimit = Integer.MAX_VALUE;
    gathered.subList(0, batch.size()).clear();
    gatheredBytes -= bytes;
    synchronized (this) {
      open.put(record.id(), new Open(record, clock.instant().plus(settings.poll())));
    }
    log.info("batch lane: submitted {} with {} jobs (lane offsets {}-{})", record.id(), batch.size(), from, to);
  }

  /** Looks at each open batch that is due; publishes those that ended. */
  private void watch() throws MessageBatches.Failed {
    List<Open> due;
    Instant now = clock.instant();
    synchronized (this) {
      due = open.values().stream().filter(o -> !now.isBefore(o.due)).toList();
    }
    for (Open o : due) {
      JsonNode batch;
      try {
        batch = api.retrieve(o.record.id());
      } catch (MessageBatches.Failed f) {
        Duration wait = f.retryAfter != null && f.retryAfter.compareTo(settings.poll()) > 0 ? f.retryAfter
            : settings.poll();
        o.due = clock.instant().plus(wait);
        log.warn("batch lane: looking at {} failed ({}); again in {}", o.record.id(), f.getMessage(), wait);
        continue;
      }
      o.due = clock.instant().plus(settings.poll());
      if (batch.path("processing_status").asText().equals("ended")) {
        try {
          publish(o.record);
        } catch (ProducerFencedException fenced) {
          throw fenced;
        } catch (MessageBatches.Failed | KafkaException e) {
          // this batch waits a poll interval (a reply topic gone, results unreadable); the others go on
          log.warn("batch lane: publishing {} failed ({}); again in {}", o.record.id(), e.toString(), settings.poll());
          transactions.close();
        }
      }
    }
  }

  /** Publishes every result of ended batch {@code b}, and its record's tombstone, in one transaction. */
  private void publish(BatchRecord b) throws MessageBatches.Failed {
    Map<Long, LaneEntry> entries = reader.range(b.from(), b.to());
    Map<Long, JsonNode> answers = new HashMap<>();
    api.results(b.id(), (customId, result) -> answers.put(BatchRecord.offset(customId), result));
    transactions.published(b, entries, answers, clock.instant());
    synchronized (this) {
      open.remove(b.id());
    }
    log.info("batch lane: published the {} results of {}", entries.size(), b.id());
  }

  /** Fenced: another owner took over; the lane's consumer follows at the next rebalance. */
  private void dropOwnership() {
    transactions.close();
    gathered.clear();
    gatheredBytes = 0;
    synchronized (this) {
      open.clear();
    }
    // read from the committed offset again when the lane comes back to this worker
    lane.unsubscribe();
    owner = false;
    subscribe();
  }

  /** After a failure, the jobs gathered so far wait a poll interval; their offsets are not committed. */
  private void pauseAfterFailure() {
    submitNotBefore = clock.instant().plus(settings.poll());
    if (!gathered.isEmpty() && owner) {
      lane.seek(partition, gathered.get(0).offset());
      gathered.clear();
      gatheredBytes = 0;
    }
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      lane.wakeup();
      try {
        thread.join(10_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      lane.close(Duration.ofSeconds(5));
      reader.close();
      api.close();
    }
  }
}
