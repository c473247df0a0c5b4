package dev.promptq.worker;

import dev.promptq.kafka.KafkaClientProperties;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * The properties of a worker's six Kafka clients, in one place: each one's defaults, then the
 * operator's {@code kafka.*} settings over them ({@link KafkaClientProperties}), then what the
 * worker's guarantees need and no setting may change.
 */
final class WorkerClients {
  private final WorkerConfig config;

  WorkerClients(WorkerConfig config) {
    this.config = config;
  }

  /** The admin client's: topic checks and creation, broker probes, reply-topic checks. */
  Map<String, Object> admin() {
    return with(Map.of());
  }

  /** The {@code transactional.id}: stable per worker id, so a restarted worker fences its former self. */
  String transactionalId() {
    return "promptq-" + config.groupId() + "-" + config.workerId();
  }

  /** The refresher's: one fixed id per group fences former refreshers. */
  String refresherTransactionalId() {
    return "promptq-" + config.groupId() + "-credentials-refresher";
  }

  /** The producer of results and dead letters: transactional in exactly-once delivery. */
  Map<String, Object> resultsProducer(boolean transactional) {
    Map<String, Object> d = KafkaClientProperties.reliableProducer("promptq-worker-" + config.workerId());
    d.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    d.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    // A result for a topic deleted after its check waits this long for metadata before it is
    // replaced (reply_topic_unwritable); it also bounds a commit while the broker is away.
    d.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 20_000);
    // A record for a topic deleted since it was written to is retried until this timeout: keep
    // the stall it causes short (Kafka's default is 2 minutes). At least linger + request timeout.
    d.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 35_000);
    if (transactional) {
      d.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId());
      // A new transaction often meets the markers of the last one (CONCURRENT_TRANSACTIONS);
      // Kafka's default backoff (100 ms doubling to 1 s) would add that to a result's latency.
      d.put(ProducerConfig.RETRY_BACKOFF_MS_CONFIG, 10);
      d.put(ProducerConfig.RETRY_BACKOFF_MAX_MS_CONFIG, 200);
      // A worker killed mid-transaction leaves it open until this timeout; until then the next
      // owner of its partitions cannot read their committed offsets (default 60 s).
      d.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 15_000);
    }
    return with(d);
  }

  /** The consumer of jobs: the worker group's member. */
  Map<String, Object> jobsConsumer() {
    // read_committed fetches are not woken when a transaction commits: cap the wait for jobs
    // written by transactional producers.
    Map<String, Object> d = KafkaClientProperties.committedReader("promptq-worker-" + config.workerId(), 100);
    d.put(ConsumerConfig.GROUP_ID_CONFIG, config.groupId());
    d.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    d.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, maxPollRecords(config.maxInFlight()));
    d.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
    return with(d);
  }

  /**
   * Records per poll: small next to max-in-flight, because a poll may overshoot the limit by one
   * poll's records (a crash repeats at most max-in-flight plus this many calls).
   */
  static int maxPollRecords(int maxInFlight) {
    return Math.max(1, Math.min(500, maxInFlight / 8));
  }

  /** The control topic's writer. */
  Map<String, Object> controlProducer() {
    return with(KafkaClientProperties.reliableProducer("promptq-control-" + config.workerId()));
  }

  /** A group-less reader of the control topic: every worker reads all of it. */
  Map<String, Object> controlConsumer() {
    return groupless("promptq-control-" + config.workerId(), 50);
  }

  /** The refresher's transactional producer. */
  Map<String, Object> refresherProducer() {
    Map<String, Object> d = KafkaClientProperties.reliableProducer("promptq-refresher-" + config.workerId());
    d.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, refresherTransactionalId());
    d.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 15_000);
    return with(d);
  }

  /** A consumer in the group that elects the refresher: whoever is assigned the control partition. */
  Map<String, Object> electionConsumer() {
    Map<String, Object> d = new HashMap<>();
    d.put(ConsumerConfig.CLIENT_ID_CONFIG, "promptq-election-" + config.workerId());
    d.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    // Sticky and cooperative: members joining or coming back do not move the role, and it moves
    // only after its holder gave it up (revoked) or was removed from the group.
    d.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
    Map<String, Object> p = with(d);
    p.put(ConsumerConfig.GROUP_ID_CONFIG, config.groupId() + ".credentials-refresher");
    long session = config.credentialSettings().electionSessionTimeout().toMillis();
    p.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, (int) session);
    p.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, (int) Math.max(100, session / 3));
    return p;
  }

  /** The batch lane's member: whoever the lane group assigns the lane topic's one partition owns the lane. */
  Map<String, Object> laneConsumer() {
    Map<String, Object> d = KafkaClientProperties.committedReader("promptq-lane-" + config.workerId(), 100);
    d.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    d.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
    Map<String, Object> p = with(d);
    p.put(ConsumerConfig.GROUP_ID_CONFIG, config.groupId() + ".batch-lane");
    return p;
  }

  /** The lane owner's group-less reader of its batches and of a batch's lane records. */
  Map<String, Object> laneReader() {
    return groupless("promptq-lane-reader-" + config.workerId(), 100);
  }

  /** A committed reader in no group, whatever {@code kafka.group.id} says: it assigns its partitions itself. */
  private Map<String, Object> groupless(String clientId, int fetchMaxWaitMs) {
    Map<String, Object> p = with(KafkaClientProperties.committedReader(clientId, fetchMaxWaitMs));
    p.remove(ConsumerConfig.GROUP_ID_CONFIG);
    return p;
  }

  /** The lane owner's transactional producer: one id for the group, so a new owner fences the former. */
  Map<String, Object> laneProducer() {
    Map<String, Object> d = KafkaClientProperties.reliableProducer("promptq-lane-" + config.workerId());
    d.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "promptq-" + config.groupId() + "-batch-lane");
    d.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 60_000);
    d.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    return with(d);
  }

  private Map<String, Object> with(Map<String, Object> defaults) {
    return KafkaClientProperties.of(config.bootstrapServers(), config.kafkaProperties(), defaults);
  }
}
