package dev.promptq.gateway.api;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.OptionalLong;
import java.util.function.LongSupplier;

/**
 * This instance's estimate of how long a new message would wait for its answer, by Little's law:
 * the requests it has in flight divided by the rate at which answers came over the last
 * {@value #WINDOW_SECONDS} seconds. A request whose caller would give up first is refused with a
 * {@code retry-after} (529) instead of joining a queue it cannot get through.
 *
 * <p>No estimate, so no refusal, until {@value #MIN_ANSWERS} answers came in the window: a few
 * answers say nothing about a queue. Thread-safe.
 */
final class LaneWait {
  static final int WINDOW_SECONDS = 30;
  static final int MIN_ANSWERS = 20;
  private static final long WINDOW_NANOS = Duration.ofSeconds(WINDOW_SECONDS).toNanos();
  private static final long MIN_SPAN_NANOS = Duration.ofSeconds(5).toNanos();

  private final LongSupplier nanos;
  private final ArrayDeque<Long> answers = new ArrayDeque<>();
  private final long started;
  private int inFlight;

  LaneWait(LongSupplier nanos) {
    this.nanos = nanos;
    this.started = nanos.getAsLong();
  }

  /**
   * Seconds after which to retry when the expected wait exceeds {@code timeout}; empty when the
   * request may go ahead (then call {@link #started()}).
   */
  synchronized OptionalLong refusal(Duration timeout) {
    double expected = expectedSeconds();
    double limit = timeout.toMillis() / 1000.0;
    if (expected < 0 || expected <= limit) {
      return OptionalLong.empty();
    }
    return OptionalLong.of(Math.max(1, Math.min(600, (long) Math.ceil(expected - limit))));
  }

  /** The expected wait now, in seconds, or -1 without an estimate. */
  synchronized double expectedSeconds() {
    long now = nanos.getAsLong();
    forgetBefore(now - WINDOW_NANOS);
    if (answers.size() < MIN_ANSWERS) {
      return -1;
    }
    long span = Math.max(MIN_SPAN_NANOS, now - Math.max(started, now - WINDOW_NANOS));
    return inFlight / (answers.size() / (span / 1e9));
  }

  synchronized void started() {
    inFlight++;
  }

  /** A request that {@link #started()} was answered (or given up). */
  synchronized void answered() {
    inFlight = Math.max(0, inFlight - 1);
    answers.addLast(nanos.getAsLong());
  }

  private void forgetBefore(long t) {
    while (!answers.isEmpty() && answers.peekFirst() < t) {
      answers.removeFirst();
    }
  }
}
