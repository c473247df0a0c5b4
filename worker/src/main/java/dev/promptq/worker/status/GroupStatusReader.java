package dev.promptq.worker.status;

import dev.promptq.worker.ops.WorkerActivity;
import dev.promptq.worker.ops.WorkerErrors;
import dev.promptq.worker.spend.SpendTotal;
import dev.promptq.worker.quota.QuotaView;
import dev.promptq.worker.credentials.CredentialRecords;
import dev.promptq.kafka.Topics;
import dev.promptq.worker.control.ControlRecords;
import dev.promptq.worker.routing.RouteNotice;
import dev.promptq.worker.lane.BatchRecord;
import dev.promptq.worker.spend.ApiSpend;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;

/**
 * Reads a {@link GroupStatus} from Kafka: the group's description and committed offsets (Admin),
 * the jobs topic's end offsets (read_committed), and the control topic read to its end (a
 * group-less consumer that the caller owns).
 */
public final class GroupStatusReader {
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private final Admin admin;
  private final Consumer<byte[], byte[]> controlReader;
  private final Topics topics;
  private final Clock clock;
  private final ControlRecords records = new ControlRecords();
  private final com.fasterxml.jackson.databind.ObjectMapper mapper = dev.promptq.job.JobCodec.newMapper();

  public GroupStatusReader(Admin admin, Consumer<byte[], byte[]> controlReader, Topics topics, Clock clock) {
    this.admin = admin;
    this.controlReader = controlReader;
    this.topics = topics;
    this.clock = clock;
  }

  /**
   * @throws IllegalStateException if Kafka does not answer within 30 s
   */
  public GroupStatus read(String group) {
    try {
      ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(group)).describedGroups().get(group)
          .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      List<GroupStatus.Member> members = new ArrayList<>();
      d.members().forEach(m -> members.add(new GroupStatus.Member(m.clientId(), m.host(),
          m.assignment().topicPartitions().stream().filter(tp -> tp.topic().equals(topics.jobs()))
              .map(TopicPartition::partition).sorted().toList())));
      members.sort(Comparator.comparing(GroupStatus.Member::clientId));
      List<GroupStatus.PartitionLag> lag = lag(group);
      RoutesAndSpend control = readControl();
      return new GroupStatus(group, d.groupState().toString(), members, lag, control.routes(), control.spend(), control.credentials(), control.quotas(), control.errors(),
          control.activity(), openBatches(), clock.instant());
    } catch (ExecutionException e) {
      throw new IllegalStateException("cannot read group " + group + ": " + e.getCause().getMessage(), e.getCause());
    } catch (TimeoutException e) {
      throw new IllegalStateException("cannot read group " + group + ": Kafka did not answer within " + TIMEOUT, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /** The batch lane's open batches: the records of its batches topic not yet tombstoned (none without the topic). */
  private List<GroupStatus.OpenBatch> openBatches() throws ExecutionException, InterruptedException,
      TimeoutException {
    if (!admin.listTopics().names().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).contains(topics.laneBatches())) {
      return List.of();
    }
    TopicPartition tp = new TopicPartition(topics.laneBatches(), 0);
    controlReader.assign(List.of(tp));
    controlReader.seekToBeginning(List.of(tp));
    long end = controlReader.endOffsets(List.of(tp), TIMEOUT).get(tp);
    Map<String, GroupStatus.OpenBatch> open = new java.util.LinkedHashMap<>();
    Instant deadline = clock.instant().plus(TIMEOUT);
    while (controlReader.position(tp) < end && clock.instant().isBefore(deadline)) {
      for (ConsumerRecord<byte[], byte[]> r : controlReader.poll(Duration.ofMillis(200))) {
        String id = new String(r.key(), java.nio.charset.StandardCharsets.UTF_8);
        if (r.value() == null) {
          open.remove(id);
          continue;
        }
        // a damaged record: the status skips it
        BatchRecord.decode(mapper, r.value()).ifPresent(b -> open.put(id, new GroupStatus.OpenBatch(id, b.count(),
            b.submittedAt(), b.worker())));
      }
    }
    return List.copyOf(open.values());
  }

  private List<GroupStatus.PartitionLag> lag(String group) throws ExecutionException, InterruptedException,
      TimeoutException {
    Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
        .partitionsToOffsetAndMetadata().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    int count;
    try {
      count = admin.describeTopics(List.of(topics.jobs(), topics.control())).allTopicNames()
          .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).get(topics.jobs()).partitions().size();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof org.apache.kafka.common.errors.UnknownTopicOrPartitionException) {
        throw new IllegalStateException("no topics " + topics.jobs() + " and " + topics.control()
            + ": has a worker of this prefix run yet?", e.getCause());
      }
      throw e;
    }
    Map<TopicPartition, OffsetSpec> request = new HashMap<>();
    for (int p = 0; p < count; p++) {
      request.put(new TopicPartition(topics.jobs(), p), OffsetSpec.latest());
    }
    Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = admin.listOffsets(request,
        new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    List<GroupStatus.PartitionLag> lags = new ArrayList<>();
    for (int p = 0; p < count; p++) {
      TopicPartition tp = new TopicPartition(topics.jobs(), p);
      OffsetAndMetadata c = committed.get(tp);
      long end = ends.get(tp).offset();
      long at = c == null ? -1 : c.offset();
      lags.add(new GroupStatus.PartitionLag(p, at, end, Math.max(0, end - Math.max(at, 0))));
    }
    return lags;
  }

