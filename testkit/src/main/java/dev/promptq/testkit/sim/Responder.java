package dev.promptq.testkit.sim;

import java.util.Optional;

/**
 * Decides the simulator's answer to a valid request before the default success answer.
 *
 * <p>This is where the simulator grows: quota windows, token expiry and injected faults are
 * responders. Return empty to let the next responder (or the default answer) decide.
 * Called from several threads at once; implementations must be thread-safe.
 */
@FunctionalInterface
public interface Responder {
  Optional<SimResponse> answer(SimRequest request);
}
