package dev.promptq.testkit.sim;

import dev.promptq.job.Route;
import java.time.Instant;

/**
 * One request the simulator answered, for test assertions.
 *
 * @param route the credential kind it carried, or null when it carried none or both
 * @param status the status answered
 * @param errorType the error type answered, or null on success
 * @param model the requested model, or null
 * @param at when it arrived
 */
public record RecordedCall(Route route, int status, String errorType, String model, Instant at) {}
