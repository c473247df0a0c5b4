package dev.promptq.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.promptq.config.Secret;
import dev.promptq.job.Job;
import dev.promptq.job.JobCodec;
import dev.promptq.job.JobResult;
import dev.promptq.job.Outcome;
import dev.promptq.job.Route;
import dev.promptq.kafka.GatewaySeal;
import dev.promptq.kafka.Topics;
import dev.promptq.producer.ClientConfig;
import dev.promptq.producer.PromptQClient;
import dev.promptq.testkit.kafka.EmbeddedKafka;
import dev.promptq.testkit.sim.AnthropicSimulator;
import dev.promptq.testkit.sim.SimResponse;
import dev.promptq.worker.Worker;
import dev.promptq.worker.WorkerConfig;
import dev.promptq.worker.anthropic.Transports;
import dev.promptq.worker.claudecli.ClaudeCliSettings;
import dev.promptq.worker.credentials.Credentials;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "demo", mixinStandardHelpOptions = true,
    description = {
      "Runs the whole pipeline in one process and prints a summary.",
      "",
      "Real parts: an embedded Kafka broker, the local Anthropic simulator (no network, no real "
          + "credentials), K workers in one group and a client that submits N jobs and waits for every "
          + "result. The simulator refuses every Nth subscription call with 429 to show the fallback to "
          + "the API key. Last, it starts an Anthropic-compatible gateway in front of the workers, calls it once "
          + "with a promptq key, and prints a curl line and a Python two-liner for it."
    })
final class DemoCommand implements Callable<Integer> {

  @picocli.CommandLine.Spec
  picocli.CommandLine.Model.CommandSpec spec;

  private static final List<String> PROMPTS = List.of(
      "Summarise the plot of Hamlet in two sentences.",
      "Write a haiku about Kafka partitions.",
      "Explain exactly-once delivery to a new engineer.",
      "Give three names for a cat that likes queues.",
      "Translate 'good morning' into French, German and Japanese.",
      "What is Little's law?",
      "List the planets in order from the sun.",
      "Suggest a title for a talk about back-pressure.");

  @Option(names = "--jobs", defaultValue = "200", description = "Jobs to submit (default: ${DEFAULT-VALUE}).")
  int jobs;

  @Option(names = "--workers", defaultValue = "2", description = "Workers in the group (default: ${DEFAULT-VALUE}).")
  int workers;

  @Option(names = "--latency-ms", defaultValue = "250", description = "Simulated API latency (default: ${DEFAULT-VALUE}).")
  long latencyMs;

  @Option(names = "--refuse-every", defaultValue = "10",
      description = "The simulator answers 429 to every Nth subscription call, 0 for never (default: ${DEFAULT-VALUE}).")
  int refuseEvery;

  @Option(names = "--claude-cli", paramLabel = "PATH", description = "Send the subscription's calls through this "
      + "Claude Code executable (claude -p, one process per call) instead of HTTP; about a second and 280 MB per "
      + "call, so try --jobs 20.")
  String claudeCli;

  @Option(names = "--gateway-port", defaultValue = "0",
      description = "Port of the demo's Anthropic-compatible gateway (default: any free one).")
  int gatewayPort;

  @Option(names = "--keep-running", description = "After the summary, keep the gateway, workers and broker up "
      + "until Ctrl-C, to call the gateway from curl or an SDK.")
  boolean keepRunning;

  @Option(names = "--out", defaultValue = "promptq-demo/results.jsonl",
      description = "Where the results go, one JSON per line (default: ${DEFAULT-VALUE}).")
  Path out;

