package dev.promptq.worker.credentials;

import dev.promptq.config.Secret;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This worker's view of the subscription credentials, in one of three modes:
 * <ul>
 *   <li><b>static</b>: {@code CLAUDE_CODE_OAUTH_TOKEN} (e.g. from {@code claude setup-token}); nothing
 *       to refresh, the group's credentials are ignored;
 *   <li><b>group</b>: {@code PROMPTQ_CREDENTIALS_KEY} is set; the credentials are the latest
 *       {@code credentials/subscription} record of the control topic (seeded from a credentials
 *       file or {@code ./promptq credentials import}), refreshed by the group's one refresher;
 *   <li><b>none</b>: no subscription; the api route only.
 * </ul>
 * A generation is the offset of the control record that brought the credentials; a newer record
 * always wins. While there are no usable credentials the subscription's gate is closed
 * ({@code credentials_missing}, {@code credentials_refreshing} after a 401 until the new token comes,
 * {@code credentials_revoked} until an import), so jobs follow their route policy. With
 * {@link CredentialSettings#writeBack()}, rotated credentials are written back to the file.
 *
 * <p>Thread-safe.
 */
public final class GroupCredentials implements SubscriptionTokens {
  private static final Logger log = LoggerFactory.getLogger(GroupCredentials.class);
  private static final Duration UNTIL_IMPORTED = Duration.ofDays(365);
  private static final Duration STATIC_EXPIRY_WARNING = Duration.ofDays(14);

  /** The credentials this worker holds now, their generation, and whether the group's were revoked. */
  public record Snapshot(OAuthCredentials credentials, long generation, String revokedError, String source) {
    public boolean revoked() {
      return revokedError != null;
    }
  }

  /** Told of new credentials and of 401 reports: the refresher. */
  public interface Listener {
    void credentialsChanged();

    void refreshRequested(CredentialRecords.RefreshRequest request);
  }

  /** Where refresh requests and imports go: the control topic. */
  public interface Publisher {
    void publish(CredentialRecords.RefreshRequest request);

    /** Publishes and returns the record's offset. */
    long publishAndWait(CredentialRecords.SealedCredentials credentials);
  }

  private enum Mode { STATIC, GROUP, NONE }

  private final Mode mode;
  private final CredentialSettings settings;
  private final CredentialSeal seal;
  private final CredentialsFile file;
  private final SubscriptionGate gates;
  private final Clock clock;
  private final String workerId;
  private volatile Publisher publisher;
  private volatile Listener listener;
  private Snapshot snapshot;  // guarded by this
  private long requestedFor = -1;  // guarded by this
  private List<CompletableFuture<Boolean>> waiters = new ArrayList<>();  // guarded by this

  /**
   * @param staticToken {@code CLAUDE_CODE_OAUTH_TOKEN}, if set: static mode
   * @throws IllegalArgumentException if a credentials file is configured without the key that shares it
   */
  public GroupCredentials(Optional<Secret> staticToken, CredentialSettings settings, SubscriptionGate gates, Clock clock,
      String workerId) {
    this.settings = settings;
    this.gates = gates;
    this.clock = clock;
    this.workerId = workerId;
    this.file = settings.file() == null ? null : new CredentialsFile(settings.file());
    if (staticToken.isPresent()) {
      mode = Mode.STATIC;
      seal = null;
      snapshot = new Snapshot(new OAuthCredentials(staticToken.get(), Optional.empty(), settings.staticTokenExpiresAt(),
          List.of(), null), 0, null, "env");
      if (settings.key() != null) {
        log.warn("CLAUDE_CODE_OAUTH_TOKEN is set, so this worker calls the subscription with that static token and "
            + "not with the credentials the group shares (PROMPTQ_CREDENTIALS_KEY is set too); unset "
            + "CLAUDE_CODE_OAUTH_TOKEN to use the group's");
      }
      Instant expiry = settings.staticTokenExpiresAt();
      if (expiry != null && expiry.isBefore(clock.instant().plus(STATIC_EXPIRY_WARNING))) {
        log.warn("CLAUDE_CODE_OAUTH_TOKEN expires at {} (claude.oauth.token.expires.at): create a new one with "
            + "`claude setup-token` before then", expiry);
      }
    } else if (settings.key() != null) {
      mode = Mode.GROUP;
      seal = new CredentialSeal(CredentialCipher.fromBase64(settings.key()));
      gates.close(clock.instant().plus(UNTIL_IMPORTED), SubscriptionGate.MISSING);
    } else {
      if (file != null) {
        throw new IllegalArgumentException("credentials.file: " + file.path() + " is set but " + CredentialCipher.KEY_ENV
            + " is not: the group shares these credentials encrypted; set the same key on every worker "
            + "(generate one with `openssl rand -base64 32`)");
      }
      mode = Mode.NONE;
      seal = null;
    }
  }

  public void publishTo(Publisher p) {
    this.publisher = p;
  }

  public void listen(Listener l) {
    this.listener = l;
  }

  /** True in group mode: credentials come from, and go to, the control topic. */
  public boolean shared() {
    return mode == Mode.GROUP;
  }

  /** The seal of the group's credentials; null unless {@link #shared()}. */
  CredentialSeal seal() {
    return seal;
  }

  @Override
  public boolean available() {
    return mode != Mode.NONE;
  }

  @Override
  public synchronized Optional<Token> current() {
    return snapshot == null ? Optional.empty()
        : Optional.of(new Token(snapshot.credentials().accessToken(), snapshot.generation()));
  }

  @Override
  public synchronized boolean refreshable() {
    return mode == Mode.GROUP && snapshot != null && snapshot.credentials().refreshable() && !snapshot.revoked();
  }

  /** What this worker holds now; null before any credentials. */
  public synchronized Snapshot snapshot() {
    return snapshot;
  }

  /** {@code none}, {@code static}, {@code live}, {@code missing} (group mode, nothing yet) or {@code revoked}. */
  public synchronized String state() {
    if (mode == Mode.NONE) {
      return "none";
    }
    if (mode == Mode.STATIC) {
      return "static";
    }
    return snapshot == null ? "missing" : snapshot.revoked() ? "revoked" : "live";
  }

  /** True while this worker holds credentials it may call with: a static token, or the group's live ones. */
  public synchronized boolean usable() {
    return mode == Mode.STATIC || (mode == Mode.GROUP && snapshot != null && !snapshot.revoked());
  }

  /** Seconds until the access token expires (negative once expired); NaN when unknown or none. */
  public synchronized double secondsUntilExpiry() {
    if (snapshot == null || snapshot.credentials().expiresAt() == null || snapshot.revoked()) {
      return Double.NaN;
    }
    return Duration.between(clock.instant(), snapshot.credentials().expiresAt()).toMillis() / 1000.0;
  }

  @Override
  public CompletableFuture<Boolean> rejected(Token token) {
    CompletableFuture<Boolean> f = new CompletableFuture<>();
    boolean ask;
    synchronized (this) {
      if (!refreshable()) {
        return CompletableFuture.completedFuture(false);
      }
      if (snapshot.generation() > token.generation()) {
        return CompletableFuture.completedFuture(true);
      }
      waiters.add(f);
      ask = requestedFor != token.generation();
      requestedFor = token.generation();
    }
    Instant now = clock.instant();
    if (ask) {
      gates.close(now.plus(settings.refreshWait()), SubscriptionGate.REFRESHING);
      log.info("subscription token of generation {} refused (401): asking the group's refresher for new credentials",
          token.generation());
      Publisher p = publisher;
      if (p != null) {
        p.publish(new CredentialRecords.RefreshRequest(workerId, token.generation(), now));
      }
    }
    gates.schedule(() -> f.complete(false), settings.refreshWait());
    return f;
  }

  /**
   * Applies a control record: sealed credentials, a revocation, or a refresh request (passed to the
   * listener). Records older than the current generation change nothing.
   */
  public void apply(Object record, long offset) {
    if (mode != Mode.GROUP) {
      return;
    }
    if (record instanceof CredentialRecords.SealedCredentials s) {
      OAuthCredentials c;
      try {
        c = seal.open(s);
      } catch (IllegalArgumentException e) {
        log.warn("cannot open the group's credentials at control offset {}: {}", offset, e.getMessage());
        return;
      }
      install(c, offset, s.source() + " by " + s.by());
    } else if (record instanceof CredentialRecords.CredentialsRevoked r) {
      if (revoke(r.error(), offset)) {
        log.warn("subscription route down: the token endpoint refused the group's credentials ({}, reported by worker "
            + "{}); jobs follow their route policy until new credentials are imported (./promptq credentials import)",
            r.error(), r.by());
      }
    } else if (record instanceof CredentialRecords.RefreshRequest r) {
      Listener l = listener;
      if (l != null) {
        l.refreshRequested(r);
      }
    }
  }

  /**
   * Installs credentials of {@code generation} if newer than the current ones: the route opens,
   * waiting jobs retry, the file is written back.
   *
   * @return true if installed
   */
  public boolean install(OAuthCredentials c, long generation, String source) {
    List<CompletableFuture<Boolean>> wake;
    synchronized (this) {
      if (snapshot != null && generation <= snapshot.generation()) {
        return false;
      }
      snapshot = new Snapshot(c, generation, null, source);
      wake = waiters;
      waiters = new ArrayList<>();
    }
    gates.reopen(Set.of(SubscriptionGate.MISSING, SubscriptionGate.REFRESHING, SubscriptionGate.REVOKED,
        SubscriptionGate.UNAUTHORIZED));
    wake.forEach(f -> f.complete(true));
    log.info("subscription credentials of generation {} in use ({}); the access token expires at {}", generation,
        source, c.expiresAt() == null ? "an unknown time" : c.expiresAt());
    writeBack(c);
    Listener l = listener;
    if (l != null) {
      l.credentialsChanged();
    }
    return true;
  }

  /** Marks the group's credentials revoked as of {@code generation}; the route stays closed until an import. */
  public boolean revoke(String error, long generation) {
    List<CompletableFuture<Boolean>> wake;
    synchronized (this) {
      if (snapshot != null && generation <= snapshot.generation()) {
        return false;
      }
      OAuthCredentials last = snapshot == null ? null : snapshot.credentials();
      if (last == null) {
        return false;
      }
      snapshot = new Snapshot(last, generation, error, "revoked");
      wake = waiters;
      waiters = new ArrayList<>();
    }
    gates.close(clock.instant().plus(UNTIL_IMPORTED), SubscriptionGate.REVOKED);
    wake.forEach(f -> f.complete(false));
    Listener l = listener;
    if (l != null) {
      l.credentialsChanged();
    }
    return true;
  }

  /**
   * Publishes the credentials file's credentials to the group when they expire later than the
   * group's (or the group has none): a fresh login on any worker's host reaches every worker.
   * Otherwise, with write-back, brings the file up to date.
   *
   * @throws IllegalArgumentException if the file cannot be read
   */
  public void seedFromFile() {
    if (mode != Mode.GROUP || file == null) {
      return;
    }
    OAuthCredentials fromFile = file.read();
    Snapshot now = snapshot();
    if (now == null || now.credentials().expiresBefore(fromFile)) {
      long offset = publisher.publishAndWait(seal.seal(fromFile, "file", workerId, clock.instant()));
      install(fromFile, offset, "file " + file.path() + " of worker " + workerId);
    } else if (!now.revoked()) {
      writeBack(now.credentials());
    }
  }

  /**
   * Keeps credentials that are not in the group yet on this host's disk ({@code credentials.file},
   * with write-back), so a restart does not lose a freshly rotated pair.
   */
  void keepLocally(OAuthCredentials c) {
    writeBack(c);
  }

  /** Where {@link #keepLocally} keeps credentials, for log lines: {@code " and in FILE"}, or empty. */
  String fileDescription() {
    return file == null || !settings.writeBack() ? "" : " and in " + file.path();
  }

  /**
   * Publishes credentials to the group with the control channel's producer and returns their
   * generation.
   *
   * @throws IllegalStateException if they could not be written
   */
  long publishDirect(OAuthCredentials c, String source, String by) {
    Publisher p = publisher;
    if (p == null) {
      throw new IllegalStateException("no control channel yet");
    }
    return p.publishAndWait(seal.seal(c, source, by, clock.instant()));
  }

  private void writeBack(OAuthCredentials c) {
    if (file != null && settings.writeBack() && mode == Mode.GROUP) {
      file.writeBack(c);
    }
  }
}
