package dev.promptq.worker.consume;

import dev.promptq.config.Globs;
import dev.promptq.kafka.Topics;
import java.util.Optional;
import java.util.Set;

/**
 * Which topics a job may have its result written to. A job names its reply topic (in
 * {@code reply_to} or a {@code kafka_replyTopic} header), and the worker writes there with its own
 * rights: without this check, anyone who can write a job could write into any topic the worker
 * can. Allowed are the topics matching {@code reply.topics.allowed}, never the group's own jobs
 * (both lanes), dead-letter, control, usage, batch-lane and gateway-batch topics. Immutable.
 */
public final class ReplyPolicy {
  private final Globs allowed;
  private final Set<String> internal;

  public ReplyPolicy(Globs allowed, Topics topics) {
    this.allowed = allowed;
    this.internal = Set.of(topics.jobs(), topics.interactive(), topics.deadLetters(), topics.control(), topics.usage(),
        topics.lane(), topics.laneBatches(), topics.gatewayBatches());
  }

  /** Why a result may not go to {@code topic}, or empty if it may. */
  Optional<String> problem(String topic) {
    if (internal.contains(topic)) {
      return Optional.of("reply topic " + topic + " is one of promptq's own topics");
    }
    if (!allowed.matches(topic)) {
      return Optional.of("reply topic " + topic + " is not allowed (reply.topics.allowed: " + allowed + ")");
    }
    return Optional.empty();
  }
}
