package dev.promptq.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;

/**
 * Flat string settings from layered sources: a properties file, then environment variables, then
 * command-line flags, each layer overriding the one before.
 *
 * <p>Keys are dotted ({@code bootstrap.servers}); an environment variable maps to a key through
 * the table given to {@link #load}. Keys starting with {@code kafka.} pass through, prefix
 * stripped, to every Kafka client ({@link #kafkaProperties()}). Typed getters fail with
 * {@code "key: value"} messages. Immutable.
 */
public final class Settings {

  /** Prefix of keys passed through to the Kafka clients. */
  public static final String KAFKA_PREFIX = "kafka.";

  private final Map<String, String> values;

  private Settings(Map<String, String> values) {
    this.values = Collections.unmodifiableMap(new TreeMap<>(values));
  }

  public static Settings of(Map<String, String> values) {
    return new Settings(values);
  }

  /**
   * Layers the sources.
   *
   * @param file a properties file, or null for none
   * @param env the process environment
   * @param envKeys environment variable name to setting key, e.g. {@code PROMPTQ_BOOTSTRAP_SERVERS
   *     -> bootstrap.servers}
   * @param flags settings given on the command line; null values are ignored
   * @throws IllegalArgumentException if the file cannot be read
   */
  public static Settings load(Path file, Map<String, String> env, Map<String, String> envKeys,
      Map<String, String> flags) {
    Map<String, String> merged = new LinkedHashMap<>();
    if (file != null) {
      Properties props = new Properties();
      try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
        props.load(r);
      } catch (IOException e) {
        throw new IllegalArgumentException("config file: cannot read " + file + ": " + e.getMessage(), e);
      }
      props.stringPropertyNames().forEach(k -> merged.put(k, props.getProperty(k).strip()));
    }
    envKeys.forEach((var, key) -> {
      String v = env.get(var);
      if (v != null && !v.isBlank()) {
        merged.put(key, v.strip());
      }
    });
    flags.forEach((k, v) -> {
      if (v != null) {
        merged.put(k, v);
      }
    });
    return new Settings(merged);
  }

  public Optional<String> get(String key) {
    return Optional.ofNullable(values.get(key));
  }

  public String get(String key, String defaultValue) {
    return values.getOrDefault(key, defaultValue);
  }

  /** The value of {@code key} as a secret, if set. */
  public Optional<Secret> secret(String key) {
    return get(key).filter(v -> !v.isBlank()).map(Secret::of);
  }

  /**
   * The value of {@code key} as an int within {@code [min, max]}.
   *
   * @throws IllegalArgumentException {@code "key: value (why)"} when malformed or out of range
   */
  public int getInt(String key, int defaultValue, int min, int max) {
    return number(key, defaultValue, min, max, Integer::parseInt, "not an integer");
  }

  /** The value of {@code key} as a long within {@code [min, max]}; errors as {@link #getInt}. */
  public long getLong(String key, long defaultValue, long min, long max) {
    return number(key, defaultValue, min, max, Long::parseLong, "not an integer");
  }

  /** The value of {@code key} as a decimal number within {@code [min, max]}; errors as {@link #getInt}. */
  /** A duration given in milliseconds under {@code key}, or {@code defaultValue}. */
  public java.time.Duration millis(String key, java.time.Duration defaultValue, long minMillis, long maxMillis) {
    return java.time.Duration.ofMillis(getLong(key, defaultValue.toMillis(), minMillis, maxMillis));
  }

  /** {@code ~/x} is {@code x} in the user's home directory. */
  public static java.nio.file.Path expandHome(String path) {
    return path.equals("~") || path.startsWith("~/")
        ? java.nio.file.Path.of(System.getProperty("user.home")).resolve(path.substring(Math.min(2, path.length())))
        : java.nio.file.Path.of(path);
  }

  public double getDouble(String key, double defaultValue, double min, double max) {
    return number(key, defaultValue, min, max, Double::parseDouble, "not a number");
  }

  private <T extends Comparable<T>> T number(String key, T defaultValue, T min, T max,
      java.util.function.Function<String, T> parse, String notANumber) {
    String v = values.get(key);
    if (v == null) {
      return defaultValue;
    }
    T parsed;
    try {
      parsed = parse.apply(v.strip());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key + ": " + v + " (" + notANumber + ")");
    }
    if (parsed.compareTo(min) < 0 || parsed.compareTo(max) > 0) {  // NaN compares above every number
      throw new IllegalArgumentException(key + ": " + v + " (must be between " + min + " and " + max + ")");
    }
    return parsed;
  }

  /**
   * True for keys whose values are secrets by their name (SASL and SSL passwords, JAAS configs,
   * tokens, keys): their values are never printed.
   */
  public static boolean isSecretKey(String key) {
    String k = key.toLowerCase(java.util.Locale.ROOT);
    return k.contains("password") || k.contains("secret") || k.contains("jaas") || k.contains("token")
        || k.contains("credential") || k.endsWith(".key") || k.contains("api.key") || k.contains("keystore.key")
        || k.contains("private");
  }

  /** {@code values} with the value of every {@link #isSecretKey secret-looking} key replaced, for printing. */
  public static Map<String, Object> redacted(Map<String, ?> values) {
    Map<String, Object> out = new TreeMap<>();
    values.forEach((k, v) -> out.put(k, isSecretKey(k) ? "[redacted]" : v));
    return out;
  }

  /** Every {@code kafka.*} setting with the prefix removed, for the Kafka clients. */
  public Map<String, Object> kafkaProperties() {
    Map<String, Object> out = new TreeMap<>();
    values.forEach((k, v) -> {
      if (k.startsWith(KAFKA_PREFIX) && k.length() > KAFKA_PREFIX.length()) {
        out.put(k.substring(KAFKA_PREFIX.length()), v);
      }
    });
    return out;
  }

  /**
   * Rejects keys that are neither in {@code known} nor {@code kafka.*}, suggesting the closest.
   *
   * @throws IllegalArgumentException naming the first unknown key
   */
  public void rejectUnknown(List<String> known) {
    for (String k : values.keySet()) {
      if (k.startsWith(KAFKA_PREFIX) || known.contains(k)) {
        continue;
      }
      String best = null;
      int bestDistance = Integer.MAX_VALUE;
      for (String candidate : known) {
        int d = distance(k, candidate);
        if (d < bestDistance) {
          bestDistance = d;
          best = candidate;
        }
      }
      String hint = best != null && bestDistance <= Math.max(2, k.length() / 3) ? " (did you mean " + best + "?)" : "";
      throw new IllegalArgumentException("unknown setting: " + k + hint);
    }
  }

  /** All settings, for diagnostics; callers must not print secret keys. */
  public Map<String, String> asMap() {
    return values;
  }

  private static int distance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }

  @Override
  public String toString() {
    return "Settings" + values.keySet();
  }
}
