package dev.promptq.usage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * API list prices per model, as data: the table shipped in {@code prices.json} (with its source
 * and the day it was checked), overlaid by the operator's file ({@code prices.file}) and entries
 * ({@code api.prices}). Immutable.
 *
 * <p>A model is found by its id, or by its id with a snapshot date ({@code claude-opus-4-5-20251101}
 * is {@code claude-opus-4-5}); nothing else matches, so a new model is unknown rather than priced as
 * its older namesake. The report shows an unknown model's tokens without a price and says so;
 * a worker's budget counts it at {@link #highest()} (see {@link #budgetCost}).
 */
public final class PriceTable {
  private static final Pattern SNAPSHOT = Pattern.compile("-\\d{8}$");
  private static final ObjectMapper MAPPER = new ObjectMapper();

  /**
   * One model's prices.
   *
   * @param model the model id
   * @param input USD per million uncached input tokens
   * @param output USD per million output tokens
   * @param retired the day the API stopped serving it, or null; kept so older usage still prices
   */
  public record ModelPrice(String model, double input, double output, LocalDate retired) {
    public ModelPrice {
      if (model == null || model.isBlank()) {
        throw new IllegalArgumentException("a price needs a model id");
      }
      if (!(input >= 0) || !(output >= 0)) {
        throw new IllegalArgumentException(model + ": prices must be numbers >= 0");
      }
    }
  }

  /**
   * Multipliers of the input or whole price, as the API bills them.
   *
   * @param cacheWrite5m of the input price, for five-minute cache writes (1.25)
   * @param cacheWrite1h of the input price, for one-hour cache writes (2)
   * @param cacheRead of the input price, for cache reads (0.1)
   * @param batch of every price, for Message Batches (0.5)
   */
  public record Factors(double cacheWrite5m, double cacheWrite1h, double cacheRead, double batch) {}

  private final Map<String, ModelPrice> models;
  private final Factors factors;
  private final String source;
  private final String checked;

  private PriceTable(Map<String, ModelPrice> models, Factors factors, String source, String checked) {
    this.models = Map.copyOf(models);
    this.factors = factors;
    this.source = source;
    this.checked = checked;
  }

  /** The shipped table, read once: immutable, so every user can share it. */
  private static final class Shipped {
    static final PriceTable TABLE = load();
  }

  /** The table shipped with promptq. */
  public static PriceTable defaults() {
    return Shipped.TABLE;
  }

