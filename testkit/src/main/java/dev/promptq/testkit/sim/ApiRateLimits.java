package dev.promptq.testkit.sim;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The api route's rate limits as Anthropic applies them to an API key: requests, input tokens and
 * output tokens per minute, each a token bucket that holds at most its limit and refills
 * continuously. A request is admitted when every bucket holds what it needs: one request, its
 * input tokens, and its {@code max_tokens} of output (the API estimates output from
 * {@code max_tokens} at the start and settles it with the answer's usage); else it is answered
 * 429 {@code rate_limit_error} with {@code retry-after}. Every api answer carries
 * {@code anthropic-ratelimit-{requests,input-tokens,output-tokens}-{limit,remaining,reset}}
 * (reset as RFC 3339: when the bucket will be full again).
 *
 * <p>{@code period} is a minute on the real API; tests compress it. Thread-safe.
 */
public final class ApiRateLimits {
  /**
   * The limits.
   *
   * @param requests requests per period (0: no limit)
   * @param inputTokens uncached input tokens per period (0: no limit)
   * @param outputTokens output tokens per period (0: no limit)
   * @param period a minute on the real API
   */
  public record Limits(long requests, long inputTokens, long outputTokens, Duration period) {
    public Limits {
      if (requests < 0 || inputTokens < 0 || outputTokens < 0 || period == null || period.isZero()
          || period.isNegative()) {
        throw new IllegalArgumentException("api limits: non-negative limits and a positive period required");
      }
    }

    public static Limits perMinute(long requests, long inputTokens, long outputTokens) {
      return new Limits(requests, inputTokens, outputTokens, Duration.ofMinutes(1));
    }
  }

  /** What an admitted request took from the buckets, to settle with its answer. */
  record Taken(long input, long output) {}

  /** Admitted with what it took, or refused with the 429's headers. */
  record Admission(Taken taken, Map<String, String> refusal) {}

  private final Bucket requests;
  private final Bucket input;
  private final Bucket output;
  private final Clock clock;

  ApiRateLimits(Limits limits, Clock clock) {
    this.clock = clock;
    this.requests = new Bucket("requests", limits.requests(), limits.period());
    this.input = new Bucket("input-tokens", limits.inputTokens(), limits.period());
    this.output = new Bucket("output-tokens", limits.outputTokens(), limits.period());
  }

  /** The input tokens the simulator bills a request (its default answer's {@code usage.input_tokens}). */
  static long inputTokens(JsonNode body) {
    return Math.max(1, body.get("messages").toString().length() / 4);
  }

  /** Admits a request for {@code body}, or refuses it with the headers of a 429. */
  synchronized Admission admit(JsonNode body) {
    Instant now = clock.instant();
    long in = inputTokens(body);
    long out = body.path("max_tokens").asLong(0);
    double wait = Math.max(requests.waitFor(1, now), Math.max(input.waitFor(in, now), output.waitFor(out, now)));
    if (wait > 0) {
      Map<String, String> h = headers(now);
      h.put("retry-after", Long.toString((long) Math.ceil(wait)));
      return new Admission(null, h);
    }
    requests.take(1);
    input.take(in);
    output.take(out);
    return new Admission(new Taken(in, out), null);
  }

  /**
   * Settles an admitted request: a success gives back the output it reserved beyond what it used;
   * an error gives back everything (nothing was processed). Returns the headers of the answer.
   */
  synchronized Map<String, String> settle(Taken taken, int status, JsonNode answer) {
    Instant now = clock.instant();
    if (status == 200) {
      long used = answer.path("usage").path("output_tokens").asLong(taken.output());
      output.giveBack(Math.max(0, taken.output() - used), now);
    } else {
      requests.giveBack(1, now);
      input.giveBack(taken.input(), now);
      output.giveBack(taken.output(), now);
    }
    return headers(now);
  }

  private Map<String, String> headers(Instant now) {
    Map<String, String> h = new LinkedHashMap<>();
    requests.headers(h, now);
    input.headers(h, now);
    output.headers(h, now);
    return h;
  }

  /** One limit: holds at most {@code limit}, refills {@code limit} per period. Guarded by the outer instance. */
  private static final class Bucket {
    private final String name;
    private final long limit;
    private final double perSecond;
    private double level;
    private Instant at = Instant.MIN;

    Bucket(String name, long limit, Duration period) {
      this.name = name;
      this.limit = limit;
      this.perSecond = limit / (period.toNanos() / 1e9);
      this.level = limit;
    }

    private void refill(Instant now) {
      if (!at.equals(Instant.MIN)) {
        level = Math.min(limit, level + perSecond * Duration.between(at, now).toNanos() / 1e9);
      }
      at = now;
    }

    /** Seconds until the bucket holds {@code n} (a request larger than the whole limit waits for a full bucket). */
    double waitFor(long n, Instant now) {
      if (limit == 0) {
        return 0;
      }
      refill(now);
      double need = Math.min(n, limit);
      return level >= need ? 0 : (need - level) / perSecond;
    }

    void take(long n) {
      if (limit > 0) {
        level -= n;  // may go below 0 for a request larger than the limit: it waits for the refill
      }
    }

    void giveBack(long n, Instant now) {
      if (limit > 0) {
        refill(now);
        level = Math.min(limit, level + n);
      }
    }

    void headers(Map<String, String> h, Instant now) {
      if (limit == 0) {
        return;
      }
      refill(now);
      long remaining = (long) Math.max(0, Math.floor(level));
      Instant full = now.plusNanos((long) ((limit - Math.max(0, level)) / perSecond * 1e9));
      h.put("anthropic-ratelimit-" + name + "-limit", Long.toString(limit));
      h.put("anthropic-ratelimit-" + name + "-remaining", Long.toString(remaining));
      h.put("anthropic-ratelimit-" + name + "-reset", full.toString());
    }
  }
}
