package dev.promptq.usage;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The tokens of one answer by the way the API prices them.
 *
 * @param input uncached input tokens ({@code input_tokens})
 * @param output output tokens, thinking included ({@code output_tokens})
 * @param cacheWrite5m input written to the five-minute cache
 * @param cacheWrite1h input written to the one-hour cache
 * @param cacheRead input read from the cache ({@code cache_read_input_tokens})
 */
public record Tokens(long input, long output, long cacheWrite5m, long cacheWrite1h, long cacheRead) {
  public static final Tokens NONE = new Tokens(0, 0, 0, 0, 0);

  public Tokens {
    if (input < 0 || output < 0 || cacheWrite5m < 0 || cacheWrite1h < 0 || cacheRead < 0) {
      throw new IllegalArgumentException("token counts must be >= 0");
    }
  }

  /**
   * Reads an answer's {@code usage} block. Cache writes are split by {@code cache_creation}'s
   * {@code ephemeral_5m_input_tokens} and {@code ephemeral_1h_input_tokens} when the answer has
   * them; otherwise all of {@code cache_creation_input_tokens} counts as five-minute writes (the
   * API's default). A missing or odd block reads as no tokens.
   */
  public static Tokens fromUsage(JsonNode usage) {
    if (usage == null || !usage.isObject()) {
      return NONE;
    }
    long written = count(usage, "cache_creation_input_tokens");
    JsonNode split = usage.path("cache_creation");
    long w1h = 0;
    long w5m = written;
    if (split.isObject()) {
      w1h = count(split, "ephemeral_1h_input_tokens");
      w5m = count(split, "ephemeral_5m_input_tokens");
      if (w5m + w1h == 0) {
        w5m = written;
      }
    }
    return new Tokens(count(usage, "input_tokens"), count(usage, "output_tokens"), w5m, w1h,
        count(usage, "cache_read_input_tokens"));
  }

  /** Both added. */
  public Tokens plus(Tokens o) {
    return new Tokens(input + o.input, output + o.output, cacheWrite5m + o.cacheWrite5m, cacheWrite1h + o.cacheWrite1h,
        cacheRead + o.cacheRead);
  }

  /** Cache writes of both durations. */
  public long cacheWrites() {
    return cacheWrite5m + cacheWrite1h;
  }

  /** Every token of the answer. */
  public long total() {
    return input + output + cacheWrite5m + cacheWrite1h + cacheRead;
  }

  private static long count(JsonNode n, String field) {
    JsonNode v = n.path(field);
    return v.canConvertToLong() && v.asLong() > 0 ? v.asLong() : 0;
  }
}