  @Override
  public Integer call() throws IOException, InterruptedException {
    if (jobs < 1) {
      throw new PromptQ.UsageError("--jobs: " + jobs + " (must be >= 1)");
    }
    if (workers < 1 || workers > 64) {
      throw new PromptQ.UsageError("--workers: " + workers + " (must be between 1 and 64)");
    }
    if (latencyMs < 0 || refuseEvery < 0) {
      throw new PromptQ.UsageError("--latency-ms and --refuse-every must be >= 0");
    }
    ClaudeCliSettings cli = null;
    if (claudeCli != null) {
      cli = new ClaudeCliSettings(claudeCli, out.toAbsolutePath().resolveSibling("claude-cli-homes"),
          ClaudeCliSettings.DEFAULT_PROCESSES, Transports.Inexpressible.NEXT_ROUTE);
    }
    long t0 = System.nanoTime();
    // Demo credentials: random, accepted only by this run's simulator.
    Secret oauth = Secret.of("sk-ant-oat01-demo-" + UUID.randomUUID());
    Secret apiKey = Secret.of("sk-ant-api03-demo-" + UUID.randomUUID());
    AtomicLong subscriptionCalls = new AtomicLong();
    Topics topics = Topics.defaults();
    String gatewaySecret = GatewaySeal.newSecret();  // the demo's gateway seals its jobs; its workers check
    List<Worker> group = new ArrayList<>();
    say("Starting an embedded Kafka broker (Apache Kafka, KRaft mode)...");
    org.apache.logging.log4j.Level networkClient = org.apache.logging.log4j.LogManager
        .getLogger("org.apache.kafka.clients.NetworkClient").getLevel();
    try (EmbeddedKafka kafka = EmbeddedKafka.builder().build().start();
        AnthropicSimulator sim = AnthropicSimulator.builder()
            .latency(Duration.ofMillis(latencyMs))
            .oauthToken(oauth)
            .apiKey(apiKey)
            .responder(req -> req.route() == Route.SUBSCRIPTION && refuseEvery > 0
                && subscriptionCalls.incrementAndGet() % refuseEvery == 0
                ? Optional.of(SimResponse.error(429, "rate_limit_error", "simulated: this request was refused"))
                : Optional.empty())
            .build().start()) {
      say("Kafka at " + kafka.bootstrapServers() + ", Anthropic simulator at " + sim.baseUrl()
          + " (latency " + latencyMs + " ms)");
      try {
        for (int i = 1; i <= workers; i++) {
          group.add(Worker.start(WorkerConfig.builder(kafka.bootstrapServers())
              .topics(topics)
              .groupId("promptq-demo")
              .workerId("demo-worker-" + i)
              .anthropicBaseUrl(sim.baseUrl())
              .credentials(new Credentials(Optional.of(oauth), Optional.of(apiKey)))
              .claudeCli(cli)
              .gatewaySeal(GatewaySeal.fromBase64(Secret.of(gatewaySecret)))
              .build()));
        }
        say("Started " + workers + " workers" + (cli == null ? "" : " (subscription through " + claudeCli + ")")
            + "; waiting for the group to share the job partitions...");
        awaitGroup(group);
        say("Submitting " + jobs + " jobs...");
        int code = runJobs(kafka, topics, t0);
        int gateway = GatewayDemo.run(spec.commandLine().getOut(), kafka.bootstrapServers(), topics,
            gatewaySecret, gatewayPort, keepRunning);
        return Math.max(code, gateway);
      } finally {
        group.forEach(w -> w.close(Duration.ofSeconds(5)));
      }
    } finally {
      quietNetworkClient(networkClient);  // the broker is closed: back to the level before
    }
  }

