package dev.promptq.kafka;

import dev.promptq.job.TopicNames;

/**
 * The topic names of one promptq deployment, all derived from one prefix (default {@code promptq}).
 *
 * @param jobs prompt jobs, keyed by job id; its partitions are the unit of scaling
 * @param results the default reply topic
 * @param deadLetters records that are not valid jobs, with the reason in headers
 * @param control compacted, one partition: shared credentials and group-wide route state
 * @param usage one small record per finished job (tokens, route, cost), kept 400 days, for
 *     {@code promptq report}
 */
public record Topics(String jobs, String results, String deadLetters, String control, String usage) {

  public static final String DEFAULT_PREFIX = "promptq";

  public Topics {
    for (String t : new String[] {jobs, results, deadLetters, control, usage}) {
      if (!TopicNames.isLegal(t)) {
        throw new IllegalArgumentException("illegal topic name: " + t);
      }
    }
  }

  /** {@code P.jobs}, {@code P.results}, {@code P.jobs.dlq}, {@code P.control}, {@code P.usage}. */
  public static Topics withPrefix(String prefix) {
    return new Topics(prefix + ".jobs", prefix + ".results", prefix + ".jobs.dlq", prefix + ".control",
        prefix + ".usage");
  }

  /**
   * The interactive lane, {@code <jobs>.interactive}: jobs whose callers wait (the gateway's
   * {@code /v1/messages}). Workers read it with the jobs topic and keep a share of their jobs in
   * flight free for it ({@code interactive.reserved.share}), so it never queues behind a batch.
   */
  public String interactive() {
    return jobs + ".interactive";
  }

  /**
   * Jobs waiting to be gathered into a Message Batch ({@code api_batch}): {@code <jobs>.lane}, one
   * partition, whose single reader is the group's lane owner. A job moves here from the jobs
   * topic in one transaction with its offset.
   */
  public String lane() {
    return jobs + ".lane";
  }

  /** Compacted, one partition: the Message Batches submitted and not yet published, by batch id. */
  public String laneBatches() {
    return jobs + ".lane.batches";
  }

  /**
   * The gateway's reply topic, {@code <results>.gateway}: every gateway instance reads all of it
   * and takes the results whose correlation id it is waiting for, so instances keep no topic of
   * their own.
   */
  public String gatewayReplies() {
    return results + ".gateway";
  }

  /**
   * The results of the gateway's Message Batches, {@code <results>.gateway.batches}: a batch's
   * results all go to one partition (its id's hash), kept 29 days as the API keeps them.
   */
  public String gatewayBatchResults() {
    return results + ".gateway.batches";
  }

  /**
   * Compacted: the gateway's Message Batches (key: batch id) and their requests' custom ids (key:
   * {@code <batch id>/ids/<n>}), until the batch is deleted.
   */
  public String gatewayBatches() {
    return control + ".gateway.batches";
  }

  public static Topics defaults() {
    return withPrefix(DEFAULT_PREFIX);
  }
}
