package dev.promptq.bench;

import dev.promptq.config.Secret;
import dev.promptq.job.Route;
import dev.promptq.testkit.kafka.EmbeddedKafka;
import dev.promptq.testkit.sim.AnthropicSimulator;
import dev.promptq.job.RoutePolicy;
import dev.promptq.testkit.sim.ApiRateLimits;
import dev.promptq.testkit.sim.SimWindow;
import dev.promptq.worker.Delivery;
import dev.promptq.worker.quota.Budget;
import dev.promptq.worker.quota.QuotaSettings;
import java.util.Map;
import java.util.Optional;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

/**
 * Measures the worker runtime against baselines taken in the same run, on one embedded broker and
 * the simulator, and prints the figures (never asserts them). See docs/BENCHMARKS.md.
 *
 * <ol>
 *   <li>zero simulator latency: promptq's jobs/s next to a plain consume-transform-produce loop
 *       with no HTTP call (the upper bound);
 *   <li>1 s simulator latency: jobs/s for several max-in-flight values next to Little's bound
 *       (in-flight / latency);
 *   <li>the same workload through a naive worker (poll, call synchronously, produce, commit);
 *   <li>added latency per job (end-to-end minus simulator latency) under a steady load, and memory;
 *   <li>the quota governor: the share of a subscription budget a group of 1, 3 and 6 workers uses in
 *       each full window, and its violations (quota 429s, the most calls in any window);
 *   <li>the subscription's transports: a Claude Code process's start-up, call overhead and memory
 *       next to an HTTP call, and jobs/s through a worker with each at the same concurrency (when
 *       a {@code claude} executable is given);
 *   <li>the usage report: reading a month of usage records with {@code promptq report}'s reader
 *       next to a plain consumer.
 * </ol>
 */
public final class Benchmark {

  /**
   * What to run.
   *
   * @param zeroLatencyJobs jobs of the zero-latency comparison
   * @param inFlights max-in-flight values of the 1 s latency runs
   * @param waves jobs per 1 s run = in-flight x waves
   * @param latency the simulated API latency of runs 2-4
   * @param naiveJobs jobs through the naive worker
   * @param steadyRate jobs/s offered in the added-latency run
   * @param steadySeconds length of the added-latency run
   */
  public record Options(int zeroLatencyJobs, List<Integer> inFlights, int waves, Duration latency, int naiveJobs,
      int steadyRate, int steadySeconds, List<Integer> quotaWorkers, int quotaBudget, Duration quotaWindow,
      int quotaWindows, int transportCalls, List<Integer> transportConcurrency, int transportWaves,
      int reportRecords, int learnedCalls, int learnedWindowCalls, Duration learnedWindow, Duration apiPeriod,
      int apiPeriods) {

    public static Options full() {
      return new Options(20_000, List.of(64, 256, 1024), 6, Duration.ofSeconds(1), 6, 100, 10, List.of(1, 3, 6), 600,
          Duration.ofSeconds(15), 3, 20, List.of(2, 8, 16), 4, 1_000_020, 300, 120, Duration.ofSeconds(20),
          Duration.ofSeconds(10), 6);
    }

    /** A few seconds' run that exercises every scenario; its figures mean little. */
    public static Options quick() {
      return new Options(500, List.of(16), 2, Duration.ofMillis(200), 2, 20, 2, List.of(2), 60, Duration.ofSeconds(3),
          1, 2, List.of(2), 1, 6_000, 30, 12, Duration.ofSeconds(4),
          Duration.ofSeconds(2), 1);
    }
  }

  private final Options options;
  private final PrintStream out;

  private final Path claude;

  /** @param claude the Claude Code executable for section 6, or null to leave that section out */
  public Benchmark(Options options, PrintStream out, Path claude) {
    this.options = options;
    this.out = out;
    this.claude = claude;
  }

