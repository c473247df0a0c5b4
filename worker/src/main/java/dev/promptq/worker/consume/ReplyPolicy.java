package dev.promptq.worker.consume;

import dev.promptq.config.Globs;
import dev.promptq.kafka.GatewaySeal;
import dev.promptq.kafka.Topics;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Which topics a job may have its result written to. A job names its reply topic (in
 * {@code reply_to} or a {@code kafka_replyTopic} header), and the worker writes there with its own
 * rights: without this check, anyone who can write a job could write into any topic the worker
 * can. Allowed are the topics matching {@code reply.topics.allowed}, never the group's own jobs
 * (both lanes), dead-letter, control, usage, batch-lane and gateway-batch topics. The gateway's
 * reply topics are allowed only to a job the gateway sealed ({@link GatewaySeal}), so no other
 * producer can answer a gateway's caller. Immutable.
 */
public final class ReplyPolicy {
  private final Globs allowed;
  private final Set<String> internal;
  private final Set<String> gateway;
  private final Optional<GatewaySeal> seal;

  public ReplyPolicy(Globs allowed, Topics topics, Optional<GatewaySeal> seal) {
    this.allowed = allowed;
    this.seal = seal;
    this.internal = Set.of(topics.jobs(), topics.interactive(), topics.deadLetters(), topics.control(), topics.usage(),
        topics.lane(), topics.laneBatches(), topics.gatewayBatches());
    this.gateway = Set.of(topics.gatewayReplies(), topics.gatewayBatchResults());
  }

  /** Why the result of the job {@code record} may not go to {@code topic}, or empty if it may. */
  Optional<String> problem(String topic, ConsumerRecord<byte[], byte[]> record) {
    if (internal.contains(topic)) {
      return Optional.of("reply topic " + topic + " is one of promptq's own topics");
    }
    if (gateway.contains(topic)) {
      if (seal.isEmpty()) {
        return Optional.of("reply topic " + topic + " is the gateway's, and this worker has no gateway.secret "
            + "(" + GatewaySeal.SECRET_ENV + ") to check that the gateway sent the job");
      }
      return seal.get().verifies(record.value(), record.headers()) ? Optional.empty()
          : Optional.of("reply topic " + topic + " is the gateway's, and the job does not carry the gateway's seal");
    }
    if (!allowed.matches(topic)) {
      return Optional.of("reply topic " + topic + " is not allowed (reply.topics.allowed: " + allowed + ")");
    }
    return Optional.empty();
  }
}
