package dev.promptq.worker.spend;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * API list prices per model, in USD per million tokens, matched by the longest model-id prefix.
 * Cache writes cost 1.25 times the input price and cache reads 0.1 times, as Anthropic bills them.
 * A model no prefix matches is priced at the table's highest prices, so a budget errs on the safe
 * side. Immutable.
 *
 * <p>The defaults are Anthropic's published list prices when this was written; set
 * {@code api.prices} to your own.
 */
public final class PriceTable {

  /** Input and output price, USD per million tokens. */
  public record Price(double inputPerMTok, double outputPerMTok) {
    public Price {
      if (inputPerMTok < 0 || outputPerMTok < 0) {
        throw new IllegalArgumentException("prices must be >= 0");
      }
    }
  }

  private final Map<String, Price> byPrefix;
  private final Price fallback;

  private PriceTable(Map<String, Price> byPrefix) {
    this.byPrefix = Map.copyOf(byPrefix);
    this.fallback = new Price(
        byPrefix.values().stream().mapToDouble(Price::inputPerMTok).max().orElse(0),
        byPrefix.values().stream().mapToDouble(Price::outputPerMTok).max().orElse(0));
  }

  public static PriceTable defaults() {
    Map<String, Price> m = new LinkedHashMap<>();
    // List prices, December 2026 (platform.claude.com model pages; ../shared/ANTHROPIC-API.md).
    m.put("claude-fable", new Price(10, 50));
    m.put("claude-mythos", new Price(10, 50));
    m.put("claude-opus-5-5", new Price(4, 20));
    m.put("claude-opus-5", new Price(5, 25));
    m.put("claude-opus-4-8", new Price(5, 25));
    m.put("claude-opus-4-7", new Price(5, 25));
    m.put("claude-opus-4-6", new Price(5, 25));
    m.put("claude-opus-4-5", new Price(5, 25));
    m.put("claude-opus-4-1", new Price(15, 75));
    m.put("claude-opus-4", new Price(15, 75));
    m.put("claude-opus", new Price(15, 75));
    m.put("claude-sonnet-5", new Price(2, 10));
    m.put("claude-sonnet", new Price(3, 15));
    m.put("claude-3-7-sonnet", new Price(3, 15));
    m.put("claude-3-5-sonnet", new Price(3, 15));
    m.put("claude-haiku-4-5", new Price(1, 5));
    m.put("claude-haiku", new Price(1, 5));
    m.put("claude-3-5-haiku", new Price(0.8, 4));
    m.put("claude-3-haiku", new Price(0.25, 1.25));
    return new PriceTable(m);
  }

  /**
   * The defaults with entries added or replaced, from {@code prefix:input:output} items separated
   * by commas, e.g. {@code claude-sonnet:3:15,my-model:1:2}.
   *
   * @throws IllegalArgumentException naming the bad item
   */
  public static PriceTable parse(String spec) {
    Map<String, Price> m = new LinkedHashMap<>(defaults().byPrefix);
    if (spec != null && !spec.isBlank()) {
      for (String item : spec.split(",")) {
        String[] p = item.trim().split(":");
        try {
          if (p.length != 3 || p[0].isBlank()) {
            throw new IllegalArgumentException("expected prefix:input:output");
          }
          m.put(p[0].trim(), new Price(Double.parseDouble(p[1].trim()), Double.parseDouble(p[2].trim())));
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("api.prices: " + item.trim() + " (" + e.getMessage()
              + "; expected prefix:input:output in USD per million tokens)");
        }
      }
    }
    return new PriceTable(m);
  }

  public Price priceOf(String model) {
    return byPrefix.entrySet().stream()
        .filter(e -> model != null && model.startsWith(e.getKey()))
        .max(Comparator.comparingInt(e -> e.getKey().length()))
        .map(Map.Entry::getValue)
        .orElse(fallback);
  }

  /** The cost of one answer's {@code usage} block for {@code model}, in USD. */
  public double cost(String model, JsonNode usage) {
    Price p = priceOf(model);
    double input = usage.path("input_tokens").asDouble(0);
    double output = usage.path("output_tokens").asDouble(0);
    double cacheWrite = usage.path("cache_creation_input_tokens").asDouble(0);
    double cacheRead = usage.path("cache_read_input_tokens").asDouble(0);
    return (input * p.inputPerMTok() + cacheWrite * p.inputPerMTok() * 1.25 + cacheRead * p.inputPerMTok() * 0.1
        + output * p.outputPerMTok()) / 1_000_000;
  }
}
