package dev.promptq.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.promptq.config.Settings;
import dev.promptq.worker.Delivery;
import dev.promptq.worker.WorkerConfig;
import dev.promptq.worker.consume.Ordering;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/**
 * Every key a command has a flag for may also be given with {@code --set}, and reaches the
 * command's configuration: a flag that was not given leaves it alone.
 */
class SetOptionTest {
  private final StringWriter err = new StringWriter();

  private CommandLine parsed(String... args) {
    CommandLine cl = PromptQ.commandLine();
    cl.setErr(new PrintWriter(err, true));
    cl.parseArgs(args);
    return cl;
  }

  private static <T> T command(CommandLine cl, String... path) {
    CommandLine c = cl;
    for (String name : path) {
      c = c.getSubcommands().get(name);
    }
    return c.getCommand();
  }

  @Test
  void everyWorkerFlagsKeyGivenWithSetReachesTheWorkersConfiguration() {
    CommandLine cl = parsed("worker", "--set", "bootstrap.servers=broker-a:9093", "--set", "topic.prefix=team",
        "--set", "group.id=g1", "--set", "worker.id=w7", "--set", "anthropic.base.url=http://127.0.0.1:4010",
        "--set", "max.in.flight=10", "--set", "delivery=at_least_once", "--set", "ordering=key",
        "--set", "shutdown.grace.ms=1500", "--set", "ops.port=9464");
    WorkerConfig config = WorkerConfig.fromSettings(SetOptionTest.<WorkerCommand>command(cl, "worker").settings());

    assertEquals("broker-a:9093", config.bootstrapServers());
    assertEquals("team.jobs", config.topics().jobs());
    assertEquals("g1", config.groupId());
    assertEquals("w7", config.workerId());
    assertEquals("http://127.0.0.1:4010", config.anthropicBaseUrl());
    assertEquals(10, config.maxInFlight());
    assertEquals(Delivery.AT_LEAST_ONCE, config.delivery());
    assertEquals(Ordering.KEY, config.ordering());
    assertEquals(Duration.ofMillis(1500), config.shutdownGrace());
    assertEquals(9464, config.opsPort());
  }

  @Test
  void aBadValueGivenWithSetIsRefusedLikeTheFlags() {
    int code = PromptQ.commandLine().setErr(new PrintWriter(err, true)).execute("worker", "--set", "max.in.flight=-3");
    assertEquals(2, code);
    assertEquals("promptq worker: max.in.flight: -3 (must be between 1 and 100000)", err.toString().strip());
  }

  @Test
  void aKeyGivenByItsFlagAndBySetWithAnotherValueIsAUsageError() {
    int code = PromptQ.commandLine().setErr(new PrintWriter(err, true))
        .execute("worker", "--max-in-flight", "5", "--set", "max.in.flight=10");
    assertEquals(2, code);
    assertEquals("promptq worker: max.in.flight: given twice, as 5 by its flag and as 10 by --set; give it once",
        err.toString().strip());
  }

  @ParameterizedTest
  @ValueSource(strings = {"status", "batch"})
  void theConnectionAndGroupKeysGivenWithSetReachStatusAndBatch(String name) {
    String[] args = name.equals("batch")
        ? new String[] {"batch", "in.jsonl", "--out", "out.jsonl", "--set", "bootstrap.servers=broker-a:9093",
            "--set", "topic.prefix=team", "--set", "group.id=g1"}
        : new String[] {"status", "--set", "bootstrap.servers=broker-a:9093", "--set", "topic.prefix=team",
            "--set", "group.id=g1"};
    CommandLine cl = parsed(args);
    Settings s = name.equals("batch") ? SetOptionTest.<BatchCommand>command(cl, "batch").settings()
        : SetOptionTest.<StatusCommand>command(cl, "status").settings();
    assertEquals(Map.of("bootstrap.servers", "broker-a:9093", "topic.prefix", "team", "group.id", "g1"),
        Map.of("bootstrap.servers", s.get("bootstrap.servers").orElseThrow(),
            "topic.prefix", s.get("topic.prefix").orElseThrow(), "group.id", s.get("group.id").orElseThrow()));
  }

  @Test
  void theConnectionKeysGivenWithSetReachCredentialsImport() {
    CommandLine cl = parsed("credentials", "import", "--set", "bootstrap.servers=broker-a:9093",
        "--set", "topic.prefix=team", "--set", "credentials.key=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
    Settings s = SetOptionTest.<CredentialsCommand.Import>command(cl, "credentials", "import").settings();
    assertEquals("broker-a:9093", s.get("bootstrap.servers").orElseThrow());
    assertEquals("team", s.get("topic.prefix").orElseThrow());
  }
}
