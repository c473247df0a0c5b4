package dev.promptq.gateway.api;

import dev.promptq.job.JobCodec;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * How the gateway's API answers.
 *
 * @param replyTopic where workers send the gateway's results ({@code Topics.gatewayReplies()})
 * @param jobLimits the largest body (bytes) and nesting a request may have: the workers' job limits
 * @param defaultTimeout a caller's time-out when it sends none ({@code x-stainless-timeout})
 * @param maxTimeout the longest a caller may ask to wait
 * @param versions the {@code anthropic-version}s accepted
 * @param models what {@code GET /v1/models} lists
 * @param batchMaxBytes the largest Message Batch body (the API's 256 MB)
 * @param batchMaxRequests the most requests in a Message Batch (the API's 100,000)
 */
public record ApiSettings(String replyTopic, JobCodec.Limits jobLimits, Duration defaultTimeout, Duration maxTimeout,
    Set<String> versions, List<String> models, int batchMaxBytes, int batchMaxRequests) {

  public static final int API_BATCH_MAX_BYTES = 256 * 1024 * 1024;
  public static final int API_BATCH_MAX_REQUESTS = 100_000;

  /** The versions the SDKs of December 2026 send (Python and TypeScript, and Java 3.x). */
  public static final Set<String> KNOWN_VERSIONS = Set.of("2023-06-01", "2026-10-21");

  public ApiSettings {
    Objects.requireNonNull(replyTopic, "replyTopic");
    Objects.requireNonNull(jobLimits, "jobLimits");
    versions = Set.copyOf(versions);
    models = List.copyOf(models);
    if (defaultTimeout.compareTo(maxTimeout) > 0) {
      throw new IllegalArgumentException("gateway.timeout.default.ms exceeds gateway.timeout.max.ms");
    }
  }
}
