package dev.promptq.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.promptq.config.Secret;
import dev.promptq.worker.credentials.CredentialSettings;
import dev.promptq.worker.credentials.GroupCredentials;
import dev.promptq.worker.credentials.SubscriptionGate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.logging.log4j.Level;
import org.junit.jupiter.api.Test;

/** A static token left in the environment wins over the group's shared credentials: the worker says so at start. */
class StaticTokenWarningTest {
  private static final String KEY = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

  private static final SubscriptionGate NO_GATE = new SubscriptionGate() {
    @Override
    public void close(Instant until, String reason) {}

    @Override
    public void reopen(Set<String> reasons) {}

    @Override
    public void schedule(Runnable task, Duration delay) {}
  };

  @Test
  void aStaticTokenNextToTheGroupsKeyIsOneWarningNamingBoth() {
    try (LogCapture logs = new LogCapture()) {
      new GroupCredentials(Optional.of(Secret.of("sk-ant-oat01-static")), CredentialSettings.defaults().withKey(
          Secret.of(KEY)), NO_GATE, Clock.systemUTC(), "w1");
      List<String> warnings = logs.messages(Level.WARN).stream().filter(m -> m.contains("CLAUDE_CODE_OAUTH_TOKEN"))
          .toList();
      assertEquals(1, warnings.size(), warnings.toString());
      assertEquals(true, warnings.get(0).contains("PROMPTQ_CREDENTIALS_KEY"), warnings.get(0));
    }
  }

  @Test
  void aStaticTokenAloneIsNotWarnedAbout() {
    try (LogCapture logs = new LogCapture()) {
      new GroupCredentials(Optional.of(Secret.of("sk-ant-oat01-static")), CredentialSettings.defaults(), NO_GATE,
          Clock.systemUTC(), "w1");
      assertEquals(List.of(), logs.messages(Level.WARN).stream().filter(m -> m.contains("CLAUDE_CODE_OAUTH_TOKEN"))
          .toList());
    }
  }
}
