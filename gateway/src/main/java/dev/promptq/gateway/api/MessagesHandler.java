package dev.promptq.gateway.api;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.promptq.gateway.keys.KeyLimits;
import dev.promptq.gateway.keys.PromptqKey;
import dev.promptq.job.Endpoint;
import dev.promptq.job.Job;
import dev.promptq.job.JobCodec;
import dev.promptq.job.JobResult;
import dev.promptq.job.MessageEvents;
import dev.promptq.job.RequestShape;
import dev.promptq.job.RoutePolicy;
import dev.promptq.producer.PromptQClient;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /v1/messages}: the request becomes a job; its result becomes the Messages API's
 * answer. The handler thread checks and publishes; the answer is written when the result comes,
 * on a writer thread, so a waiting caller holds no thread.
 *
 * <p>The job's deadline is the caller's time-out ({@code x-stainless-timeout}, which the SDKs
 * send, else {@link ApiSettings#defaultTimeout()}): a job still waiting when its caller has given
 * up is answered {@code expired} by the worker without a call. A request is not queued at all when
 * the expected wait ({@link LaneWait}) is already longer than its time-out: it is answered 529 with
 * {@code retry-after}.
 */
final class MessagesHandler implements HttpHandler {
  private static final Logger log = LoggerFactory.getLogger(MessagesHandler.class);
  /** Characters per delta of a streamed answer. */
  private static final int DELTA_CHARS = 64;
  /** How much longer than the caller's time-out the gateway waits for a result the worker ends. */
  private static final Duration RESULT_GRACE = Duration.ofSeconds(5);
  static final String ROUTE_HEADER = "promptq-route";

  private final ApiSettings settings;
  private final Callers callers;
  private final KeyLimits limits;
  private final PromptQClient client;
  private final GatewayMetrics metrics;
  private final Executor writers;
  private final Clock clock;
  private final RequestBody bodies;
  private final JobCodec codec;
  private final LaneWait laneWait = new LaneWait(System::nanoTime);
  private final Endpoint endpoint;

  /** @param endpoint {@code messages}, or {@code count_tokens} for {@code /v1/messages/count_tokens} */
  MessagesHandler(ApiSettings settings, Callers callers, KeyLimits limits, PromptQClient client,
      GatewayMetrics metrics, Executor writers, Clock clock, Endpoint endpoint) {
    this.endpoint = endpoint;
    this.settings = settings;
    this.callers = callers;
    this.limits = limits;
    this.client = client;
    this.metrics = metrics;
    this.writers = writers;
    this.clock = clock;
    this.bodies = new RequestBody(settings.jobLimits().maxJobBytes(), settings.jobLimits().maxDepth());
    this.codec = new JobCodec(settings.jobLimits());
  }

  @Override
  public void handle(HttpExchange ex) throws IOException {
    long start = System.nanoTime();
    String jobId = "gw" + HexFormat.of().formatHex(randomBytes(12));
    String requestId = "req_" + jobId;
    Optional<PromptqKey> key = Optional.empty();
    try {
      if (!ex.getRequestMethod().equals("POST")) {
        throw new RequestBody.Refused(405, "invalid_request_error", ex.getRequestMethod() + " is not allowed here");
      }
      key = Optional.of(callers.authenticate(ex));
      callers.checkVersion(ex);
      List<String> betas = Callers.betas(ex);
      ObjectNode request = bodies.read(ex);
      boolean count = endpoint == Endpoint.COUNT_TOKENS;
      boolean stream = !count && request.path("stream").asBoolean(false);
      if (!count) {
        request.remove("stream");
      }
      RoutePolicy policy = count ? key.get().policies().get(0) : policyOf(ex, key.get(), false);
      Optional<String> shape = RequestShape.problem(request, endpoint);
      if (shape.isPresent()) {
        throw new RequestBody.Refused(400, "invalid_request_error", shape.get());
      }
      Optional<KeyLimits.Refusal> refused = limits.check(key.get(), policy, request.path("model").asText());
      if (refused.isPresent()) {
        KeyLimits.Refusal r = refused.get();
        metrics.answered(key.get().name(), r.status(), start);
        Answers.error(ex, requestId, r.status(), r.type(), r.message(), r.retryAfterSeconds());
        return;
      }
      Duration timeout = callerTimeout(ex);
      OptionalLong retryAfter = laneWait.refusal(timeout);
      if (retryAfter.isPresent()) {
        metrics.answered(key.get().name(), 529, start);
        Answers.error(ex, requestId, 529, "overloaded_error", String.format(Locale.ROOT, "promptq: the expected wait "
            + "(%.0f s) is longer than this request's time-out (%d s); retry later", laneWait.expectedSeconds(),
            timeout.toSeconds()), retryAfter.getAsLong());
        return;
      }
      Job job = new Job(jobId, request, policy, settings.replyTopic(), clock.instant().plus(timeout),
          JsonNodeFactory.instance.objectNode().put("promptq_key", key.get().name()), null, betas, endpoint);
      if (codec.encodeJob(job).length > settings.jobLimits().maxJobBytes()) {
        throw new RequestBody.Refused(413, "request_too_large", "the request as a job exceeds "
            + settings.jobLimits().maxJobBytes() + " bytes (job.max.bytes)");
      }
      PromptqKey caller = key.get();
      CompletableFuture<JobResult> answered = client.submitAndAwait(job, timeout.plus(RESULT_GRACE));
      laneWait.started();
      answered.whenCompleteAsync((result, failure) -> {
        laneWait.answered();
        answer(ex, requestId, caller, stream, result, failure, start);
      }, writers);
    } catch (RequestBody.Refused r) {
      metrics.answered(key.map(PromptqKey::name).orElse(""), r.status, start);
      Answers.error(ex, requestId, r.status, r.type, r.getMessage(), 0);
    } catch (RuntimeException e) {
      log.warn("request {} could not be queued: {}", requestId, e.toString());
      metrics.answered(key.map(PromptqKey::name).orElse(""), 529, start);
      Answers.error(ex, requestId, 529, "overloaded_error", "promptq could not queue the request; try again", 5);
    }
  }

  private void answer(HttpExchange ex, String requestId, PromptqKey key, boolean stream, JobResult result,
      Throwable failure, long start) {
    try {
      if (failure != null) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        limits.record(key, Optional.empty());
        metrics.answered(key.name(), 529, start);
        if (cause instanceof TimeoutException) {
          Answers.error(ex, requestId, 529, "overloaded_error", "promptq: no result within the caller's time-out", 0);
        } else {
          log.warn("request {} failed in Kafka: {}", requestId, cause.toString());
          Answers.error(ex, requestId, 529, "overloaded_error", "promptq could not queue the request; try again", 5);
        }
        return;
      }
      limits.record(key, Optional.of(result));
      metrics.cost(key.name(), result.apiCostUsd());
      ResultAnswer a = ResultAnswer.of(result);
      metrics.answered(key.name(), a.status(), start);
      Map<String, String> headers = new LinkedHashMap<>();
      headers.put("promptq-job-id", result.id());
      if (result.route() != null) {
        headers.put("promptq-route", result.route().wireName());
      }
      if (a.status() != 200) {
        ObjectNode body = Answers.errorBody(a.errorType(), a.message(), requestId);
        Answers.json(ex, requestId, a.status(), body, headers);
      } else if (stream) {
        Answers.events(ex, requestId, MessageEvents.of(result.message(), DELTA_CHARS), headers);
      } else {
        Answers.json(ex, requestId, 200, result.message(), headers);
      }
    } catch (IOException | RuntimeException e) {
      log.debug("answering {}: the caller went away ({})", requestId, e.toString());
      ex.close();
    }
  }

  /**
   * The route policy a request asks for ({@code promptq-route}), else the key's first. A single
   * message may not ask for {@code api_batch}; a Message Batch may.
   */
  static RoutePolicy policyOf(HttpExchange ex, PromptqKey key, boolean batch) throws RequestBody.Refused {
    String asked = ex.getRequestHeaders().getFirst(ROUTE_HEADER);
    if (asked == null || asked.isBlank()) {
      return key.policies().get(0);
    }
    RoutePolicy p;
    try {
      p = RoutePolicy.fromWireName(asked.trim());
    } catch (IllegalArgumentException e) {
      throw new RequestBody.Refused(400, "invalid_request_error", ROUTE_HEADER + ": unknown route policy " + asked);
    }
    if (p == RoutePolicy.API_BATCH && !batch) {
      throw new RequestBody.Refused(400, "invalid_request_error", ROUTE_HEADER
          + ": api_batch answers within 24 h; send such requests to /v1/messages/batches");
    }
    return p;
  }

  /** The caller's time-out: {@code x-stainless-timeout} (seconds), within 1 s and the configured most. */
  private Duration callerTimeout(HttpExchange ex) {
    String given = ex.getRequestHeaders().getFirst("x-stainless-timeout");
    Duration d = settings.defaultTimeout();
    if (given != null) {
      try {
        d = Duration.ofMillis((long) (Double.parseDouble(given.trim()) * 1000));
      } catch (NumberFormatException e) {
        // an unreadable time-out is the default one
      }
    }
    if (d.compareTo(Duration.ofSeconds(1)) < 0) {
      d = Duration.ofSeconds(1);
    }
    return d.compareTo(settings.maxTimeout()) > 0 ? settings.maxTimeout() : d;
  }

  private static byte[] randomBytes(int n) {
    byte[] b = new byte[n];
    ThreadLocalRandom.current().nextBytes(b);
    return b;
  }
}
