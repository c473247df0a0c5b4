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
          + "several to share the work: they form one consumer group. Subscription calls go over HTTP, or "
          + "through Claude Code's headless mode with --set subscription.transport=claude-cli. Settings: "
          + "--config FILE, then environment, then flags; kafka.* settings pass through to the Kafka clients."
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

  @Option(names = "--max-in-flight", description = "Jobs started and not yet committed, at most (default 256).")
  Integer maxInFlight;

  @Option(names = "--delivery", description = "exactly_once (default) or at_least_once (brokers without transactions).")
  String delivery;

  @Option(names = "--ordering", description = "unordered (default) or key (one job per record key at a time, in order).")
  String ordering;

  @Option(names = "--shutdown-grace-ms",
      description = "On SIGTERM/Ctrl-C, how long running jobs may finish before the rest is handed back (default 30000).")
  Long shutdownGraceMs;

  @Option(names = "--ops-port",
      description = "Serve /metrics and /health on this port (0: any free port; default off), on 127.0.0.1 unless "
          + "--set ops.bind=ADDRESS.")
  Integer opsPort;

  /** The layered settings: file, environment, {@code --set} and this command's flags. */
  Settings settings() {
    Map<String, String> flags = new HashMap<>();
    flags.put("ops.port", opsPort == null ? null : opsPort.toString());
    flags.put("group.id", groupId);
    flags.put("worker.id", workerId);
    flags.put("anthropic.base.url", baseUrl);
    flags.put("max.in.flight", maxInFlight == null ? null : maxInFlight.toString());
    flags.put("delivery", delivery);
    flags.put("ordering", ordering);
    flags.put("shutdown.grace.ms", shutdownGraceMs == null ? null : shutdownGraceMs.toString());
    return connection.load(WorkerConfig.ENV_KEYS, flags);
  }

  @Override
  public Integer call() throws InterruptedException {
    WorkerConfig config = WorkerConfig.fromSettings(settings());
    Worker worker;
    try {
      config.requireSomeCredential();  // a configuration error comes before a connection error
      BrokerCheck.requireListening(config.bootstrapServers());
      worker = Worker.start(config);
    } catch (MissingCredentialsException e) {
      spec.commandLine().getErr().println("promptq worker: " + e.getMessage());
      return 2;
    } catch (IllegalStateException e) {
      spec.commandLine().getErr().println("promptq worker: cannot start with Kafka at " + config.bootstrapServers()
          + ": " + e.getMessage());
      return 1;
    }
    GracefulStop stop = GracefulStop.onSignals(worker::close);
    spec.commandLine().getOut().println("Worker " + config.workerId() + " running: group " + config.groupId() + ", brokers "
        + config.bootstrapServers() + ", API " + config.anthropicBaseUrl() + ", " + config.credentials() + ", "
        + config.delivery().wireName());
    worker.opsAddress().ifPresent(a -> spec.commandLine().getOut().println("Metrics at http://"
        + a.getAddress().getHostAddress() + ":" + a.getPort() + "/metrics, health at /health"));
    spec.commandLine().getOut().flush();
    worker.firstAssignment().thenRun(() -> {
      spec.commandLine().getOut().println("Worker " + config.workerId() + " joined group " + config.groupId()
          + " with " + worker.assignment().size() + " job partitions");
      spec.commandLine().getOut().flush();
    });
    try {
      worker.finished().join();
      stop.awaitDone();
      spec.commandLine().getOut().println("Worker " + config.workerId() + " stopped");
      return 0;
    } catch (CompletionException e) {
      spec.commandLine().getErr().println("promptq worker: stopped on error: " + e.getCause());
      worker.close(Duration.ZERO);
      return 1;
    }
  }
}
