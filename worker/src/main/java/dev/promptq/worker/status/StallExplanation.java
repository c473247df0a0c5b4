package dev.promptq.worker.status;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Why jobs of a group have not moved for a while, in one line for a person watching a batch: no
 * member consumes the jobs topic, or routes are closed until a time, or the workers' latest
 * errors. Read from a {@link GroupStatus}; stateless.
 */
public final class StallExplanation {
  private StallExplanation() {}

  /**
   * @param quiet how long nothing has been answered
   * @param jobsTopic the topic the batch writes to
   */
  public static String of(GroupStatus s, Duration quiet, String jobsTopic, Instant now) {
    String head = "no result for " + quiet.toSeconds() + " s: ";
    if (s.members().isEmpty()) {
      return head + "no worker consumes " + jobsTopic + " in group " + s.group() + " (start one with ./promptq "
          + "worker, or check --topic-prefix and --group-id); the jobs stay queued until one does";
    }
    if (s.members().stream().allMatch(m -> m.partitions().isEmpty())) {
      return head + "no worker of group " + s.group() + " consumes " + jobsTopic + ": its " + s.members().size()
          + (s.members().size() == 1 ? " member reads" : " members read") + " other topics (check --topic-prefix: "
          + "it must be the workers' topic.prefix); the jobs stay queued until a worker consumes " + jobsTopic;
    }
    List<String> why = new ArrayList<>();
    for (Map.Entry<String, GroupStatus.RouteState> r : new java.util.TreeMap<>(s.routes()).entrySet()) {
      if (r.getValue().until().isAfter(now)) {
        why.add("route " + r.getKey() + " closed until " + r.getValue().until() + " (" + r.getValue().reason() + ")");
      }
    }
    GroupStatus.SharedCredentials c = s.credentials();
    if (c != null && c.state().equals("revoked")) {
      why.add("the subscription's credentials were revoked (" + c.error() + "): sign in again and run ./promptq "
          + "credentials import");
    }
    java.util.Map<String, Integer> waitingFor = new java.util.TreeMap<>();
    s.activity().values().forEach(a -> a.waitingFor().forEach((r, n) -> waitingFor.merge(r, n, Integer::sum)));
    if (!waitingFor.isEmpty()) {
      why.add("jobs waiting for: " + String.join(", ", waitingFor.entrySet().stream()
          .map(e -> e.getKey() + " " + e.getValue()).toList()));
    }
    if (!s.recentErrors().isEmpty()) {
      GroupStatus.RecentError e = s.recentErrors().get(0);
      why.add("latest error: " + e.kind() + " " + e.detail() + " (" + e.worker() + ", " + e.at() + ")");
    }
    String members = s.members().size() + (s.members().size() == 1 ? " worker" : " workers") + " in group "
        + s.group() + ", " + s.totalLag() + (s.totalLag() == 1 ? " job" : " jobs") + " not yet taken";
    return head + members + (why.isEmpty() ? "; the jobs are running or waiting for a route (./promptq status)"
        : "; " + String.join("; ", why));
  }
}
