package dev.promptq.worker.anthropic;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.promptq.config.Secret;
import dev.promptq.job.Route;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Carries one Messages request to a route and brings back what it answered. Implementations:
 * {@link MessagesClient} (HTTP, both routes) and {@code ClaudeCliTransport} (Claude Code's
 * headless mode, the subscription route).
 */
public interface MessagesTransport extends AutoCloseable {

  /** The name results give it: {@code http} or {@code claude_cli}. */
  String name();

  /**
   * Why this transport cannot carry {@code request} whole (an image, a tool, an earlier turn), or
   * empty when it can. A transport never drops part of a request to make it fit.
   */
  default Optional<String> cannotCarry(ObjectNode request, List<String> betas) {
    return Optional.empty();
  }

  /**
   * Sends {@code body} on {@code route} with {@code secret}, the route's credential, and the job's
   * {@code anthropic-beta} names. The future always completes normally, with an answer or a
   * {@link CallOutcome.NoAnswer}.
   */
  CompletableFuture<CallOutcome> send(Route route, Secret secret, ObjectNode body, List<String> betas);

  /** {@link #send(Route, Secret, ObjectNode, List)} without betas. */
  default CompletableFuture<CallOutcome> send(Route route, Secret secret, ObjectNode body) {
    return send(route, secret, body, List.of());
  }

  /** Stops the transport's threads and processes; calls in flight end as no answer. */
  @Override
  void close();
}
