package dev.promptq.job;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A prompt job: a Messages API request body plus what promptq needs to run and answer it.
 *
 * <p>{@code request} is passed to the API untouched, so every Messages API feature works.
 * Instances are immutable as long as callers do not mutate the JSON nodes they pass in.
 *
 * @param id 1-64 characters of {@code [A-Za-z0-9_-]}, like a Message Batches {@code custom_id}
 * @param request the Messages API body
 * @param route which routes may serve the job
 * @param replyTo the topic for the result, or null for the worker's default results topic
 * @param deadline after this instant the job is answered {@code expired} without a call; may be null
 * @param metadata any JSON, echoed back in the result; may be null
 * @param batch the batch the job belongs to (same form as an id), for per-batch API budgets; may be null
 * @param betas {@code anthropic-beta} names to send with the request (at most {@value #MAX_BETAS} of
 *     {@code [A-Za-z0-9._-]}); empty for none
 * @param endpoint {@code messages} (the default) or {@code count_tokens}
 */
public record Job(
    String id,
    ObjectNode request,
    RoutePolicy route,
    String replyTo,
    Instant deadline,
    JsonNode metadata,
    String batch,
    List<String> betas,
    Endpoint endpoint) {

  /** What a job id may look like. */
  public static final Pattern ID_PATTERN = Pattern.compile("[A-Za-z0-9_-]{1,64}");
  /** What an {@code anthropic-beta} name may look like. */
  public static final Pattern BETA_PATTERN = Pattern.compile("[A-Za-z0-9._-]{1,100}");
  public static final int MAX_BETAS = 16;

  public Job {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(request, "request");
    if (!ID_PATTERN.matcher(id).matches()) {
      throw new IllegalArgumentException("id must be 1-64 of [A-Za-z0-9_-]: " + id);
    }
    route = route == null ? RoutePolicy.SUBSCRIPTION_FIRST : route;
    if (batch != null && !ID_PATTERN.matcher(batch).matches()) {
      throw new IllegalArgumentException("batch must be 1-64 of [A-Za-z0-9_-]: " + batch);
    }
    betas = betas == null ? List.of() : List.copyOf(betas);
    endpoint = endpoint == null ? Endpoint.MESSAGES : endpoint;
    betaProblem(betas).ifPresent(p -> {
      throw new IllegalArgumentException(p);
    });
  }

  /** Why {@code betas} cannot be a job's, or empty when they can. */
  public static Optional<String> betaProblem(List<String> betas) {
    if (betas.size() > MAX_BETAS) {
      return Optional.of("at most " + MAX_BETAS + " betas, got " + betas.size());
    }
    for (String b : betas) {
      if (b == null || !BETA_PATTERN.matcher(b).matches()) {
        return Optional.of("a beta is 1-100 of [A-Za-z0-9._-], got "
            + (b == null ? "null" : b.substring(0, Math.min(40, b.length()))));
      }
    }
    return Optional.empty();
  }

  /** A job with the default route policy and no reply topic, deadline or metadata. */
  public static Job of(String id, ObjectNode request) {
    return new Job(id, request, RoutePolicy.SUBSCRIPTION_FIRST, null, null, null, null, List.of(), Endpoint.MESSAGES);
  }

  public Job withRoute(RoutePolicy policy) {
    return new Job(id, request, policy, replyTo, deadline, metadata, batch, betas, endpoint);
  }

  public Job withReplyTo(String topic) {
    return new Job(id, request, route, topic, deadline, metadata, batch, betas, endpoint);
  }

  public Job withDeadline(Instant instant) {
    return new Job(id, request, route, replyTo, instant, metadata, batch, betas, endpoint);
  }

  public Job withBatch(String id) {
    return new Job(this.id, request, route, replyTo, deadline, metadata, id, betas, endpoint);
  }

  public Job withMetadata(JsonNode node) {
    return new Job(id, request, route, replyTo, deadline, node, batch, betas, endpoint);
  }

  /** The job for {@code e}. */
  public Job withEndpoint(Endpoint e) {
    return new Job(id, request, route, replyTo, deadline, metadata, batch, betas, e);
  }

  /** The job with these {@code anthropic-beta} names. */
  public Job withBetas(List<String> names) {
    return new Job(id, request, route, replyTo, deadline, metadata, batch, names, endpoint);
  }
}
