package dev.promptq.testkit.sim;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.promptq.job.Route;
import java.util.List;
import java.util.Map;

/**
 * A request that passed the simulator's checks (headers, credential, body), as a {@link Responder}
 * sees it.
 *
 * @param route which credential it carried
 * @param credentialFingerprint a one-way tag of the credential (never the credential)
 * @param headers request headers, lower-case names; the credential headers are removed
 * @param body the parsed request body
 */
public record SimRequest(Route route, String credentialFingerprint, Map<String, List<String>> headers, ObjectNode body) {
  public String model() {
    return body.path("model").asText();
  }

  /** The first value of header {@code name} (lower case), or null. */
  public String header(String name) {
    List<String> v = headers.get(name);
    return v == null || v.isEmpty() ? null : v.get(0);
  }
}