  public void run(Path workDir) throws Exception {
    Secret token = Secret.of("sk-ant-oat01-bench-" + UUID.randomUUID());
    out.printf("promptq benchmark: %d cores, Java %s, one JVM with an embedded broker and the simulator on loopback%n",
        Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"));
    try (EmbeddedKafka kafka = EmbeddedKafka.builder().tempParent(workDir).build().start();
        AnthropicSimulator sim = AnthropicSimulator.builder().oauthToken(token).build().start()) {
      Scenarios s = new Scenarios(kafka.bootstrapServers(), sim, token);
      Memory.Sample idle = Memory.sample();

      out.printf("%n1. Zero simulator latency, %,d jobs pre-loaded, one worker (max in flight 1024)%n",
          options.zeroLatencyJobs());
      s.plainLoop(options.zeroLatencyJobs()); // warm-up of the JVM and broker, not reported
      double plain = s.plainLoop(options.zeroLatencyJobs());
      out.printf("   plain consume-transform-produce loop (no HTTP)  %,10.0f jobs/s   upper bound%n", plain);
      for (Delivery d : Delivery.values()) {
        double jobs = s.promptq(options.zeroLatencyJobs(), 1024, d).jobsPerSecond();
        out.printf("   promptq worker, %-13s                   %,10.0f jobs/s   ratio %.2f%n", d.wireName(), jobs,
            jobs / plain);
      }

      sim.setLatency(options.latency());
      double latencySeconds = options.latency().toMillis() / 1000.0;
      out.printf("%n2. Simulator latency %d ms, jobs = max in flight x %d%n", options.latency().toMillis(),
          options.waves());
      double at256 = 0;
      Memory.Peak peak = null;
      for (int inFlight : options.inFlights()) {
        Scenarios.Run run = s.promptq(inFlight * options.waves(), inFlight, Delivery.EXACTLY_ONCE);
        double bound = inFlight / latencySeconds;
        out.printf("   max in flight %5d: %,8.1f jobs/s   Little's bound %,8.1f   ratio %.2f"
            + "   (after the first wave: %,8.1f jobs/s, ratio %.2f)%n", inFlight, run.jobsPerSecond(), bound,
            run.jobsPerSecond() / bound, run.steadyJobsPerSecond(), run.steadyJobsPerSecond() / bound);
        if (inFlight == 256 || at256 == 0) {
          at256 = run.jobsPerSecond();
        }
        peak = run.memory();
      }

      out.printf("%n3. Naive worker (poll, one synchronous call, produce, commit), same latency, %d jobs%n",
          options.naiveJobs());
      double naive = s.naive(options.naiveJobs());
      out.printf("   naive worker: %.2f jobs/s; promptq at max in flight %d: %.1f jobs/s (%.0fx)%n", naive,
          options.inFlights().contains(256) ? 256 : options.inFlights().get(0), at256, at256 / naive);

      out.printf("%n4. Added latency per job (submit to result, minus %d ms simulated), %d jobs/s for %d s%n",
          options.latency().toMillis(), options.steadyRate(), options.steadySeconds());
      Scenarios.Latency lat = s.steady(options.steadyRate(), options.steadySeconds(), 256, options.latency());
      out.printf("   p50 %d ms, p99 %d ms, max %d ms over %d jobs%n", lat.p50(), lat.p99(), lat.max(), lat.count());
      out.printf("   of which before the worker starts a job (publish, fetch): p50 %d ms, p99 %d ms;%n",
          lat.queueP50(), lat.queueP99());
      out.printf("   the call beyond the simulated latency (HTTP client and simulator): p50 %d ms, p99 %d ms;%n",
          lat.callP50(), lat.callP99());
      out.printf("   after it finishes (commit, delivery to the client): p50 %d ms, p99 %d ms%n",
          lat.deliveryP50(), lat.deliveryP99());
      out.printf("%n   memory of this JVM (broker, simulator and benchmark included):%n");
      out.printf("   idle before any worker: heap used %d MB, RSS %d MB%n", idle.heapMb(), idle.rssMb());
      if (peak != null) {
        out.printf("   peak during the max-in-flight %d run: heap used %d MB, RSS %d MB, threads %d%n",
            options.inFlights().get(options.inFlights().size() - 1), peak.heapMb(), peak.rssMb(), peak.threads());
      }
      out.printf("%n   simulator calls answered: %,d subscription%n", sim.successes(Route.SUBSCRIPTION));

      quota(kafka);
      transports(s, sim, token, workDir);
      report(kafka);
    }
  }

  /** Section 7 alone ({@code ./promptq bench --report}). */
  public void runReport(Path workDir) throws Exception {
    out.printf("promptq report benchmark: %d cores, Java %s%n", Runtime.getRuntime().availableProcessors(),
        System.getProperty("java.version"));
    try (EmbeddedKafka kafka = EmbeddedKafka.builder().tempParent(workDir).build().start()) {
      report(kafka);
    }
  }

  private void report(EmbeddedKafka kafka) throws Exception {
    out.printf("%n7. The usage report: a synthetic month of %,d usage records (one per job) on the usage topic, read "
        + "by a plain consumer and by promptq report%n", options.reportRecords());
    ReportScenario.Result r = new ReportScenario(kafka.bootstrapServers()).run(options.reportRecords(),
        java.time.Instant.now());
    out.printf("   written in %.1f s: %,d records, %.0f MB of JSON (%d bytes each on average)%n", r.writeSeconds(),
        r.records(), r.bytes() / 1e6, r.bytes() / Math.max(1, r.records()));
    out.printf("   plain consumer, bytes only: %.1f s (%,.0f records/s)%n", r.plainSeconds(),
        r.records() / r.plainSeconds());
    out.printf("   promptq report (read, decode, price, add up): %.1f s (%,.0f records/s), %.2fx the plain read%n",
        r.reportSeconds(), r.records() / r.reportSeconds(), r.reportSeconds() / r.plainSeconds());
    out.printf("%n   the report it made (synthetic data, plan $200):%n");
    java.io.StringWriter text = new java.io.StringWriter();
    dev.promptq.report.ReportText.print(new java.io.PrintWriter(text), r.report(), r.topic());
    text.toString().lines().forEach(l -> out.println("   " + l));
  }

  /** Section 6 alone ({@code ./promptq bench --transport}). */
  public void runTransports(Path workDir) throws Exception {
    Secret token = Secret.of("sk-ant-oat01-bench-" + UUID.randomUUID());
    out.printf("promptq transport benchmark: %d cores, Java %s%n", Runtime.getRuntime().availableProcessors(),
        System.getProperty("java.version"));
    try (EmbeddedKafka kafka = EmbeddedKafka.builder().tempParent(workDir).build().start();
        AnthropicSimulator sim = AnthropicSimulator.builder().oauthToken(token).build().start()) {
      transports(new Scenarios(kafka.bootstrapServers(), sim, token), sim, token, workDir);
    }
  }

  private void transports(Scenarios s, AnthropicSimulator sim, Secret token, Path workDir) throws Exception {
    if (claude == null) {
      out.printf("%n6. Subscription transports: skipped (no claude executable: install Claude Code, e.g. npm install "
          + "-g @anthropic-ai/claude-code, or pass --claude-cli PATH)%n");
      return;
    }
    TransportScenario t = new TransportScenario(sim, token, claude, workDir);
    out.printf("%n6. Subscription transports: http next to Claude Code %s (claude -p, one process per call)%n",
        t.version());
    sim.setLatency(Duration.ZERO);
    out.printf("   start-up of the executable (claude --version): p50 %d ms%n", t.versionStartupMs(5));
    TransportScenario.ProcessSampler memory = new TransportScenario.ProcessSampler();
    TransportScenario.Calls http = t.http(options.transportCalls());
    TransportScenario.Calls cli = t.cli(options.transportCalls(), memory);
    out.printf("   one call at a time, zero simulator latency, %d calls: http p50 %d ms, p99 %d ms; claude-cli p50 %d ms, "
        + "p99 %d ms (the process's overhead per call)%n", options.transportCalls(), http.p50Ms(), http.p99Ms(),
        cli.p50Ms(), cli.p99Ms());
    TransportScenario.ProcessMemory m = memory.memory();
    out.printf("   per claude process: peak RSS p50 %d MB, max %d MB; CPU (user + system, as last sampled) p50 %d ms; "
        + "%d processes seen%n", m.medianMb(), m.maxMb(), m.medianCpuMs(), m.processes());
    sim.setLatency(options.latency());
    double latencySeconds = options.latency().toMillis() / 1000.0;
    out.printf("   through a worker, simulator latency %d ms, jobs = concurrency x %d (http: max in flight; claude-cli: "
        + "processes = max in flight):%n", options.latency().toMillis(), options.transportWaves());
    for (int c : options.transportConcurrency()) {
      int jobs = c * options.transportWaves();
      double httpJobs = s.promptq(jobs, c, Delivery.EXACTLY_ONCE).jobsPerSecond();
      TransportScenario.ProcessSampler all = new TransportScenario.ProcessSampler();
      all.start();
      double cliJobs;
      try {
        cliJobs = s.promptq(jobs, c, Delivery.EXACTLY_ONCE, t.settings(c)).jobsPerSecond();
      } finally {
        all.stop();
      }
      out.printf("   concurrency %3d: http %6.1f jobs/s, claude-cli %6.1f jobs/s (ratio %.2f; Little's bound %.1f); "
          + "claude processes' RSS at once up to %d MB%n", c, httpJobs, cliJobs, cliJobs / httpJobs, c / latencySeconds,
          all.memory().allAtOnceMb());
    }
  }

  /**
   * Section 8 alone ({@code ./promptq bench --gateway}): the gateway under SDK-style load; with
   * {@code gatewayCommand} (how to start {@code promptq gateway} in a new JVM), also one killed.
   */
  public void runGateway(Path workDir, int clients, Duration duration, int batchRequests, List<String> gatewayCommand)
      throws Exception {
    Secret oauth = Secret.of("sk-ant-oat01-bench-" + UUID.randomUUID());
    Secret apiKey = Secret.of("sk-ant-api03-bench-" + UUID.randomUUID());
    out.printf("promptq gateway benchmark: %d cores, Java %s%n", Runtime.getRuntime().availableProcessors(),
        System.getProperty("java.version"));
    try (EmbeddedKafka kafka = EmbeddedKafka.builder().tempParent(workDir).build().start();
        AnthropicSimulator sim = AnthropicSimulator.builder().oauthToken(oauth).apiKey(apiKey)
            .latency(Duration.ofSeconds(1)).build().start()) {
      new GatewayScenario(kafka.bootstrapServers(), sim.baseUrl(), oauth, apiKey, Duration.ofSeconds(1))
          .section(out, clients, duration, batchRequests);
      if (gatewayCommand != null) {
        new GatewayCrashScenario(kafka.bootstrapServers(), sim.baseUrl(), oauth, apiKey, gatewayCommand)
            .section(out, Math.min(clients, 50), Duration.ofSeconds(30), Math.min(batchRequests, 2000));
      }
    }
  }

  /** Section 5 alone ({@code ./promptq bench --quota}). */
  public void runQuota(Path workDir) throws Exception {
    out.printf("promptq quota benchmark: %d cores, Java %s%n", Runtime.getRuntime().availableProcessors(),
        System.getProperty("java.version"));
    try (EmbeddedKafka kafka = EmbeddedKafka.builder().tempParent(workDir).build().start()) {
      quota(kafka);
    }
  }

  private void quota(EmbeddedKafka kafka) throws Exception {
    budgets(kafka);
    learned(kafka);
  }

  /** Section 5's second half: nothing about the plan configured, the windows learned from the answers. */
  private void learned(EmbeddedKafka kafka) throws Exception {
    LearnedQuotaScenario learned = new LearnedQuotaScenario(kafka.bootstrapServers());
    int n = options.learnedCalls();
    out.printf("%n5b. Quota learned from the answers, nothing configured, three workers, 20 ms simulated latency%n");
    LearnedQuotaScenario.Result first = learned.run(3, 5 * n, RoutePolicy.SUBSCRIPTION_FIRST,
        LearnedQuotaScenario.Spread.EVEN, QuotaSettings.none(), sim -> sim.subscriptionQuota(n, Duration.ofHours(5)));
    out.printf("   %d subscription_first jobs, the subscription allows %d calls per five hours: it served %d (%.1f%%), "
        + "%d rejected subscription calls, the API served %d%n", 5 * n, n, first.served(Route.SUBSCRIPTION),
        100.0 * first.served(Route.SUBSCRIPTION) / n, first.rejected(), first.served(Route.API));

    int m = options.learnedWindowCalls();
    Duration w = options.learnedWindow();
    double ideal = 3 * w.toMillis() / 1000.0;
    QuotaSettings told = QuotaSettings.none().withWindowLengths(Map.of("5h", w));
    LearnedQuotaScenario.Result even = learned.run(3, 3 * m, RoutePolicy.SUBSCRIPTION_ONLY,
        LearnedQuotaScenario.Spread.UNEVEN, told, sim -> sim.subscriptionQuota(m, w));
    out.printf("   %d subscription_only jobs, three quarters on one partition and the rest on another, %d calls per "
        + "%d s window (its length told, nothing else): %.1f s for an ideal %.0f s (ratio %.3f), %d rejected%n",
        3 * m, m, w.toSeconds(), even.seconds(), ideal, even.seconds() / ideal, even.rejected());
    LearnedQuotaScenario.Result budgeted = learned.run(3, 3 * m, RoutePolicy.SUBSCRIPTION_ONLY,
        LearnedQuotaScenario.Spread.UNEVEN, new QuotaSettings(Optional.of(new Budget(m, w)), Optional.empty(), 0.1,
            Duration.ofMillis(250)).withWindowLengths(Map.of("5h", w)), sim -> sim.subscriptionQuota(m, w));
    out.printf("   the same with a budget of %d per %d s configured: %.1f s for an ideal %.0f s (ratio %.3f), %d rejected%n",
        m, w.toSeconds(), budgeted.seconds(), ideal, budgeted.seconds() / ideal, budgeted.rejected());

    double week = 0.0005 * n / 30;  // a call of these jobs costs about $0.00006: the week holds about 250 for n = 300
    LearnedQuotaScenario.Result weekly = learned.run(3, 2 * n, RoutePolicy.SUBSCRIPTION_FIRST,
        LearnedQuotaScenario.Spread.EVEN, QuotaSettings.none(), sim -> sim
            .subscriptionWindow(SimWindow.fixed("5h", Duration.ofHours(5), 1.0))
            .subscriptionWindow(SimWindow.fixed("7d", Duration.ofDays(7), week)));
    out.printf("   the seven-day window binding ($%.4f in it) while the five-hour one has room ($1): %d "
        + "subscription_first jobs, the week used to %.1f%%, the subscription served %d, %d rejected subscription "
        + "calls, the API served %d%n", week, 2 * n, 100 * weekly.weekUsedUsd() / week, weekly.served(Route.SUBSCRIPTION),
        weekly.rejected(), weekly.served(Route.API));

    double creditUsd = 0.01 * n / 300;  // about 170 calls of these jobs for n = 300
    LearnedQuotaScenario.Result credited = learned.run(3, 2 * n, RoutePolicy.SUBSCRIPTION_FIRST,
        LearnedQuotaScenario.Spread.EVEN, QuotaSettings.none().withCredit(new QuotaSettings.Credit(creditUsd, 1)),
        sim -> sim.subscriptionCredit(creditUsd));
    out.printf("   a credit of $%.4f for programmatic use (subscription.credit.usd): %d subscription_first jobs, %.1f%% of "
        + "it spent by %d subscription calls, %d answered 402 (in flight when it ran out), the API served %d%n",
        creditUsd, 2 * n, 100 * credited.creditUsedUsd() / creditUsd, credited.served(Route.SUBSCRIPTION),
        credited.calls().stream().filter(c -> c.route() == Route.SUBSCRIPTION && c.status() == 402).count(),
        credited.served(Route.API));

    // the api's token limits: a minute on the real API, compressed to options.apiPeriod() here
    Duration period = options.apiPeriod();
    long perPeriod = 60_000;
    double perSecond = perPeriod / (period.toMillis() / 1000.0);
    int apiJobs = (int) (perPeriod * (options.apiPeriods() + 1) / 1550);  // prompts of 100 to 3,000 tokens
    LearnedQuotaScenario.Result api = learned.run(3, apiJobs, RoutePolicy.API_ONLY, LearnedQuotaScenario.Spread.EVEN,
        QuotaSettings.none(), sim -> sim.apiRateLimits(new ApiRateLimits.Limits(0, perPeriod, 0, period)), 3000);
    double budget = perPeriod + perSecond * api.span(Route.API);
    out.printf("   api_only jobs of 100 to 3,000 input tokens, the key allows %,d input tokens per %d s (a minute, "
        + "compressed; nothing configured): %d jobs, %,d tokens in %.1f s = %.1f%% of the token budget (the full "
        + "bucket plus its refill), %d 429s, %d after the first period%n", perPeriod, period.toSeconds(),
        api.served(Route.API), api.inputTokens(Route.API), api.span(Route.API), 100 * api.inputTokens(Route.API) / budget,
        api.calls().stream().filter(c -> c.route() == Route.API && c.status() == 429).count(),
        api.rejectedAfter(Route.API, period));
  }

  private void budgets(EmbeddedKafka kafka) throws InterruptedException {
    out.printf("%n5. Quota governor: subscription budget %d per %s, the simulator's fixed window quota the same, "
        + "more subscription_only jobs than the budget, %d full windows measured%n", options.quotaBudget(),
        options.quotaWindow(), options.quotaWindows());
    QuotaScenario quota = new QuotaScenario(kafka.bootstrapServers());
    for (int workers : options.quotaWorkers()) {
      QuotaScenario.Result r = quota.run(workers, options.quotaBudget(), options.quotaWindow(), options.quotaWindows());
      out.printf("   %d workers: budget used per window %s = min %.1f%%, mean %.1f%%; violations: %d quota 429s, "
          + "most in any window %d of %d%n", workers, r.windows(), r.minUse(options.quotaBudget()) * 100,
          r.meanUse(options.quotaBudget()) * 100, r.rejected(), r.maxInAnyWindow(), options.quotaBudget());
    }
  }
}
