package dev.promptq.testkit.sim;

import dev.promptq.job.Route;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Answers faults at random with given probabilities, on one route or both: for demos and soak
 * runs ({@code ./promptq sim --fault overloaded=0.05}).
 */
public final class RandomFaults implements Responder {
  private final Map<SimFault, Double> probabilities;
  private final Route onlyRoute;
  private final Clock clock;
  private final Duration quotaResetIn;

  /**
   * @param probabilities each in [0, 1], their sum at most 1
   * @param onlyRoute the route to affect, or null for both
   */
  public RandomFaults(Map<SimFault, Double> probabilities, Route onlyRoute, Clock clock, Duration quotaResetIn) {
    double sum = 0;
    for (Map.Entry<SimFault, Double> e : probabilities.entrySet()) {
      if (e.getValue() < 0 || e.getValue() > 1) {
        throw new IllegalArgumentException(e.getKey().wireName() + ": " + e.getValue() + " (must be in [0, 1])");
      }
      sum += e.getValue();
    }
    if (sum > 1.0 + 1e-9) {
      throw new IllegalArgumentException("fault probabilities add up to " + sum + " (must be at most 1)");
    }
    this.probabilities = new EnumMap<>(probabilities);
    this.onlyRoute = onlyRoute;
    this.clock = clock;
    this.quotaResetIn = quotaResetIn;
  }

  @Override
  public Optional<SimResponse> answer(SimRequest request) {
    if (onlyRoute != null && request.route() != onlyRoute) {
      return Optional.empty();
    }
    double draw = ThreadLocalRandom.current().nextDouble();
    for (Map.Entry<SimFault, Double> e : probabilities.entrySet()) {
      draw -= e.getValue();
      if (draw < 0) {
        return Optional.of(e.getKey().response(clock.instant().plus(quotaResetIn)));
      }
    }
    return Optional.empty();
  }
}
