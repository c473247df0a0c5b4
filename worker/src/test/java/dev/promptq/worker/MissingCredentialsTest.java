package dev.promptq.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.promptq.worker.credentials.Credentials;
import dev.promptq.worker.credentials.MissingCredentialsException;
import org.junit.jupiter.api.Test;

class MissingCredentialsTest {

  @Test
  void aWorkerWithNoCredentialsRefusesToStartNamingTheVariables() {
    // No broker is needed: the check comes before any connection.
    WorkerConfig config = WorkerConfig.builder("127.0.0.1:1").credentials(Credentials.none()).build();

    MissingCredentialsException e = assertThrows(MissingCredentialsException.class, () -> Worker.start(config));

    assertEquals("no credentials: set CLAUDE_CODE_OAUTH_TOKEN (subscription; `claude setup-token` prints one)"
        + " and/or ANTHROPIC_API_KEY (pay-per-token API), or PROMPTQ_CREDENTIALS_KEY to use the subscription"
        + " credentials the group shares", e.getMessage());
  }
}