  private static PriceTable load() {
    try (InputStream in = PriceTable.class.getResourceAsStream("prices.json")) {
      if (in == null) {
        throw new IllegalStateException("prices.json is missing from the classpath");
      }
      return read(MAPPER.readTree(in), "prices.json", null);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The shipped table overlaid by a file in the same format (its models replace or add by id;
   * its factors, source and date, where given, replace the shipped ones) and then by {@code spec}
   * entries {@code model:input:output}, comma-separated.
   *
   * @param file a JSON price file, or null
   * @param spec entries, or null or blank
   * @throws IllegalArgumentException naming the bad file or entry
   */
  public static PriceTable of(Path file, String spec) {
    PriceTable t = defaults();
    if (file != null) {
      JsonNode n;
      try {
        n = MAPPER.readTree(Files.readAllBytes(file));
      } catch (IOException e) {
        throw new IllegalArgumentException("prices.file: cannot read " + file + ": " + e.getMessage());
      }
      t = read(n, "prices.file " + file, t);
    }
    return spec == null || spec.isBlank() ? t : t.with(spec);
  }

  /** This table with {@code model:input:output} entries added or replaced. */
  public PriceTable with(String spec) {
    Map<String, ModelPrice> m = new LinkedHashMap<>(models);
    for (String item : spec.split(",")) {
      String[] p = item.trim().split(":");
      try {
        if (p.length != 3 || p[0].isBlank()) {
          throw new IllegalArgumentException("expected model:input:output");
        }
        ModelPrice price = new ModelPrice(p[0].trim(), Double.parseDouble(p[1].trim()), Double.parseDouble(p[2].trim()),
            null);
        m.put(price.model(), price);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("api.prices: " + item.trim() + " (" + e.getMessage()
            + "; expected model:input:output in USD per million tokens)");
      }
    }
    return new PriceTable(m, factors, source, checked);
  }

  private static PriceTable read(JsonNode n, String origin, PriceTable base) {
    if (!n.isObject() || (base == null && !n.path("models").isArray())) {
      throw new IllegalArgumentException(origin + ": expected an object with a \"models\" array");
    }
    Map<String, ModelPrice> m = new LinkedHashMap<>(base == null ? Map.of() : base.models);
    for (JsonNode e : n.path("models")) {
      try {
        LocalDate retired = e.path("retired").isTextual() ? LocalDate.parse(e.get("retired").asText()) : null;
        if (!e.path("input").isNumber() || !e.path("output").isNumber()) {
          throw new IllegalArgumentException("input and output must be numbers");
        }
        ModelPrice p = new ModelPrice(e.path("model").asText(""), e.get("input").asDouble(), e.get("output").asDouble(),
            retired);
        m.put(p.model(), p);
      } catch (IllegalArgumentException | DateTimeParseException ex) {
        throw new IllegalArgumentException(origin + ": model entry " + e + ": " + ex.getMessage());
      }
    }
    Factors f = base == null ? new Factors(1.25, 2, 0.1, 0.5) : base.factors;
    f = new Factors(factor(n, "cache_write_5m", f.cacheWrite5m(), origin), factor(n, "cache_write_1h", f.cacheWrite1h(), origin),
        factor(n, "cache_read", f.cacheRead(), origin), factor(n, "batch", f.batch(), origin));
    String source = n.path("source").isTextual() ? n.get("source").asText() : base == null ? origin : base.source;
    String checked = n.path("checked").isTextual() ? n.get("checked").asText() : base == null ? "unknown" : base.checked;
    return new PriceTable(m, f, source, checked);
  }

  private static double factor(JsonNode n, String field, double otherwise, String origin) {
    if (!n.has(field)) {
      return otherwise;
    }
    if (!n.get(field).isNumber() || n.get(field).asDouble() < 0) {
      throw new IllegalArgumentException(origin + ": " + field + " must be a number >= 0");
    }
    return n.get(field).asDouble();
  }

  /** The price of {@code model}, matched by id or id plus snapshot date; empty when unknown. */
  public Optional<ModelPrice> find(String model) {
    if (model == null) {
      return Optional.empty();
    }
    ModelPrice p = models.get(model);
    return p != null ? Optional.of(p) : Optional.ofNullable(models.get(SNAPSHOT.matcher(model).replaceFirst("")));
  }

  /**
   * What {@code tokens} of {@code model} cost at list prices, halved (by the batch factor) for
   * Message Batches; empty when the model is unknown.
   */
  public Optional<Double> cost(String model, Tokens tokens, boolean batch) {
    return find(model).map(p -> cost(p, tokens, batch));
  }

  /**
   * The cost a worker counts against its budgets: the list price, or for an unknown model the
   * {@link #highest()} prices, so a budget errs on the safe side (the worker warns about it).
   */
  public double budgetCost(String model, Tokens tokens, boolean batch) {
    return cost(find(model).orElse(highest()), tokens, batch);
  }

  private double cost(ModelPrice p, Tokens t, boolean batch) {
    double usd = (t.input() * p.input() + t.cacheWrite5m() * p.input() * factors.cacheWrite5m()
        + t.cacheWrite1h() * p.input() * factors.cacheWrite1h() + t.cacheRead() * p.input() * factors.cacheRead()
        + t.output() * p.output()) / 1_000_000;
    return batch ? usd * factors.batch() : usd;
  }

  /** The highest input and the highest output price of the table (of any models). */
  public ModelPrice highest() {
    return new ModelPrice("highest in the table",
        models.values().stream().mapToDouble(ModelPrice::input).max().orElse(0),
        models.values().stream().mapToDouble(ModelPrice::output).max().orElse(0), null);
  }

  public Collection<ModelPrice> models() {
    return models.values();
  }

  public Factors factors() {
    return factors;
  }

  /** Where the prices come from. */
  public String source() {
    return source;
  }

  /** The day the prices were checked against their source. */
  public String checked() {
    return checked;
  }

  @Override
  public String toString() {
    return "PriceTable[" + models.size() + " models, checked " + checked + "]";
  }
}
