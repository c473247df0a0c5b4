package dev.promptq.cli;

import dev.promptq.kafka.KafkaClientProperties;
import dev.promptq.config.Settings;
import dev.promptq.job.Outcome;
import dev.promptq.job.RoutePolicy;
import dev.promptq.kafka.Topics;
import dev.promptq.producer.ClientConfig;
import dev.promptq.producer.PromptQClient;
import dev.promptq.producer.batch.BatchFile;
import dev.promptq.producer.batch.BatchFileException;
import dev.promptq.producer.batch.BatchOutput;
import dev.promptq.producer.batch.BatchRequest;
import dev.promptq.producer.batch.BatchRun;
import dev.promptq.worker.WorkerConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "batch", mixinStandardHelpOptions = true,
    description = {
      "Runs a Message Batches request file through the worker group.",
      "",
      "IN.jsonl lines are {\"custom_id\", \"params\"}; every line is checked before anything is "
          + "sent. Result lines have the Message Batches result shape. Re-running with the same --out "
          + "skips ids already answered. Progress goes to stderr."
    })
final class BatchCommand implements Callable<Integer> {

  @picocli.CommandLine.Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Mixin
  ConnectionOptions connection;

  @Parameters(index = "0", paramLabel = "IN.jsonl", description = "Message Batches request lines.")
  Path in;

  @Option(names = "--out", required = true, paramLabel = "OUT.jsonl", description = "Result lines (appended; resumable).")
  Path out;

  @Option(names = "--route", defaultValue = "subscription_first",
      description = "Route policy of every job: subscription_first, subscription_only or api_only (default: ${DEFAULT-VALUE}).")
  String route;

  @Option(names = "--timeout", defaultValue = "PT24H", description = "Give up waiting after this ISO-8601 duration (default: ${DEFAULT-VALUE}).")
  Duration timeout;

  @Option(names = "--batch-id", paramLabel = "ID",
      description = "The batch every job names, for the workers' per-batch API budget "
          + "(api.budget.usd.per.batch); 1-64 of [A-Za-z0-9_-] (default: IN's file name without extension).")
  String batchId;

  @Option(names = "--group-id", description = "The worker group, to explain a stall "
      + "(env PROMPTQ_GROUP_ID; default promptq-workers).")
  String groupId;

  @Option(names = "--stall-report", defaultValue = "PT60S", paramLabel = "DURATION",
      description = "When no result has come for this long, say on stderr why the jobs wait, read from the group's "
          + "state (default: ${DEFAULT-VALUE}).")
  Duration stallReport;

  @Option(names = "--results", paramLabel = "FILE",
      description = "Also write promptq's full result of each job (route, attempts, waits, API cost) to FILE, one "
          + "JSON object per line, appended.")
  Path results;

  /** The layered settings: file, environment, {@code --set} and this command's flags. */
  Settings settings() {
    Map<String, String> flags = new java.util.HashMap<>();
    flags.put("group.id", groupId);
    Settings s = connection.load(Map.of("PROMPTQ_BOOTSTRAP_SERVERS", "bootstrap.servers",
        "PROMPTQ_TOPIC_PREFIX", "topic.prefix", "PROMPTQ_GROUP_ID", "group.id"), flags);
    s.rejectUnknown(List.of("bootstrap.servers", "topic.prefix", "group.id"));
    return s;
  }

  @Override
  public Integer call() throws IOException {
    String batch = batchId != null ? batchId : BatchRun.batchIdOf(in);
    if (!dev.promptq.job.Job.ID_PATTERN.matcher(batch).matches()) {
      throw new PromptQ.UsageError("--batch-id: " + batch + " (must be 1-64 of [A-Za-z0-9_-])");
    }
    RoutePolicy policy;
    try {
      policy = RoutePolicy.fromWireName(route);
    } catch (IllegalArgumentException e) {
      throw new PromptQ.UsageError("--route: " + e.getMessage());
    }
    List<BatchRequest> requests;
    try {
      requests = BatchFile.read(in);
    } catch (BatchFileException e) {
      spec.commandLine().getErr().println("promptq batch: " + e.getMessage());
      return 2;
    }
    if (requests.isEmpty()) {
      spec.commandLine().getErr().println("promptq batch: warning: " + in + " has no requests; nothing to do");
      spec.commandLine().getOut().printf("0 requests. Results in %s%n", out.toAbsolutePath());
      return 0;
    }
    Settings s = settings();
    BrokerCheck.requireListening(s.get("bootstrap.servers").orElseThrow());
    Topics topics = Topics.withPrefix(s.get("topic.prefix", Topics.DEFAULT_PREFIX));
    ClientConfig config = ClientConfig.of(s.get("bootstrap.servers").orElseThrow())
        .withTopics(topics)
        .withKafkaProperties(s.kafkaProperties());
    AtomicReference<ProgressBar> bar = new AtomicReference<>();
    java.util.concurrent.atomic.AtomicInteger waiting = new java.util.concurrent.atomic.AtomicInteger(-1);
    java.io.PrintWriter err = spec.commandLine().getErr();
    String jobsTopic = topics.jobs();
    GracefulStop.onSignals(() -> {
      int left = waiting.get();
      err.println();
      err.println("promptq batch: stopped with " + (left < 0 ? "no request submitted yet" : Plural.of(left, "request")
          + " still without a result") + (left > 0 ? ". Their jobs stay queued in " + jobsTopic + " and the workers "
          + "will answer them: run the same command again to collect the results (lines already in " + out
          + " are skipped). Jobs already queued cannot be taken back; a job not started by its deadline or by the "
          + "workers' job.max.age.ms ends expired" : "") + ".");
      err.flush();
      System.exit(130);
    });
    BatchRun.Summary summary;
    Map<String, Object> kafka = KafkaClientProperties.fromSettings(s);
    try (PromptQClient client = PromptQClient.create(config); BatchOutput output = BatchOutput.open(out);
        FullResults full = FullResults.open(results);
        StallWatch watch = new StallWatch(kafka, topics, s.get("group.id", WorkerConfig.DEFAULT_GROUP_ID), stallReport,
            spec.commandLine().getErr())) {
      summary = new BatchRun(client, policy, timeout, batch).run(requests, output,
          (total, skipped) -> {
            waiting.set(total - skipped);
            bar.set(new ProgressBarBuilder()
              .setTaskName("batch")
              .setInitialMax(total)
              .setConsumer(Terminal.progressConsumer())
              .setUpdateIntervalMillis(250)
              .startsFrom(skipped, Duration.ZERO)
              .build());
          },
          result -> {
            waiting.decrementAndGet();
            full.write(result);
            watch.progress();
            bar.get().step();
          });
    } finally {
      if (bar.get() != null) {
        bar.get().close();
      }
    }
    spec.commandLine().getOut().printf("%s: %d already answered, %d submitted: %d succeeded, %d errored, %d expired. Results in %s%n",
        Plural.of(requests.size(), "request"), summary.skipped(), summary.submitted(), summary.count(Outcome.SUCCEEDED),
        summary.count(Outcome.ERRORED), summary.count(Outcome.EXPIRED), out.toAbsolutePath());
    if (summary.submitted() > 0) {
      StringBuilder split = new StringBuilder("By route:");
      summary.routes().forEach((r, n) -> split.append(' ').append(r).append(' ').append(n).append(','));
      split.setLength(split.length() - 1);
      spec.commandLine().getOut().printf("%s. API cost $%.4f.%s%n", split, summary.apiCostUsd(),
          results == null ? "" : " Full results in " + results.toAbsolutePath());
    }
    return 0;
  }
}