  private record RoutesAndSpend(Map<String, GroupStatus.RouteState> routes, double spend,
      GroupStatus.SharedCredentials credentials, Map<String, GroupStatus.Quota> quotas,
      List<GroupStatus.RecentError> errors, Map<String, WorkerActivity> activity) {}

  /** How many of the group's recent errors status shows. */
  static final int RECENT_ERRORS = 10;

  /** Views older than this come from workers that stopped: they no longer speak for the group. */
  static final Duration QUOTA_VIEW_FRESH = Duration.ofSeconds(15);

  private GroupStatus.Quota quota(List<QuotaView> views) {
    QuotaView latest = views.stream().max(java.util.Comparator.comparing(QuotaView::at))
        .orElseThrow();
    QuotaView reported = views.stream().filter(v -> !Double.isNaN(v.utilization()))
        .max(java.util.Comparator.comparing(QuotaView::at)).orElse(null);
    int used = views.stream().mapToInt(QuotaView::used).sum();
    return new GroupStatus.Quota(latest.budget(), latest.windowMs(),
        views.stream().mapToDouble(QuotaView::perWindow).sum(), used,
        reported != null ? reported.utilization() : (double) used / latest.budget(),
        reported != null ? reported.reset() : null, reported != null ? reported.status() : null, views.size());
  }

  /** Reads the control topic to its end: the latest route notices and today's spend totals. */
  private RoutesAndSpend readControl() {
    TopicPartition tp = new TopicPartition(topics.control(), 0);
    controlReader.assign(List.of(tp));
    controlReader.seekToBeginning(List.of(tp));
    long end = controlReader.endOffsets(List.of(tp), TIMEOUT).get(tp);
    Map<String, GroupStatus.RouteState> routes = new HashMap<>();
    Map<String, Double> spendByWorker = new HashMap<>();
    String today = ApiSpend.dayScope(clock.instant());
    Instant deadline = clock.instant().plus(TIMEOUT);
    GroupStatus.SharedCredentials credentials = null;
    String refresher = null;
    Map<String, QuotaView> quotaViews = new HashMap<>();
    Map<String, WorkerErrors> errorsByWorker = new HashMap<>();
    Map<String, WorkerActivity> activity = new java.util.TreeMap<>();
    while (controlReader.position(tp) < end && clock.instant().isBefore(deadline)) {
      for (ConsumerRecord<byte[], byte[]> r : controlReader.poll(Duration.ofMillis(200))) {
        Optional<Object> decoded;
        try {
          decoded = records.decode(r.key(), r.value());
        } catch (RuntimeException e) {
          continue;  // a damaged record: the status skips it, as workers do
        }
        if (decoded.isPresent() && decoded.get() instanceof RouteNotice n) {
          if (n.until().isAfter(clock.instant())) {
            routes.put(n.route().wireName(), new GroupStatus.RouteState(n.until(), n.reason(), n.reporter()));
          } else {
            routes.remove(n.route().wireName());
          }
        } else if (decoded.isPresent() && decoded.get() instanceof SpendTotal t
            && t.scope().equals(today)) {
          spendByWorker.merge(t.worker(), t.usd(), Math::max);
        } else if (decoded.isPresent() && decoded.get() instanceof CredentialRecords.SealedCredentials c) {
          credentials = new GroupStatus.SharedCredentials("live", c.expiresAt(), c.source(), c.by(), c.at(), null, null);
        } else if (decoded.isPresent() && decoded.get() instanceof CredentialRecords.CredentialsRevoked c) {
          credentials = new GroupStatus.SharedCredentials("revoked", null, "revoked", c.by(), c.at(), c.error(), null);
        } else if (decoded.isPresent() && decoded.get() instanceof CredentialRecords.RefreshClaim c) {
          refresher = c.worker();
        } else if (decoded.isPresent() && decoded.get() instanceof QuotaView q) {
          quotaViews.put(q.route() + "/" + q.worker(), q);
        } else if (decoded.isPresent() && decoded.get() instanceof WorkerErrors w) {
          errorsByWorker.put(w.worker(), w);
        } else if (decoded.isPresent() && decoded.get() instanceof WorkerActivity a) {
          activity.put(a.worker(), a);
        }
      }
    }
    if (credentials != null && refresher != null) {
      credentials = new GroupStatus.SharedCredentials(credentials.state(), credentials.expiresAt(), credentials.source(),
          credentials.by(), credentials.at(), credentials.error(), refresher);
    }
    Instant freshSince = clock.instant().minus(QUOTA_VIEW_FRESH);
    Map<String, List<QuotaView>> byRoute = new HashMap<>();
    quotaViews.values().stream().filter(v -> v.at().isAfter(freshSince))
        .forEach(v -> byRoute.computeIfAbsent(v.route(), r -> new java.util.ArrayList<>()).add(v));
    Map<String, GroupStatus.Quota> quotas = new HashMap<>();
    byRoute.forEach((route, views) -> quotas.put(route, quota(views)));
    List<GroupStatus.RecentError> errors = errorsByWorker.values().stream()
        .flatMap(w -> w.errors().stream().map(e -> new GroupStatus.RecentError(e.at(), w.worker(), e.kind(), e.job(),
            e.detail())))
        .sorted(java.util.Comparator.comparing(GroupStatus.RecentError::at).reversed()).limit(RECENT_ERRORS).toList();
    Instant activeSince = clock.instant().minus(QUOTA_VIEW_FRESH);
    activity.values().removeIf(a -> !a.at().isAfter(activeSince));  // workers gone, or not publishing
    return new RoutesAndSpend(routes, spendByWorker.values().stream().mapToDouble(Double::doubleValue).sum(),
        credentials, quotas, errors, activity);
  }
}
