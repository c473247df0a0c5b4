package dev.promptq.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.promptq.kafka.KafkaClientProperties;
import dev.promptq.config.Settings;
import dev.promptq.gateway.keys.KeyAdmin;
import dev.promptq.gateway.keys.KeyBook;
import dev.promptq.gateway.keys.PromptqKey;
import dev.promptq.job.JobCodec;
import dev.promptq.kafka.Topics;
import dev.promptq.worker.WorkerConfig;
import dev.promptq.worker.ops.WorkerActivity;
import dev.promptq.worker.status.GroupStatus;
import dev.promptq.worker.status.GroupStatusReader;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "status", mixinStandardHelpOptions = true,
    description = {
      "Shows a worker group on one screen: members and their job partitions, lag per partition, "
          + "group-wide route states, budgets (used, remaining, utilisation, next reset), today's API spend, "
          + "the shared credentials and the group's recent errors. --json prints the same for scripts."
    })
final class StatusCommand implements Callable<Integer> {

  @picocli.CommandLine.Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Mixin
  ConnectionOptions connection;

  @Option(names = "--group-id", description = "Worker group (env PROMPTQ_GROUP_ID; default promptq-workers).")
  String groupId;

  @Option(names = "--json", description = "Print JSON instead of text.")
  boolean json;

  /** The layered settings: file, environment, {@code --set} and this command's flags. */
  Settings settings() {
    Map<String, String> flags = new HashMap<>();
    flags.put("group.id", groupId);
    Settings s = connection.load(Map.of("PROMPTQ_BOOTSTRAP_SERVERS", "bootstrap.servers",
        "PROMPTQ_TOPIC_PREFIX", "topic.prefix", "PROMPTQ_GROUP_ID", "group.id"), flags);
    s.rejectUnknown(List.of("bootstrap.servers", "topic.prefix", "group.id"));
    return s;
  }

