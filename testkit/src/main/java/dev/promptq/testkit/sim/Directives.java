package dev.promptq.testkit.sim;

import dev.promptq.job.Route;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Answers a failure-table row on demand, asked for in the prompt itself, so one job can script
 * its own answers through a real worker:
 * <ul>
 *   <li>{@code [sim:overloaded]}: every request with this prompt gets a 529;
 *   <li>{@code [sim:subscription:quota_spent]}: only on the subscription route;
 *   <li>{@code [sim:api:server_error*2]}: the first two requests with this prompt on the api
 *       route get a 500, later ones the default answer.
 * </ul>
 * Names are {@link SimFault#wireName()}s. The counter of {@code *N} is per prompt text.
 */
public final class Directives implements Responder {
  private static final Pattern DIRECTIVE =
      Pattern.compile("\\[sim:(?:(subscription|api):)?([a-z_]+)(?:\\*(\\d+))?]");

  private final Clock clock;
  private final Duration quotaResetIn;
  private final ConcurrentHashMap<String, AtomicInteger> seen = new ConcurrentHashMap<>();

  /**
   * @param quotaResetIn how far after now the reset of a {@code quota_spent} answer lies
   */
  public Directives(Clock clock, Duration quotaResetIn) {
    this.clock = clock;
    this.quotaResetIn = quotaResetIn;
  }

  @Override
  public Optional<SimResponse> answer(SimRequest request) {
    String text = String.join("\n", DefaultMessage.lastUserTexts(request.body().get("messages")));
    Matcher m = DIRECTIVE.matcher(text);
    while (m.find()) {
      if (m.group(1) != null && Route.fromWireName(m.group(1)) != request.route()) {
        continue;
      }
      SimFault fault;
      try {
        fault = SimFault.fromWireName(m.group(2));
      } catch (IllegalArgumentException e) {
        return Optional.of(SimResponse.error(400, "invalid_request_error", "simulator directive: " + e.getMessage()));
      }
      if (m.group(3) != null) {
        int times = Integer.parseInt(m.group(3));
        int n = seen.computeIfAbsent(request.route() + "|" + m.group() + "|" + text, k -> new AtomicInteger())
            .incrementAndGet();
        if (n > times) {
          continue;
        }
      }
      return Optional.of(fault.response(clock.instant().plus(quotaResetIn)));
    }
    return Optional.empty();
  }
}
