package dev.promptq.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.promptq.worker.ops.WorkerActivity;
import dev.promptq.worker.status.GroupStatus;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What {@code ./promptq status} prints for a person: rates and an ETA, no raw offsets, who uses a static token. */
class StatusTextTest {
  private static final Instant NOW = Instant.parse("2026-12-02T12:00:00Z");

  private static String text(GroupStatus s) {
    StringWriter out = new StringWriter();
    StatusCommand.printText(new PrintWriter(out, true), s);
    return out.toString();
  }

  private static GroupStatus status(Map<String, WorkerActivity> activity, GroupStatus.SharedCredentials credentials) {
    return new GroupStatus("promptq-workers", "Stable",
        List.of(new GroupStatus.Member("promptq-worker-w1", "/10.0.0.1", List.of(0, 1)),
            new GroupStatus.Member("promptq-worker-w2", "/10.0.0.2", List.of())),
        List.of(new GroupStatus.PartitionLag(0, -1, 600, 600), new GroupStatus.PartitionLag(1, 100, 700, 600)),
        Map.of(), 0, credentials, Map.of(), List.of(), activity, NOW);
  }

  @Test
  void theGroupLineHasTheRateAndWhenTheLagClearsAndMembersTheirWork() {
    String t = text(status(Map.of("w1", new WorkerActivity("w1", 12, 3, Map.of("subscription_paced", 3), 120,
        Map.of("subscription", 900L, "api", 40L),
        "live", List.of("api"), Map.of(), null, NOW)), null));
    assertTrue(t.startsWith("group promptq-workers: Stable, 2 members, lag 1200, 2.00 jobs/s over the last minute, "
        + "the lag clears in about 10 min"), t);
    assertTrue(t.contains("partitions 0,1, 12 in flight, 3 waiting (subscription_paced 3), 120 finished in the last minute"), t);
    assertTrue(t.contains("partitions none"), t);
    assertTrue(t.contains("jobs by route since the workers started: api 40, subscription 900"), t);
    assertTrue(t.contains("    0        none / 600        = 600"), t);
  }

  @Test
  void aWorkerOnAStaticTokenBesideSharedCredentialsIsNamed() {
    String t = text(status(Map.of("w1", new WorkerActivity("w1", 0, 0, Map.of(), 0, Map.of(), "static", List.of(), Map.of(), null, NOW)),
        new GroupStatus.SharedCredentials("live", NOW.plusSeconds(3600), "import", "ops", NOW, null, null)));
    assertTrue(t.contains("worker w1 calls the subscription with a static CLAUDE_CODE_OAUTH_TOKEN, not the group's "
        + "shared credentials"), t);
    assertTrue(t.contains("(nothing finished in the last minute)"), t);
  }

  @Test
  void theBatchLanesOpenBatchesAreListedWithTheirAge() {
    GroupStatus s = new GroupStatus("promptq-workers", "Stable", List.of(), List.of(), Map.of(), 0, null, Map.of(),
        List.of(), Map.of(), List.of(new GroupStatus.OpenBatch("msgbatch_01", 500, NOW.minusSeconds(720), "w2"),
            new GroupStatus.OpenBatch("msgbatch_02", 120, NOW.minusSeconds(45), "w2")), NOW);
    String t = text(s);
    assertTrue(t.contains("batch lane: 2 open Message Batches, 620 requests"), t);
    assertTrue(t.contains("  msgbatch_01  500 requests, 12 min old, submitted by w2"), t);
    assertTrue(t.contains("  msgbatch_02  120 requests, 45 s old, submitted by w2"), t);
    assertTrue(!text(status(Map.of(), null)).contains("batch lane"), "nothing about the lane without open batches");
  }

  @Test
  void durationsReadAsAPersonSaysThem() {
    assertEquals("45 s", StatusCommand.human(Duration.ofSeconds(45)));
    assertEquals("12 min", StatusCommand.human(Duration.ofMinutes(12)));
    assertEquals("3 h 20 min", StatusCommand.human(Duration.ofMinutes(200)));
  }

  @Test
  void aRouteSaysWhatTheWorkersSeeBesideTheGroupsNotice() {
    GroupStatus withNotice = new GroupStatus("g", "Stable", List.of(), List.of(),
        Map.of("subscription", new GroupStatus.RouteState(NOW.plusSeconds(600), "route_refused", "w2")), 0, null,
        Map.of(), List.of(), Map.of("w1", new WorkerActivity("w1", 0, 0, Map.of(), 0, Map.of(), "live", List.of("api"), Map.of(), null, NOW)), NOW);
    String t = text(withNotice);
    assertTrue(t.contains("route subscription: closed until 2026-12-02T12:10:00Z (route_refused, learned by w2); "
        + "every worker has reopened it"), t);
    assertTrue(t.contains("route api: open for the group; closed on every worker"), t);
  }

  @Test
  void theSubscriptionsWindowsShowWithTheBindingOneNamed() {
    WorkerActivity older = new WorkerActivity("w2", 0, 0, Map.of(), 0, Map.of(), "live", List.of(),
        Map.of("5h", new WorkerActivity.Window(0.1, NOW)), "5h", NOW.minusSeconds(4));
    WorkerActivity latest = new WorkerActivity("w1", 0, 0, Map.of(), 0, Map.of(), "live", List.of(),
        Map.of("5h", new WorkerActivity.Window(0.42, NOW.plusSeconds(3600)),
            "7d", new WorkerActivity.Window(0.885, NOW.plusSeconds(86_400), 12.5, 17.4, 0.0121)), "7d", NOW);
    String t = text(status(Map.of("w1", latest, "w2", older), null));
    assertTrue(t.contains("subscription windows, as w1's latest answers reported them: 5h 42% used, resets at "
        + NOW.plusSeconds(3600) + "; 7d 89% used of about $12.50, 17 calls left, even pace 0.7 an hour, resets at "
        + NOW.plusSeconds(86_400) + " (binding)"), t);
  }
}
