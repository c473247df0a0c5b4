package dev.promptq.gateway.batches;

import dev.promptq.job.Outcome;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every Message Batch of the gateway and its progress, as the batches topic and the batch
 * results topic say: any instance answers for any batch. Progress is counted from the results'
 * {@code promptq_outcome} headers, each request once (by its index). Thread-safe.
 */
public final class BatchLedger {
  /** A batch as the API shows it at one instant. */
  public record View(GatewayBatch batch, String status, int processing, int succeeded, int errored, int canceled,
      int expired, Instant endedAt) {
    public boolean ended() {
      return status.equals("ended");
    }
  }

  private static final int S = Outcome.SUCCEEDED.ordinal();
  private static final int E = Outcome.ERRORED.ordinal();
  private static final int C = Outcome.CANCELED.ordinal();
  private static final int X = Outcome.EXPIRED.ordinal();

  /** What one key's batches did on one UTC day: results counted and their API spend. */
  public record KeySpend(String keyId, LocalDate day, long requests, double usd) {}

  private static final class Progress {
    final BitSet seen = new BitSet();
    /** By the UTC day of the result: {requests, usd}. */
    final Map<LocalDate, double[]> byDay = new HashMap<>();
    final int[] counts = new int[Outcome.values().length];
    Instant lastAt;
    long firstOffset = Long.MAX_VALUE;
  }

  private final Map<String, GatewayBatch> batches = new ConcurrentHashMap<>();
  private final Map<String, Progress> progress = new ConcurrentHashMap<>();

  void put(GatewayBatch b) {
    batches.put(b.id(), b);
  }

  void remove(String id) {
    batches.remove(id);
    progress.remove(id);
  }

  /** Counts one result record of the batch results topic, which cost {@code usd} of API use. */
  void result(String jobId, Outcome outcome, long offset, Instant at, double usd) {
    String id = GatewayBatch.batchOf(jobId);
    if (id == null || outcome == null) {
      return;
    }
    int index = GatewayBatch.indexOf(jobId, id);
    GatewayBatch b = batches.get(id);
    if (b != null && !at.isBefore(b.expiresAt())) {
      return; // came after the batch ended by its expiry: the request stays expired
    }
    Progress p = progress.computeIfAbsent(id, x -> new Progress());
    synchronized (p) {
      p.firstOffset = Math.min(p.firstOffset, offset);
      if (index < 0 || p.seen.get(index)) {
        return;
      }
      p.seen.set(index);
      p.counts[outcome.ordinal()]++;
      double[] day = p.byDay.computeIfAbsent(LocalDate.ofInstant(at, ZoneOffset.UTC), d -> new double[2]);
      day[0]++;
      day[1] += usd;
      p.lastAt = p.lastAt == null || at.isAfter(p.lastAt) ? at : p.lastAt;
    }
  }

  public Optional<GatewayBatch> batch(String id) {
    return Optional.ofNullable(batches.get(id));
  }

  /** The first offset of the batch's results in its partition, or -1 when none came yet. */
  long firstResultOffset(String id) {
    Progress p = progress.get(id);
    return p == null || p.firstOffset == Long.MAX_VALUE ? -1 : p.firstOffset;
  }

  public Optional<View> view(String id, Instant now) {
    return batch(id).map(b -> view(b, now));
  }

  /**
   * Every key's batch results by UTC day, as this instance has read them. Every instance reads the
   * same topic, so every instance comes to the same figures.
   */
  public List<KeySpend> spend() {
    Map<KeyDay, double[]> totals = new HashMap<>();
    for (Map.Entry<String, Progress> e : progress.entrySet()) {
      GatewayBatch b = batches.get(e.getKey());
      if (b == null) {
        continue;
      }
      synchronized (e.getValue()) {
        e.getValue().byDay.forEach((day, v) -> {
          double[] t = totals.computeIfAbsent(new KeyDay(b.keyId(), day), k -> new double[2]);
          t[0] += v[0];
          t[1] += v[1];
        });
      }
    }
    return totals.entrySet().stream()
        .map(e -> new KeySpend(e.getKey().keyId(), e.getKey().day(), (long) e.getValue()[0], e.getValue()[1]))
        .toList();
  }

  private record KeyDay(String keyId, LocalDate day) {}

  /** {@code keyId}'s batches, newest first. */
  public List<View> list(String keyId, Instant now) {
    return batches.values().stream().filter(b -> b.keyId().equals(keyId))
        .sorted(Comparator.comparing(GatewayBatch::createdAt).thenComparing(GatewayBatch::id).reversed())
        .map(b -> view(b, now)).toList();
  }

  private View view(GatewayBatch b, Instant now) {
    Progress p = progress.get(b.id());
    int[] c = new int[Outcome.values().length];
    Instant last = null;
    if (p != null) {
      synchronized (p) {
        System.arraycopy(p.counts, 0, c, 0, c.length);
        last = p.lastAt;
      }
    }
    int done = c[0] + c[1] + c[2] + c[3];
    if (done >= b.count()) {
      return new View(b, "ended", 0, c[S], c[E], c[C], c[X], last);
    }
    if (!now.isBefore(b.expiresAt())) {
      return new View(b, "ended", 0, c[S], c[E], c[C], c[X] + b.count() - done, b.expiresAt());
    }
    // as the API: requests stay "processing" until the whole batch ends
    return new View(b, b.cancelInitiatedAt() == null ? "in_progress" : "canceling", b.count(), 0, 0, 0, 0, null);
  }

}
