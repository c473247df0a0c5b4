package dev.promptq.worker.quota;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Optional;

/**
 * The api route's rate limits, learned from its answers: requests, input tokens and output tokens
 * per minute, as the API applies them to a key (token buckets that refill continuously). Each
 * worker keeps its share of each bucket: a call reserves one request, an estimate of its input
 * tokens and its {@code max_tokens} of output before it starts ({@link #tryReserve}), as the API
 * does, and settles them with the answer's {@code usage} ({@link #settle}).
 *
 * <ul>
 *   <li><b>Limits</b>: {@code anthropic-ratelimit-<bucket>-limit}; a configured limit
 *       ({@code quota.api.input.tokens.per.minute}, {@code .output.}) is an upper bound, and the
 *       only one before the first answer. A bucket with neither is not limited.
 *   <li><b>Refill rate</b>: {@code (limit - remaining) / (reset - now)} from the answers (the
 *       reset is when the bucket is full again), else a minute's worth per minute.
 *   <li><b>The group</b>: this worker's bucket holds {@code share x} the limit and refills at
 *       {@code share x} the rate; every answer's {@code remaining} (what the whole key has left,
 *       other users included) caps it at {@code share x remaining}, so the group settles on what
 *       the API says rather than drifting.
 * </ul>
 * Thread-safe.
 */
public final class ApiLimits {
  /** What a call reserved; give it to {@link #settle}. */
  public record Reservation(long requests, long input, long output) {
    /** Nothing reserved (a call on the subscription). */
    public static final Reservation NONE = new Reservation(0, 0, 0);
  }

  /** One bucket's state, for status and metrics. */
  public record Bucket(String name, double limit, double perSecond, double level, double remaining) {}

  /** What an image or a document block counts for before the answer says (its bytes would overstate it). */
  static final long MEDIA_TOKENS = 1600;
  /** Calls in flight before the first answer has said what the limits are. */
  static final int FIRST_CALLS = 4;
  /** How soon a call held back for the first answer asks again. */
  private static final Duration FIRST_ANSWER_WAIT = Duration.ofMillis(50);

  private final Clock clock;
  private final Limit requests;
  private final Limit input;
  private final Limit output;
  /** No answer yet: until one says what the limits are, few calls go at once. */
  private boolean answered;
  private int inFlight;

  ApiLimits(double configuredInput, double configuredOutput, Clock clock) {
    this.clock = clock;
    this.requests = new Limit("requests", Double.NaN);
    this.input = new Limit("input-tokens", configuredInput);
    this.output = new Limit("output-tokens", configuredOutput);
  }

  /**
   * The input tokens a request is likely to be billed: a quarter of its messages', system
   * prompt's and tools' JSON length, with images and documents at {@link #MEDIA_TOKENS} each. An
   * estimate only: the answer's usage settles it.
   */
  public static long estimateInput(JsonNode request) {
    long chars = 0;
    long media = 0;
    for (String field : new String[] {"system", "messages", "tools"}) {
      JsonNode f = request.get(field);
      if (f != null) {
        chars += f.toString().length();
        for (JsonNode data : f.findValues("data")) {
          if (data.isTextual()) {
            chars -= data.asText().length();
            media++;
          }
        }
      }
    }
    return Math.max(1, chars / 4) + media * MEDIA_TOKENS;
  }

  /** The reservation a request needs: its estimated input and its {@code max_tokens}. */
  public static Reservation estimate(JsonNode request) {
    return new Reservation(1, estimateInput(request), Math.max(0, request.path("max_tokens").asLong(0)));
  }

  /**
   * Reserves {@code r} in this worker's buckets if they hold it now (a call larger than this
   * worker's whole share goes once its bucket is full), or says when they will.
   *
   * @param share this worker's share of the group (0..1; 0 taken as 1)
   * @return empty when reserved, else when to ask again
   */
  public synchronized Optional<Instant> tryReserve(Reservation r, double share) {
    Instant now = clock.instant();
    double s = share > 0 ? Math.min(1, share) : 1;
    if (!answered && !input.known() && !output.known() && inFlight >= FIRST_CALLS && r.requests() > 0) {
      return Optional.of(now.plus(FIRST_ANSWER_WAIT));
    }
    double wait = Math.max(requests.waitFor(r.requests(), s, now), Math.max(input.waitFor(r.input(), s, now),
        output.waitFor(r.output(), s, now)));
    if (wait > 0) {
      return Optional.of(now.plusNanos((long) Math.ceil(wait * 1e9)));
    }
    requests.take(r.requests());
    input.take(r.input());
    output.take(r.output());
    inFlight += (int) r.requests();
    return Optional.empty();
  }