  @Override
  public Integer call() {
    Settings s = settings();
    BrokerCheck.requireListening(s.get("bootstrap.servers").orElseThrow());
    String group = s.get("group.id", WorkerConfig.DEFAULT_GROUP_ID);
    Topics topics = Topics.withPrefix(s.get("topic.prefix", Topics.DEFAULT_PREFIX));
    Map<String, Object> props = KafkaClientProperties.fromSettings(s);
    Map<String, Object> consumerProps = new HashMap<>(props);
    consumerProps.put("client.id", "promptq-status");
    consumerProps.put("isolation.level", "read_committed");
    GroupStatus status;
    try (Admin admin = Admin.create(props);
        KafkaConsumer<byte[], byte[]> control = new KafkaConsumer<>(consumerProps, new ByteArrayDeserializer(),
            new ByteArrayDeserializer())) {
      status = new GroupStatusReader(admin, control, topics, Clock.systemUTC()).read(group);
    } catch (IllegalStateException e) {
      spec.commandLine().getErr().println("promptq status: " + e.getMessage());
      return 1;
    }
    List<KeyToday> keys;
    try (KeyAdmin admin = KeyAdmin.reader(s.get("bootstrap.servers").orElseThrow(), props, topics, Clock.systemUTC())) {
      LocalDate today = LocalDate.now(ZoneOffset.UTC);
      keys = admin.list().stream().filter(PromptqKey::live)
          .map(k -> new KeyToday(k.name(), admin.book().use(k.id(), today))).toList();
    } catch (IllegalStateException e) {
      keys = List.of();  // no control topic to read yet: no keys
    }
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      ObjectMapper mapper = JobCodec.newMapper();
      ObjectNode node = status.toJson(mapper);
      ArrayNode gateway = node.putArray("gateway_keys_today");
      keys.forEach(k -> gateway.addObject().put("name", k.name()).put("requests", k.use().requests())
          .put("api_usd", k.use().usd()));
      out.println(node.toString());
    } else {
      printText(out, status);
      if (!keys.isEmpty()) {
        out.println("gateway keys today (UTC): " + keys.stream().map(k -> String.format(java.util.Locale.ROOT,
            "%s %s, API $%.4f", k.name(), Plural.of(k.use().requests(), "request"), k.use().usd()))
            .collect(Collectors.joining("; ")));
      }
    }
    out.flush();
    return 0;
  }

  /** A live gateway key and its use today. */
  private record KeyToday(String name, KeyBook.DayUse use) {}

  /** {@code 45 s}, {@code 12 min}, {@code 3 h 20 min}. */
  static String human(java.time.Duration d) {
    long s = d.toSeconds();
    if (s < 120) {
      return s + " s";
    }
    if (s < 7200) {
      return (s + 30) / 60 + " min";
    }
    return s / 3600 + " h " + (s % 3600) / 60 + " min";
  }

  /** The subscription's windows as one worker's latest answers reported them. */
  static String windows(WorkerActivity a) {
    return "subscription windows, as " + a.worker() + "'s latest answers reported them: "
        + new java.util.TreeMap<>(a.windows()).entrySet().stream().map(e -> String.format(java.util.Locale.ROOT,
            "%s %.0f%% used%s%s%s", e.getKey(), e.getValue().utilization() * 100, estimate(e.getValue()),
            e.getValue().reset() == null ? "" : ", resets at " + e.getValue().reset(),
            e.getKey().equals(a.bindingWindow()) ? " (binding)" : ""))
        .collect(Collectors.joining("; "));
  }

  /** {@code  of about $5.00, 40 calls left, even pace 2.1 a minute} (or an hour), or nothing while the window has no estimate. */
  private static String estimate(WorkerActivity.Window w) {
    if (Double.isNaN(w.capacityUsd())) {
      return "";
    }
    return String.format(java.util.Locale.ROOT, " of about $%.2f, %.0f calls left, even pace %s", w.capacityUsd(),
        w.leftCalls(), w.evenPerMinute() >= 1 ? String.format(java.util.Locale.ROOT, "%.1f a minute", w.evenPerMinute())
            : String.format(java.util.Locale.ROOT, "%.1f an hour", w.evenPerMinute() * 60));
  }

  static void printText(PrintWriter out, GroupStatus s) {
    java.time.Duration clears = s.timeToClear();
    out.printf("group %s: %s, %s, lag %d, %.2f jobs/s over the last minute%s%n", s.group(), s.state(),
        Plural.of(s.members().size(), "member"), s.totalLag(), s.jobsPerSecond(),
        s.totalLag() == 0 ? "" : clears == null ? " (nothing finished in the last minute)"
            : ", the lag clears in about " + human(clears));
    for (GroupStatus.Member m : s.members()) {
      String id = m.clientId().startsWith("promptq-worker-") ? m.clientId().substring("promptq-worker-".length())
          : m.clientId();
      WorkerActivity a = s.activity().get(id);
      out.printf("  member %-28s %-16s partitions %s%s%n", m.clientId(), m.host(),
          m.partitions().isEmpty() ? "none" : m.partitions().stream().map(String::valueOf).collect(Collectors.joining(",")),
          a == null ? "" : String.format(", %d in flight, %d waiting%s, %d finished in the last minute", a.inFlight(),
              a.waiting(), a.waitingFor().isEmpty() ? "" : " (" + a.waitingFor().entrySet().stream()
                  .map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", ")) + ")",
              a.finishedLastMinute()));
    }
    Map<String, Long> byRoute = new java.util.TreeMap<>();
    s.activity().values().forEach(a -> a.byRoute().forEach((r, n) -> byRoute.merge(r, n, Long::sum)));
    if (!byRoute.isEmpty()) {
      out.println("jobs by route since the workers started: " + byRoute.entrySet().stream()
          .map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", ")));
    }
    boolean shared = s.credentials() != null;
    s.activity().values().stream().filter(a -> a.credentials().equals("static") && shared).forEach(a -> out.println(
        "worker " + a.worker() + " calls the subscription with a static CLAUDE_CODE_OAUTH_TOKEN, not the group's "
            + "shared credentials"));
    out.println("partitions (committed / end = lag):");
    for (GroupStatus.PartitionLag p : s.partitions()) {
      out.printf("  %3d  %10s / %-10d = %d%n", p.partition(), p.committed() < 0 ? "none" : Long.toString(p.committed()),
          p.end(), p.lag());
    }
    for (String route : List.of("subscription", "api")) {
      GroupStatus.RouteState r = s.routes().get(route);
      List<String> closedOn = s.activity().values().stream().filter(a -> a.closedRoutes().contains(route))
          .map(WorkerActivity::worker).toList();
      String workers = s.activity().isEmpty() ? "" : closedOn.isEmpty() ? "; open on every worker"
          : closedOn.size() == s.activity().size() ? "; closed on every worker" : "; closed on " + String.join(", ", closedOn);
      if (r == null) {
        out.println("route " + route + ": " + (closedOn.isEmpty() ? "open" : "open for the group" + workers));
      } else {
        out.println("route " + route + ": closed until " + r.until() + " (" + r.reason() + ", learned by "
            + r.reporter() + ")" + (closedOn.isEmpty() && !s.activity().isEmpty()
                ? "; every worker has reopened it (new credentials, or a probe that succeeded)" : workers));
      }
    }
    s.activity().values().stream().filter(a -> !a.windows().isEmpty())
        .max(java.util.Comparator.comparing(WorkerActivity::at)).ifPresent(a -> out.println(windows(a)));
    for (Map.Entry<String, GroupStatus.Quota> e : new java.util.TreeMap<>(s.quotas()).entrySet()) {
      GroupStatus.Quota q = e.getValue();
      out.printf("quota %s: %d per %s, used %d, remaining %d, utilisation %.0f%%, paced at %.1f per window by %d "
          + "workers%s%n", e.getKey(), q.budget(), java.time.Duration.ofMillis(q.windowMs()), q.used(), q.remaining(),
          q.utilization() * 100, q.perWindow(), q.workers(),
          q.reset() == null ? "" : ", resets at " + q.reset() + (q.status() == null ? "" : " (" + q.status() + ")"));
    }
    out.printf("API spend today: %.4f USD%n", s.apiSpendToday());
    if (!s.openBatches().isEmpty()) {
      out.printf("batch lane: %d open Message Batches, %d requests%n", s.openBatches().size(),
          s.openBatches().stream().mapToInt(GroupStatus.OpenBatch::requests).sum());
      for (GroupStatus.OpenBatch b : s.openBatches()) {
        out.printf("  %s  %d requests, %s old, submitted by %s%n", b.id(), b.requests(),
            human(java.time.Duration.between(b.submittedAt(), s.at())), b.worker());
      }
    }
    if (!s.recentErrors().isEmpty()) {
      out.println("recent errors (newest first):");
      for (GroupStatus.RecentError e : s.recentErrors()) {
        out.printf("  %s  %-12s %-11s %-20s %s%n", e.at(), e.worker(), e.kind(), e.job(), e.detail());
      }
    }
    GroupStatus.SharedCredentials c = s.credentials();
    if (c != null) {
      out.println(c.state().equals("revoked")
          ? "credentials: REVOKED (" + c.error() + ", reported by " + c.by() + " at " + c.at()
              + "); fix: sign in again and run ./promptq credentials import"
          : "credentials: live, access token expires at " + (c.expiresAt() == null ? "unknown" : c.expiresAt())
              + " (" + c.source() + " by " + c.by() + " at " + c.at() + ")"
              + (c.lastRefresher() == null ? "" : ", last refresh claimed by " + c.lastRefresher()));
    }
  }
}
