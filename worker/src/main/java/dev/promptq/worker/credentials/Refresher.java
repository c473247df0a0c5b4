package dev.promptq.worker.credentials;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The group's one credentials refresher, while this worker holds the role
 * ({@link RefresherElection} gives and takes it). Refresh tokens are single-use, so exactly one
 * member may trade them, and a former refresher must not publish once replaced:
 * <ol>
 *   <li>On taking the role it reads the control topic to its end and calls
 *       {@code initTransactions()} on a producer with the group's fixed {@code transactional.id},
 *       which fences every earlier holder of that id.
 *   <li>It refreshes {@link CredentialSettings#refreshMargin()} before the access token expires,
 *       and on a worker's 401 report for the current generation (once per generation, and no more
 *       often than {@link CredentialSettings#minRefreshInterval()}).
 *   <li>Each refresh first commits a claim record in a transaction: a fenced former refresher
 *       fails there, before it could spend the refresh token. Then it calls the token endpoint and
 *       publishes the sealed new credentials in a second transaction.
 *   <li>A 429, 5xx or no answer is retried with doubling backoff. A refusal ({@code invalid_grant}
 *       and the like) is terminal unless the control topic shows newer credentials: it publishes
 *       the revocation (the route goes down group-wide) and logs one ERROR naming the fix.
 * </ol>
 * Owns the thread {@code promptq-refresher-<worker>}, which runs all of the above; {@link #close()}
 * stops it.
 */
public final class Refresher implements GroupCredentials.Listener, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Refresher.class);

  /** What the refresher needs of the control topic. */
  public interface Control {
    /** Returns once this worker has applied every committed control record, or after {@code timeout}. */
    void awaitCaughtUp(Duration timeout);
  }

  private final GroupCredentials credentials;
  private final TokenEndpoint endpoint;
  private final Supplier<RefreshWrites> writers;
  private final Control control;
  private final CredentialSettings settings;
  private final String workerId;
  private final Clock clock;
  private final SerialThread thread;
  private final AtomicBoolean leader = new AtomicBoolean();
  private final Counter refreshed;
  private final Counter unavailable;
  private final Counter refused;
  private final Counter misconfigured;
  /** What stops refreshes now (a refusal that is not the token's), for /health; null when none. */
  private volatile String problem;
  // confined to the refresher thread
  private RefreshWrites writes;
  private ScheduledFuture<?> next;
  private long spentGeneration = -1;
  private Instant lastRefresh = Instant.MIN;
  private int failuresInARow;
  private long warnedTooSoonFor = -1;
  private boolean warnedMarginShortened;
  private String reportedMisconfiguration;
  /** A fresh pair not yet durable in the control topic: never dropped (its refresh token is the only valid one). */
  private final HandOver handOver;

  /**
   * @param writers makes the refresher's writes (a transactional producer with the group's fixed
   *     {@code transactional.id}), once each time this worker takes the role
   */
  public Refresher(GroupCredentials credentials, TokenEndpoint endpoint, Supplier<RefreshWrites> writers,
      Control control, CredentialSettings settings, String workerId, Clock clock, MeterRegistry meters) {
    this.credentials = credentials;
    this.endpoint = endpoint;
    this.writers = writers;
    this.control = control;
    this.settings = settings;
    this.workerId = workerId;
    this.clock = clock;
    this.thread = new SerialThread("promptq-refresher-" + workerId);
    this.refreshed = refreshCounter(meters, "success");
    this.unavailable = refreshCounter(meters, "unavailable");
    this.refused = refreshCounter(meters, "refused");
    this.misconfigured = refreshCounter(meters, "misconfigured");
    this.handOver = new HandOver(credentials, settings, workerId);
  }

  private static Counter refreshCounter(MeterRegistry meters, String outcome) {
    return Counter.builder("promptq.credentials.refreshes")
        .description("Calls to the OAuth token endpoint made by this worker as the group's refresher, by outcome")
        .tag("outcome", outcome).register(meters);
  }

  /** True while this worker is the group's refresher. */
  public boolean isLeader() {
    return leader.get();
  }

  /** This worker was given the role. */
  public void becomeLeader() {
    submit(this::takeOver);
  }

  /** This worker lost the role (rebalance, shutdown). */
  public void stepDown() {
    submit(this::resign);
  }

  @Override
  public void credentialsChanged() {
    submit(this::scheduleNext);
  }

  @Override
  public void refreshRequested(CredentialRecords.RefreshRequest request) {
    submit(() -> onRequest(request));
  }

  private void takeOver() {
    if (leader.get()) {
      return;
    }
    control.awaitCaughtUp(Duration.ofSeconds(30));
    try {
      writes = writers.get();
      writes.fenceOthers();
    } catch (KafkaException e) {
      log.warn("worker {} could not take the refresher role: {}", workerId, e.toString());
      closeWrites();
      return;
    }
    leader.set(true);
    log.info("worker {} is the group's credentials refresher", workerId);
    scheduleNext();
  }

  private void resign() {
    if (next != null) {
      next.cancel(false);
      next = null;
    }
    if (leader.compareAndSet(true, false)) {
      log.info("worker {} is no longer the group's credentials refresher", workerId);
    }
    closeWrites();
  }

  private void scheduleNext() {
    if (!leader.get()) {
      return;
    }
    if (next != null) {
      next.cancel(false);
      next = null;
    }
    GroupCredentials.Snapshot s = credentials.snapshot();
    if (s == null || s.revoked() || !s.credentials().refreshable() || s.credentials().expiresAt() == null) {
      return;
    }
    Instant now = clock.instant();
    RefreshTiming.Next when = RefreshTiming.next(now, s.credentials().expiresAt(), settings.refreshMargin(), lastRefresh,
        RefreshTiming.minGap(settings.minRefreshInterval()));
    if (when.marginShortened() && !warnedMarginShortened) {
      warnedMarginShortened = true;
      log.warn("the access token lives shorter than credentials.refresh.margin.ms ({}) allows: refreshing {} before "
          + "expiry instead (half its remaining life), and never more often than every {}", settings.refreshMargin(),
          when.margin(), RefreshTiming.minGap(settings.minRefreshInterval()));
    }
    long generation = s.generation();
    next = later(() -> refresh(generation, "ahead of expiry"), Math.max(0, Duration.between(now, when.at()).toMillis()));
  }

  private void onRequest(CredentialRecords.RefreshRequest r) {
    GroupCredentials.Snapshot s = credentials.snapshot();
    if (!leader.get() || s == null || r.generation() != s.generation()) {
      return;  // not ours to act on, or about credentials already replaced
    }
    Instant earliest = lastRefresh.plus(settings.minRefreshInterval());
    if (clock.instant().isBefore(earliest)) {
      if (warnedTooSoonFor != s.generation()) {
        warnedTooSoonFor = s.generation();
        log.warn("worker {} reports a 401 for credentials refreshed at {}; not refreshing again before {} "
            + "(credentials.refresh.min.interval.ms)", r.worker(), lastRefresh, earliest);
      }
      return;
    }
    refresh(s.generation(), "401 reported by worker " + r.worker());
  }

  private void refresh(long generation, String why) {
    GroupCredentials.Snapshot s = credentials.snapshot();
    if (!leader.get() || s == null || s.revoked() || s.generation() != generation || generation == spentGeneration
        || !s.credentials().refreshable()) {
      return;
    }
    Instant now = clock.instant();
    try {
      writes.claim(new CredentialRecords.RefreshClaim(workerId, generation, now));
    } catch (ProducerFencedException | InvalidProducerEpochException e) {
      fenced();
      return;
    } catch (KafkaException e) {
      retryLater(generation, why, "control topic: " + e.getClass().getSimpleName(), null);
      return;
    }
    TokenEndpoint.Outcome outcome = endpoint.refresh(s.credentials());
    if (outcome instanceof TokenEndpoint.Refreshed r) {
      spentGeneration = generation;
      lastRefresh = clock.instant();
      failuresInARow = 0;
      clearProblem();
      refreshed.increment();
      log.info("refreshed the group's subscription credentials ({}); the new access token expires at {}", why,
          r.credentials().expiresAt());
      handOver.hold(r.credentials(), generation);
      try {
        long offset = writes.publish(credentials.seal().seal(r.credentials(), "refresh", workerId, clock.instant()));
        handOver.published();
        credentials.install(r.credentials(), offset, "refresh by " + workerId);
      } catch (ProducerFencedException | InvalidProducerEpochException e) {
        log.warn("worker {} lost the refresher role while publishing refreshed credentials; handing them to the group "
            + "outside the refresher's transactions", workerId);
        fenced();
        handOver();
      } catch (KafkaException e) {
        log.warn("could not publish refreshed credentials ({}); keeping them and retrying", e.toString());
        handOver();
      }
    } else if (outcome instanceof TokenEndpoint.Unavailable u) {
      unavailable.increment();
      retryLater(generation, why, u.why(), u.retryAfter());
    } else if (outcome instanceof TokenEndpoint.Misconfigured m) {
      misconfigured.increment();
      String what = "HTTP " + m.status() + " " + m.error();
      problem = "the token endpoint refuses refreshes (" + what + "): check credentials.token.url and "
          + "credentials.client.id; the refresh token is not spent, refreshes are retried";
      if (!what.equals(reportedMisconfiguration)) {
        reportedMisconfiguration = what;
        log.error("the token endpoint at {} refused a refresh with {}, which is not a verdict on the refresh token: "
            + "check credentials.token.url and credentials.client.id. The group's credentials are kept and the "
            + "refresh is retried with backoff", endpoint.url(), what);
      }
      retryLater(generation, why, what, null);
    } else {
      TokenEndpoint.Rejected j = (TokenEndpoint.Rejected) outcome;
      refused.increment();
      control.awaitCaughtUp(Duration.ofSeconds(10));
      GroupCredentials.Snapshot after = credentials.snapshot();
      if (after != null && after.generation() != generation) {
        log.info("token endpoint refused generation {} ({}) but the group has newer credentials; using those",
            generation, j.error());
        scheduleNext();
        return;
      }
      try {
        long offset = writes.revoke(new CredentialRecords.CredentialsRevoked(j.error(), workerId, clock.instant()));
        credentials.revoke(j.error(), offset);
      } catch (ProducerFencedException | InvalidProducerEpochException e) {
        fenced();
        return;
      } catch (KafkaException e) {
        log.warn("could not publish the revocation: {}", e.toString());
      }
      problem = "the token endpoint refused the group's refresh token (" + j.error() + ")";
      log.error("the token endpoint refused the group's refresh token (HTTP {} {}): the subscription route is down "
          + "for the whole group and jobs follow their route policy. Fix: sign in again with `claude login` (or "
          + "`claude /login`) on any machine and run `./promptq credentials import` with the new "
          + "~/.claude/.credentials.json", j.status(), j.error());
    }
  }

  /** Publishes the held pair, retried with backoff until the group has it or has newer credentials. */
  private void handOver() {
    handOver.attempt().ifPresent(delay -> later(this::handOver, delay));
  }

  /** What keeps the refresher from refreshing, for {@code /health}; empty when nothing does. */
  public java.util.Optional<String> problem() {
    return java.util.Optional.ofNullable(problem);
  }

  /** True while a refreshed pair waits to be published (for tests and {@code /health}). */
  boolean holdsUnpublished() {
    return handOver.holds();
  }

  private void clearProblem() {
    problem = null;
    reportedMisconfiguration = null;
  }

  private void retryLater(long generation, String why, String failure, Duration retryAfter) {
    failuresInARow++;
    long cap = Math.min(settings.refreshBackoffMax().toMillis(),
        settings.refreshBackoff().toMillis() << Math.min(failuresInARow - 1, 20));
    long delay = retryAfter == null ? cap : Math.max(cap, retryAfter.toMillis());
    log.warn("refresh failed ({}); retrying in {} ms", failure, delay);
    if (next != null) {
      next.cancel(false);
    }
    next = later(() -> refresh(generation, why), delay);
  }

  private void fenced() {
    log.info("worker {} was fenced by a newer credentials refresher; stepping down", workerId);
    resign();
  }

  private void closeWrites() {
    if (writes != null) {
      writes.close();
      writes = null;
    }
  }

  private void submit(Runnable task) {
    thread.submit(task);
  }

  private ScheduledFuture<?> later(Runnable task, long delayMs) {
    return thread.later(task, delayMs);
  }

  @Override
  public void close() {
    submit(this::resign);
    thread.close();
  }
}
