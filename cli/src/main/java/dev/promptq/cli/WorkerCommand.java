package dev.promptq.cli;

import dev.promptq.config.Settings;
import dev.promptq.worker.Worker;
import dev.promptq.worker.WorkerConfig;
import dev.promptq.worker.credentials.MissingCredentialsException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "worker", mixinStandardHelpOptions = true,
    description = {
      "Runs one worker until stopped (Ctrl-C or SIGTERM).",
      "",
      "It consumes jobs, calls the subscription (CLAUDE_CODE_OAUTH_TOKEN) first and the API key "
          + "(ANTHROPIC_API_KEY) when the subscription cannot serve, and publishes every result. Start "
          + "several to share the work: they form one consumer group. Settings: --config FILE, then "
          + "environment, then flags; kafka.* settings pass through to the Kafka clients."
    })
final class WorkerCommand implements Callable<Integer> {

  @picocli.CommandLine.Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Mixin
  ConnectionOptions connection;

  @Option(names = "--group-id", description = "Worker group (env PROMPTQ_GROUP_ID; default promptq-workers).")
  String groupId;

  @Option(names = "--worker-id", description = "This worker's name (env PROMPTQ_WORKER_ID; default host-pid).")
  String workerId;

  @Option(names = "--base-url", description = "Messages API base URL (env ANTHROPIC_BASE_URL; default https://api.anthropic.com).")
  String baseUrl;

  @Option(names = "--max-in-flight", description = "API calls in flight at once (default 64).")
  Integer maxInFlight;

  @Option(names = "--shutdown-grace-seconds", defaultValue = "30",
      description = "On stop, how long the batch in progress may finish (default: ${DEFAULT-VALUE}).")
  long graceSeconds;

  @Override
  public Integer call() {
    Map<String, String> flags = new HashMap<>();
    flags.put("group.id", groupId);
    flags.put("worker.id", workerId);
    flags.put("anthropic.base.url", baseUrl);
    flags.put("max.in.flight", maxInFlight == null ? null : maxInFlight.toString());
    Settings settings = connection.load(WorkerConfig.ENV_KEYS, flags);
    WorkerConfig config = WorkerConfig.fromSettings(settings);
    Worker worker;
    try {
      worker = Worker.start(config);
    } catch (MissingCredentialsException e) {
      spec.commandLine().getErr().println("promptq worker: " + e.getMessage());
      return 2;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(() -> worker.close(Duration.ofSeconds(graceSeconds)),
        "promptq-worker-shutdown"));
    spec.commandLine().getOut().println("Worker " + config.workerId() + " running: group " + config.groupId() + ", brokers "
        + config.bootstrapServers() + ", API " + config.anthropicBaseUrl() + ", " + config.credentials());
    spec.commandLine().getOut().flush();
    try {
      worker.finished().join();
      return 0;
    } catch (CompletionException e) {
      spec.commandLine().getErr().println("promptq worker: stopped on error: " + e.getCause());
      return 1;
    }
  }
}
