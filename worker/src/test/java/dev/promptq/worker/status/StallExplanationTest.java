package dev.promptq.worker.status;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StallExplanationTest {
  private static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");

  private static GroupStatus status(List<GroupStatus.Member> members, Map<String, GroupStatus.RouteState> routes,
      List<GroupStatus.RecentError> errors) {
    return new GroupStatus("promptq-workers", members.isEmpty() ? "Empty" : "Stable", members,
        List.of(new GroupStatus.PartitionLag(0, 0, 12, 12)), routes, 0, null, Map.of(), errors, Map.of(), NOW);
  }

  @Test
  void aGroupWithoutMembersIsNamedWithTheFix() {
    assertEquals("no result for 60 s: no worker consumes acme.jobs in group promptq-workers (start one with "
        + "./promptq worker, or check --topic-prefix and --group-id); the jobs stay queued until one does",
        StallExplanation.of(status(List.of(), Map.of(), List.of()), Duration.ofSeconds(60), "acme.jobs", NOW));
  }

  @Test
  void closedRoutesAndTheLatestErrorSayWhatTheJobsWaitFor() {
    String line = StallExplanation.of(status(List.of(new GroupStatus.Member("promptq-worker-w1", "/127.0.0.1",
            List.of(0))), Map.of("subscription", new GroupStatus.RouteState(NOW.plusSeconds(3600),
            "subscription_quota_spent", "w1")), List.of(new GroupStatus.RecentError(NOW, "w1", "errored", "job-7",
            "429 rate_limit_error"))), Duration.ofSeconds(90), "promptq.jobs", NOW);

    assertTrue(line.startsWith("no result for 90 s: 1 worker in group promptq-workers, 12 jobs not yet taken; "),
        line);
    assertTrue(line.contains("route subscription closed until 2026-12-01T13:00:00Z (subscription_quota_spent)"), line);
    assertTrue(line.contains("latest error: errored 429 rate_limit_error"), line);
  }

  @Test
  void membersThatReadOtherTopicsPointAtTheTopicPrefix() {
    String line = StallExplanation.of(status(List.of(new GroupStatus.Member("promptq-worker-w1", "/127.0.0.1",
        List.of()), new GroupStatus.Member("promptq-worker-w2", "/127.0.0.1", List.of())), Map.of(), List.of()),
        Duration.ofSeconds(60), "acme.jobs", NOW);
    assertEquals("no result for 60 s: no worker of group promptq-workers consumes acme.jobs: its 2 members read other "
        + "topics (check --topic-prefix: it must be the workers' topic.prefix); the jobs stay queued until a worker "
        + "consumes acme.jobs", line);
  }

  @Test
  void whatTheWorkersJobsWaitForIsNamed() {
    GroupStatus s = new GroupStatus("promptq-workers", "Stable",
        List.of(new GroupStatus.Member("promptq-worker-w1", "/127.0.0.1", List.of(0))),
        List.of(new GroupStatus.PartitionLag(0, 0, 12, 12)), Map.of(), 0, null, Map.of(), List.of(),
        Map.of("w1", new dev.promptq.worker.ops.WorkerActivity("w1", 5, 5, Map.of("subscription_paced", 4,
            "backoff", 1), 0, Map.of(), "live", List.of(), Map.of(), null, NOW)), NOW);
    String line = StallExplanation.of(s, Duration.ofSeconds(60), "promptq.jobs", NOW);
    assertTrue(line.contains("jobs waiting for: backoff 1, subscription_paced 4"), line);
  }
}
