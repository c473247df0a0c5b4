package dev.promptq.worker.credentials;

import java.time.Duration;
import java.time.Instant;
import java.util.Set;

/**
 * What the credentials do to the subscription route: hold it off while there are none, while the
 * group refreshes them and once they are revoked, and reopen it when new ones arrive. The routing
 * package's gates implement it; the reasons are the gate's, shown in {@code /health} and status.
 */
public interface SubscriptionGate {
  /** No credentials yet. */
  String MISSING = "credentials_missing";
  /** The group refreshes credentials a worker met a 401 with. */
  String REFRESHING = "credentials_refreshing";
  /** The token endpoint refused the group's refresh token. */
  String REVOKED = "credentials_revoked";
  /** A 401 with no refresh to cure it: held off for a cool-down, or until new credentials come. */
  String UNAUTHORIZED = "unauthorized";

  /** Holds the subscription route off until {@code until}. */
  void close(Instant until, String reason);

  /** Reopens the subscription route if it is held off for one of {@code reasons}. */
  void reopen(Set<String> reasons);

  /** Runs {@code task} after {@code delay} on the gate's timer. */
  void schedule(Runnable task, Duration delay);
}
