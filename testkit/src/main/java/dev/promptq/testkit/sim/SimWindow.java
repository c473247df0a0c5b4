package dev.promptq.testkit.sim;

import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * One of the subscription's usage windows in the simulator, weighted by what each call would cost
 * at API list prices (its tokens and its model), as Anthropic's plans weigh messages by size and
 * model. The answers report each window's utilisation ({@code used / capacityUsd}, may exceed 1)
 * in {@code anthropic-ratelimit-unified-<name>-utilization}, with its status and reset.
 *
 * @param name the window's name in the headers: {@code 5h}, {@code 7d}, {@code 7d-sonnet}, ...
 * @param length how long the window lasts
 * @param capacityUsd what the window holds, in USD of calls at API list prices
 * @param sliding false: a fixed window that starts with the first call after the last one ended
 *     (a Claude plan's five-hour session); true: at most the capacity in any {@code length}
 * @param modelPrefix the models the window counts (a per-model weekly window), or null for all
 */
public record SimWindow(String name, Duration length, double capacityUsd, boolean sliding, String modelPrefix) {
  public SimWindow {
    Objects.requireNonNull(name, "name");
    if (!name.matches("[a-z0-9_-]{1,32}")) {
      throw new IllegalArgumentException("window name: " + name + " (lower-case letters, digits, - and _)");
    }
    if (length == null || length.isZero() || length.isNegative() || !(capacityUsd > 0)) {
      throw new IllegalArgumentException("window " + name + ": a positive length and capacity required");
    }
  }

  /**
   * Reads {@code NAME=DURATION:USD[:sliding][:models=PREFIX]}, e.g. {@code 5h=PT5H:20},
   * {@code 7d=P7D:100:sliding}, {@code 7d-sonnet=P7D:60:models=claude-sonnet}.
   *
   * @throws IllegalArgumentException naming what is wrong
   */
  public static SimWindow parse(String spec) {
    String[] nameRest = spec.split("=", 2);
    String[] parts = nameRest.length == 2 ? nameRest[1].split(":") : new String[0];
    if (parts.length < 2) {
      throw new IllegalArgumentException(spec + " (expected NAME=DURATION:USD[:sliding][:models=PREFIX], e.g. 5h=PT5H:20)");
    }
    Duration length;
    double usd;
    try {
      length = Duration.parse(parts[0]);
      usd = Double.parseDouble(parts[1]);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(spec + " (DURATION as ISO-8601, e.g. PT5H or P7D; USD a number)");
    }
    boolean sliding = false;
    String models = null;
    for (int i = 2; i < parts.length; i++) {
      if (parts[i].equals("sliding")) {
        sliding = true;
      } else if (parts[i].startsWith("models=") && parts[i].length() > "models=".length()) {
        models = parts[i].substring("models=".length());
      } else {
        throw new IllegalArgumentException(spec + " (unknown part " + parts[i] + ": sliding or models=PREFIX)");
      }
    }
    return new SimWindow(nameRest[0], length, usd, sliding, models);
  }

  /** A fixed window counting every model. */
  public static SimWindow fixed(String name, Duration length, double capacityUsd) {
    return new SimWindow(name, length, capacityUsd, false, null);
  }

  /** A sliding window counting every model. */
  public static SimWindow sliding(String name, Duration length, double capacityUsd) {
    return new SimWindow(name, length, capacityUsd, true, null);
  }

  /** This window counting only models whose id starts with {@code prefix}. */
  public SimWindow forModels(String prefix) {
    return new SimWindow(name, length, capacityUsd, sliding, prefix);
  }

  boolean counts(String model) {
    return modelPrefix == null || (model != null && model.startsWith(modelPrefix));
  }

  /** The window's claim name in {@code -representative-claim}: {@code five_hour}, {@code seven_day}, ... */
  String claim() {
    return switch (name) {
      case "5h" -> "five_hour";
      case "7d" -> "seven_day";
      default -> name.replace('-', '_').replace("7d", "seven_day").toLowerCase(Locale.ROOT);
    };
  }
}
