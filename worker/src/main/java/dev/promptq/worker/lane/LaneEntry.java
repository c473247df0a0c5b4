package dev.promptq.worker.lane;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.promptq.job.Job;
import dev.promptq.job.JobCodec;
import java.io.IOException;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;

/**
 * A job waiting in the batch lane, as the lane topic holds it: the job and where its result goes.
 * Written by the worker that took the job from the jobs topic, in the transaction that commits the
 * job's offset, so the job is always in one topic or the other.
 *
 * @param job the job
 * @param replyTopic where its result goes (checked when the job was taken)
 * @param replyPartition the reply partition its producer asked for, or null
 * @param correlation the correlation id its producer sent, or null
 * @param enqueuedAt when the job was written to the jobs topic
 */
public record LaneEntry(Job job, String replyTopic, Integer replyPartition, byte[] correlation, Instant enqueuedAt) {
  /**
   * The header of a job the lane sent back to the jobs topic (its batch did not answer it): it
   * takes the synchronous API then, not the lane again.
   */
  public static final String TRIED_HEADER = "promptq_lane";

  /** The entry as the lane topic's record value. */
  public byte[] encode(JobCodec codec) {
    ObjectNode o = codec.mapper().createObjectNode();
    o.set("job", codec.jobToNode(job));
    o.put("reply_topic", replyTopic);
    if (replyPartition != null) {
      o.put("reply_partition", replyPartition);
    }
    if (correlation != null) {
      o.put("correlation_id", Base64.getEncoder().encodeToString(correlation));
    }
    o.put("enqueued_at", enqueuedAt.toString());
    return codec.bytes(o);
  }

  /** Reads a lane record; empty for one that is not an entry (nothing but workers write the topic). */
  public static Optional<LaneEntry> decode(JobCodec codec, byte[] value) {
    try {
      JsonNode o = codec.mapper().readTree(value);
      if (o == null || !o.path("job").isObject() || !o.path("reply_topic").isTextual()) {
        return Optional.empty();
      }
      if (!(codec.decodeJobNode((ObjectNode) o.get("job")) instanceof JobCodec.Decoded.Valid valid)) {
        return Optional.empty();
      }
      return Optional.of(new LaneEntry(valid.job(), o.get("reply_topic").asText(),
          o.path("reply_partition").isInt() ? o.get("reply_partition").asInt() : null,
          o.path("correlation_id").isTextual() ? Base64.getDecoder().decode(o.get("correlation_id").asText()) : null,
          Instant.parse(o.path("enqueued_at").asText())));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }
}
