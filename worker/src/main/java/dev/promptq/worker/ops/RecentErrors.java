package dev.promptq.worker.ops;

import dev.promptq.job.ApiError;
import dev.promptq.job.JobResult;
import dev.promptq.job.Outcome;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/**
 * The last {@value #KEEP} things that went wrong on this worker (jobs errored or expired, dead
 * letters), for {@code ./promptq status}. Details are error types and short messages (the API's,
 * or promptq's dead-letter reasons), never request content or credentials. Thread-safe.
 */
public final class RecentErrors {
  static final int KEEP = 10;
  private static final int MAX_DETAIL = 200;

  /** One error: when, what kind ({@code errored}, {@code expired}, {@code dead_letter}), about which job, and why. */
  public record Entry(Instant at, String kind, String job, String detail) {}

  private final Clock clock;
  private final Deque<Entry> entries = new ArrayDeque<>();
  private long version;

  public RecentErrors(Clock clock) {
    this.clock = clock;
  }

  /** Records an errored or expired result. */
  public void onResult(JobResult r) {
    if (r.outcome() != Outcome.ERRORED && r.outcome() != Outcome.EXPIRED) {
      return;
    }
    ApiError e = r.error();
    add(new Entry(clock.instant(), r.outcome().wireName(), r.id(),
        e == null ? "" : clip(e.type() + (e.status() > 0 ? " (" + e.status() + ")" : "") + ": " + e.message())));
  }

  /** Records a dead letter and its reason. */
  public void onDeadLetter(String origin, String reason) {
    add(new Entry(clock.instant(), "dead_letter", origin, clip(reason)));
  }

  /** The entries, newest first. */
  public synchronized List<Entry> entries() {
    return List.copyOf(entries);
  }

  /** Changes with every new entry. */
  public synchronized long version() {
    return version;
  }

  private synchronized void add(Entry e) {
    entries.addFirst(e);
    while (entries.size() > KEEP) {
      entries.removeLast();
    }
    version++;
  }

  private static String clip(String s) {
    return s.length() <= MAX_DETAIL ? s : s.substring(0, MAX_DETAIL) + "...";
  }
}
