package dev.promptq.worker.credentials;

import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A freshly refreshed pair that is not durable in the control topic yet. It was bought with the
 * only valid refresh token, so it is never dropped while the group has nothing newer: it is kept in
 * memory (and in {@code credentials.file}) and published with the control channel's plain producer
 * (not the refresher's transactions, which may be fenced now) until the group has it. Confined to
 * the refresher's thread.
 */
final class HandOver {
  private static final Logger log = LoggerFactory.getLogger(HandOver.class);

  private final GroupCredentials credentials;
  private final CredentialSettings settings;
  private final String workerId;
  private OAuthCredentials pair;
  private long from;
  private int attempts;

  HandOver(GroupCredentials credentials, CredentialSettings settings, String workerId) {
    this.credentials = credentials;
    this.settings = settings;
    this.workerId = workerId;
  }

  /** Holds {@code pair}, refreshed from generation {@code from}, until it is published. */
  void hold(OAuthCredentials pair, long from) {
    this.pair = pair;
    this.from = from;
    credentials.keepLocally(pair);  // on disk too (credentials.file), until the group has them
  }

  /** The pair was published through the refresher's transaction. */
  void published() {
    pair = null;
    attempts = 0;
  }

  boolean holds() {
    return pair != null;
  }

  /**
   * Tries to publish the held pair: done when published, or when the group has newer credentials.
   *
   * @return the delay after which to try again, or empty when nothing is left to do
   */
  OptionalLong attempt() {
    if (pair == null) {
      return OptionalLong.empty();
    }
    GroupCredentials.Snapshot now = credentials.snapshot();
    if (now != null && now.generation() != from && !now.revoked()) {
      log.info("the group has credentials newer than those refreshed from generation {}; dropping the unpublished "
          + "pair", from);
      published();
      return OptionalLong.empty();
    }
    try {
      long offset = credentials.publishDirect(pair, "refresh", workerId);
      OAuthCredentials p = pair;
      published();
      credentials.install(p, offset, "refresh by " + workerId);
      log.info("published the refreshed credentials as generation {}", offset);
      return OptionalLong.empty();
    } catch (RuntimeException e) {
      long delay = Math.min(settings.refreshBackoffMax().toMillis(),
          settings.refreshBackoff().toMillis() << Math.min(attempts++, 20));
      if (attempts == 1 || attempts % 10 == 0) {
        log.error("refreshed credentials are not in the control topic yet ({}); they are kept in memory{} and "
            + "retried in {} ms", e.getMessage(), credentials.fileDescription(), delay);
      }
      return OptionalLong.of(delay);
    }
  }
}