  private int runJobs(EmbeddedKafka kafka, Topics topics, long t0) throws IOException {
    ObjectMapper mapper = JobCodec.newMapper();
    JobCodec codec = new JobCodec();
    ConcurrentLinkedQueue<Long> latencies = new ConcurrentLinkedQueue<>();
    List<CompletableFuture<JobResult>> futures = new ArrayList<>();
    if (out.toAbsolutePath().getParent() != null) {
      Files.createDirectories(out.toAbsolutePath().getParent());
    }
    try (PromptQClient client = PromptQClient.create(ClientConfig.of(kafka.bootstrapServers()).withTopics(topics));
        BufferedWriter writer = Files.newBufferedWriter(out, StandardCharsets.UTF_8);
        ProgressBar bar = new ProgressBarBuilder().setTaskName("jobs").setInitialMax(jobs)
            .setConsumer(Terminal.progressConsumer()).setUpdateIntervalMillis(200).build()) {
      for (int i = 1; i <= jobs; i++) {
        ObjectNode request = mapper.createObjectNode();
        request.put("model", "claude-sonnet-4-6");
        request.put("max_tokens", 256);
        request.putArray("messages").addObject().put("role", "user").put("content", PROMPTS.get(i % PROMPTS.size()));
        Job job = Job.of(String.format("demo-%05d", i), request).withMetadata(mapper.createObjectNode().put("n", i));
        long submitted = System.nanoTime();
        futures.add(client.submitAndAwait(job, Duration.ofMinutes(5)).whenComplete((r, e) -> {
          latencies.add((System.nanoTime() - submitted) / 1_000_000);
          bar.step();
        }));
      }
      client.flush();
      CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).join();
      for (CompletableFuture<JobResult> f : futures) {
        writer.write(mapper.writeValueAsString(codec.resultToNode(f.join())));
        writer.newLine();
      }
    }
    Map<Outcome, Integer> outcomes = new EnumMap<>(Outcome.class);
    Map<Route, Integer> routes = new EnumMap<>(Route.class);
    int fallbacks = 0;
    for (CompletableFuture<JobResult> f : futures) {
      JobResult r = f.join();
      outcomes.merge(r.outcome(), 1, Integer::sum);
      if (r.route() != null) {
        routes.merge(r.route(), 1, Integer::sum);
      }
      if (r.attempts().size() > 1) {
        fallbacks++;
      }
    }
    Percentiles p = new Percentiles(latencies);
    double wall = (System.nanoTime() - t0) / 1e9;
    int succeeded = outcomes.getOrDefault(Outcome.SUCCEEDED, 0);
    spec.commandLine().getOut().println();
    spec.commandLine().getOut().println("promptq demo summary");
    spec.commandLine().getOut().printf("  jobs       %d: %d succeeded, %d errored, %d expired%n", jobs, succeeded,
        outcomes.getOrDefault(Outcome.ERRORED, 0), outcomes.getOrDefault(Outcome.EXPIRED, 0));
    spec.commandLine().getOut().printf("  routes     subscription %d, api %d (%d fell back from the subscription)%n",
        routes.getOrDefault(Route.SUBSCRIPTION, 0), routes.getOrDefault(Route.API, 0), fallbacks);
    spec.commandLine().getOut().printf("  latency    p50 %d ms, p99 %d ms (submit to result; simulated API latency %d ms)%n",
        p.at(50), p.at(99), latencyMs);
    spec.commandLine().getOut().printf("  wall time  %.1f s (broker start included)%n", wall);
    spec.commandLine().getOut().printf("  results    %s%n", out.toAbsolutePath());
    spec.commandLine().getOut().println("  (latency of a cold JVM given every job at once; ./promptq bench measures a warm one)");
    spec.commandLine().getOut().println();
    spec.commandLine().getOut().println("Next: run the pieces as separate processes (README, \"Several processes on one "
        + "machine\"), or point a worker at your own Kafka: ./promptq worker --bootstrap-servers HOST:9092");
    quietNetworkClient(org.apache.logging.log4j.Level.ERROR);
    return succeeded == jobs ? 0 : 1;
  }

  /**
   * The demo's broker logs one harmless WARN while it stops in the same JVM as its clients
   * ("Attempting to close NetworkClient that has already been closed"): after the summary, only
   * errors of Kafka's network client are shown.
   */
  private static org.apache.logging.log4j.Level quietNetworkClient(org.apache.logging.log4j.Level level) {
    String name = "org.apache.kafka.clients.NetworkClient";
    org.apache.logging.log4j.Level before = org.apache.logging.log4j.LogManager.getLogger(name).getLevel();
    org.apache.logging.log4j.core.config.Configurator.setLevel(name, level);
    return before;
  }

  /** Waits until every worker owns partitions, so latencies measure work, not group formation. */
  private static void awaitGroup(List<Worker> group) {
    CompletableFuture.allOf(group.stream().map(Worker::firstAssignment).toArray(CompletableFuture[]::new))
        .orTimeout(60, java.util.concurrent.TimeUnit.SECONDS)
        .join();
  }

  private void say(String line) {
    spec.commandLine().getOut().println(line);
    spec.commandLine().getOut().flush();
  }
}