  /**
   * Settles a call: a success's usage replaces what it reserved (uncached input: input plus cache
   * writes; output); a call without a success gives it all back. Then learns from the answer's
   * rate-limit headers (empty when there was no answer).
   */
  public synchronized void settle(Reservation r, int status, JsonNode usage, Map<String, String> headers, double share) {
    Instant now = clock.instant();
    double s = share > 0 ? Math.min(1, share) : 1;
    inFlight = Math.max(0, inFlight - (int) r.requests());
    answered |= status != 0;
    if (status == 200 && usage != null) {
      input.giveBack(r.input() - (usage.path("input_tokens").asLong(0)
          + usage.path("cache_creation_input_tokens").asLong(0)), s, now);
      output.giveBack(r.output() - usage.path("output_tokens").asLong(0), s, now);
    } else {
      requests.giveBack(r.requests(), s, now);
      input.giveBack(r.input(), s, now);
      output.giveBack(r.output(), s, now);
    }
    requests.learn(headers, s, now);
    input.learn(headers, s, now);
    output.learn(headers, s, now);
  }

  /**
   * Gives back everything a call reserved that never got an answer (it did not start, or broke
   * before an answer): nothing was processed. Nothing to do for {@link Reservation#NONE}.
   */
  public void release(Reservation r, double share) {
    if (!r.equals(Reservation.NONE)) {
      settle(r, 0, null, Map.of(), share);
    }
  }

  /** Each bucket now: its limit (NaN while unknown), refill per second, this worker's level, the key's remaining. */
  public synchronized java.util.List<Bucket> buckets() {
    return java.util.List.of(requests.view(), input.view(), output.view());
  }

  /** One limit and this worker's bucket of it. Guarded by the enclosing instance. */
  private static final class Limit {
    private final String name;
    private final double configured;
    private double limit;
    private double perSecond = Double.NaN;
    private double level = Double.NaN;
    private double remaining = Double.NaN;
    private Instant at;

    Limit(String name, double configured) {
      this.name = name;
      this.configured = configured > 0 ? configured : Double.NaN;
      this.limit = this.configured;
    }

    private boolean known() {
      return !Double.isNaN(limit);
    }

    private double rate() {
      return Double.isNaN(perSecond) ? limit / 60.0 : perSecond;
    }

    /** Refills this worker's bucket to now at its share. */
    private void refill(double s, Instant now) {
      if (Double.isNaN(level)) {
        level = s * limit;  // a bucket starts full, as the API's does
      } else if (at != null) {
        level += s * rate() * Duration.between(at, now).toNanos() / 1e9;
      }
      level = Math.min(level, s * limit);
      at = now;
    }

    double waitFor(long n, double s, Instant now) {
      if (!known() || n <= 0) {
        return 0;
      }
      refill(s, now);
      double need = Math.min(n, s * limit);
      return level >= need ? 0 : (need - level) / Math.max(1e-9, s * rate());
    }

    void take(long n) {
      if (known()) {
        level -= n;
      }
    }

    void giveBack(long n, double s, Instant now) {
      if (known()) {
        refill(s, now);
        level = Math.min(s * limit, level + n);
      }
    }

    /** Reads {@code -limit}, {@code -remaining} and {@code -reset} for this bucket from an answer. */
    void learn(Map<String, String> headers, double s, Instant now) {
      String prefix = "anthropic-ratelimit-" + name + "-";
      double l = number(headers.get(prefix + "limit"));
      if (!(l > 0)) {
        return;
      }
      limit = Double.isNaN(configured) ? l : Math.min(l, configured);
      double rem = number(headers.get(prefix + "remaining"));
      Instant reset = instant(headers.get(prefix + "reset"));
      if (!Double.isNaN(rem) && reset != null && rem < l) {
        double seconds = Duration.between(now, reset).toNanos() / 1e9;
        if (seconds > 0.05) {
          double sample = (l - rem) / seconds;
          perSecond = Double.isNaN(perSecond) ? sample : 0.8 * perSecond + 0.2 * sample;
        }
      }
      refill(s, now);
      if (!Double.isNaN(rem)) {
        remaining = rem;
        level = Math.min(level, s * rem);  // the key's own figure: what the group (and anyone else) left
      }
    }

    Bucket view() {
      return new Bucket(name, limit, known() ? rate() : Double.NaN, level, remaining);
    }

    private static double number(String s) {
      try {
        return s == null ? Double.NaN : Double.parseDouble(s.trim());
      } catch (NumberFormatException e) {
        return Double.NaN;
      }
    }

    private static Instant instant(String s) {
      try {
        return s == null ? null : java.time.OffsetDateTime.parse(s.trim()).toInstant();
      } catch (DateTimeParseException e) {
        return null;
      }
    }
  }
}
