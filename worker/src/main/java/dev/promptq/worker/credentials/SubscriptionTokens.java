package dev.promptq.worker.credentials;

import dev.promptq.config.Secret;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/** Where the router gets the subscription's access token, and reports one the API refused. */
public interface SubscriptionTokens {

  /** An access token and the generation it belongs to (the offset of its control record; 0 for a static token). */
  record Token(Secret secret, long generation) {}

  /** True if this worker has a subscription credential or can get one from its group. */
  boolean available();

  /** The token to call with now; empty while there is none yet (the route's gate is closed then). */
  Optional<Token> current();

  /** True if a 401 can be cured by a refresh of the group's credentials. */
  boolean refreshable();

  /**
   * Reports that the API answered 401 to {@code token}: asks the group's refresher for new
   * credentials (once per generation on this worker). The future completes with true when newer
   * credentials are here, with false when none will come soon (revoked, or not within the
   * configured wait).
   */
  CompletableFuture<Boolean> rejected(Token token);
}
