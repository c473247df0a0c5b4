package dev.promptq.worker.quota;

import dev.promptq.job.Route;
import io.github.resilience4j.ratelimiter.RateLimiterRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import com.fasterxml.jackson.databind.JsonNode;
import dev.promptq.usage.PriceTable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the group inside each route's {@link Budget}: every worker takes the share of the budget
 * that its share of the job partitions gives it, recomputed on every rebalance
 * ({@link #reshare}), so the sum over the group never exceeds the budget however many workers
 * there are. Calls on a route with a budget need a permit ({@link #tryAcquire}); a job without one
 * takes another route of its policy or waits ({@link #nextPermit}) without polling.
 *
 * <p>The subscription's answers steer the pace ({@link #observe}): when the five-hour utilisation
 * they report runs ahead of the budget's pace by more than {@link QuotaSettings#aheadMargin()}
 * (the real quota is smaller than the budget, or other clients use it), the worker slows to the
 * rate that spends the rest by the reset; a {@code rejected} answer closes the route group-wide
 * (the router does that).
 *
 * <p>Owns the thread {@code promptq-quota-<worker>} that wakes waiting jobs; {@link #close()}
 * stops it. Thread-safe.
 */
public final class QuotaGovernor implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(QuotaGovernor.class);

  private final QuotaSettings settings;
  private final Clock clock;
  private final ScheduledExecutorService timer;
  private final Map<Route, RoutePermits> permits = new EnumMap<>(Route.class);
  private final Map<Route, Optional<UnifiedRateLimit>> lastSeen = new EnumMap<>(Route.class);
  /** This worker's share of the job partitions (its share of the group while no worker reports demand). */
  private volatile double partitionShare;
  /** The share the budgets' permits were last set to (the demand share moves them). */
  private double permitShare;
  private final WindowsSeen windows;
  private final WindowEstimates estimates;
  private final GroupDemand demand;
  private final ApiLimits apiLimits;
  private final Optional<SubscriptionCredit> credit;
  private volatile java.util.function.Consumer<WorkerDemand> demandPublisher = d -> { };

  public QuotaGovernor(QuotaSettings settings, Clock clock, String workerId, MeterRegistry meters) {
    this(settings, PriceTable.defaults(), clock, workerId, meters, System::nanoTime);
  }

  /** @param prices what weighs a subscription call in the windows' estimates */
  public QuotaGovernor(QuotaSettings settings, PriceTable prices, Clock clock, String workerId, MeterRegistry meters) {
    this(settings, prices, clock, workerId, meters, System::nanoTime);
  }

  QuotaGovernor(QuotaSettings settings, Clock clock, String workerId, MeterRegistry meters, Supplier<Long> nanoTime) {
    this(settings, PriceTable.defaults(), clock, workerId, meters, nanoTime);
  }

  QuotaGovernor(QuotaSettings settings, PriceTable prices, Clock clock, String workerId, MeterRegistry meters,
      Supplier<Long> nanoTime) {
    this.settings = settings;
    this.clock = clock;
    this.demand = new GroupDemand(workerId, clock);
    this.credit = settings.credit().map(c -> new SubscriptionCredit(c.usd(), c.resetDay(), workerId, clock));
    this.apiLimits = new ApiLimits(settings.apiInputTokensPerMinute(), settings.apiOutputTokensPerMinute(), clock);
    this.estimates = new WindowEstimates(prices, settings.reserve(), settings.slowStart(), settings.windowLengths(), workerId,
        clock);
    this.windows = new WindowsSeen(meters, estimates::estimate, clock);
    this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "promptq-quota-" + workerId);
      t.setDaemon(true);
      return t;
    });
    RateLimiterRegistry registry = RateLimiterRegistry.ofDefaults();
    settings.subscription().ifPresent(b -> permits.put(Route.SUBSCRIPTION,
        new RoutePermits(Route.SUBSCRIPTION, b, settings.lag(), workerId, registry, timer, nanoTime)));
    settings.api().ifPresent(b -> permits.put(Route.API, new RoutePermits(Route.API, b, settings.lag(), workerId, registry, timer,
        nanoTime)));
    QuotaMeters.register(meters, registry, permits, this);
  }

  /** True if calls on {@code route} need a permit. */
  public boolean paces(Route route) {
    return permits.containsKey(route);
  }

  /** Takes a permit for a call on {@code route} if one is due (always, for a route without a budget). */
  public boolean tryAcquire(Route route) {
    RoutePermits p = permits.get(route);
    return p == null || p.tryAcquire();
  }

  /** Completes when a permit on {@code route} is due; cancel it if no longer needed. */
  public CompletableFuture<Void> nextPermit(Route route) {
    return nextPermit(route, null);
  }

  /**
   * As {@link #nextPermit(Route)}, for a job due by {@code deadline} (null: none): waiters are woken
   * earliest deadline first, those without one last, each in the order they came.
   */
  public CompletableFuture<Void> nextPermit(Route route, Instant deadline) {
    RoutePermits p = permits.get(route);
    return p == null ? CompletableFuture.completedFuture(null) : p.nextPermit(deadline);
  }

  /** This worker owns {@code owned} of the {@code total} job partitions now. */
  public void reshare(int owned, int total) {
    double s = total <= 0 ? 0 : (double) owned / total;
    if (s == partitionShare) {
      return;  // the end of a rebalance that changed nothing here
    }
    partitionShare = s;
    resharePermits(true);
    execute(this::publishDemand);  // the others learn which partitions it covers now
    for (Map.Entry<Route, RoutePermits> e : permits.entrySet()) {
      log.info("{} budget share: {} of {} requests per {} ({} of {} job partitions; shares follow demand while "
              + "workers have jobs)", e.getKey().wireName(), String.format("%.1f", e.getValue().perWindow()),
          e.getValue().budget().requests(), e.getValue().budget().window(), owned, total);
    }
  }

  /**
   * This worker's share of the group (0..1): among the workers holding jobs while it
   * holds some ({@link GroupDemand}), else of the job partitions.
   */
  public double share() {
    return demand.share(partitionShare);
  }

  /** The api route's rate limits by requests and tokens, learned from its answers. */
  public ApiLimits apiLimits() {
    return apiLimits;
  }

  /** The dollar credit programmatic use of the subscription draws on, if the plan has one. */
  public Optional<SubscriptionCredit> credit() {
    return credit;
  }

  /** This worker's part in the group's demand. */
  public GroupDemand demand() {
    return demand;
  }

  /**
   * Sets the budgets' permits to this worker's share now when it moved by a tenth or more (or
   * {@code always}): a new limiter loses the permit in progress, so small moves wait.
   */
  private synchronized void resharePermits(boolean always) {
    double s = share();
    if (!always && Math.abs(s - permitShare) < 0.1 * Math.max(s, permitShare)) {
      return;
    }
    permitShare = s;
    permits.values().forEach(p -> p.reshare(s));
  }

  /**
   * Publishes this worker's demand to {@code publisher} every {@code interval}, at once when it
   * starts holding jobs and when its partitions
   * change; moves the budgets' shares with the demand.
   *
   * @param maxJobs the most jobs this worker holds at once ({@code max.in.flight}): its weight
   */
  public void publishDemandTo(java.util.function.Consumer<WorkerDemand> publisher, Duration interval, int maxJobs) {
    demandPublisher = publisher;
    demand.maxJobs(maxJobs);
    demand.onStart(() -> execute(this::publishDemand));
    timer.scheduleAtFixedRate(this::publishDemand, 0, interval.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
  }

  /** Moves the budgets' shares with the demand and tells the group this worker's demand now (on the timer). */
  private void publishDemand() {
    try {
      resharePermits(false);
      demandPublisher.accept(demand.snapshot(partitionShare));
    } catch (RuntimeException e) {
      log.warn("could not publish this worker's demand: {}", e.toString());
    }
  }

  /**
   * Tells the group this worker leaves: no jobs, no partitions (so the others stop counting it at
   * once rather than when its figure goes stale). Call after the job loop stopped, before
   * {@link #close()}.
   */
  public void leave() {
    try {
      demandPublisher.accept(demand.snapshot(0).leaving());
    } catch (RuntimeException e) {
      log.warn("could not tell the group this worker leaves: {}", e.toString());
    }
  }

  /** Runs {@code task} on the timer thread, unless the governor is closing. */
  private void execute(Runnable task) {
    try {
      timer.execute(task);
    } catch (java.util.concurrent.RejectedExecutionException closing) {
      // the worker is stopping
    }
  }

  /** Reads the unified rate-limit headers of a subscription answer: slows down when it runs ahead. */
  public void observe(UnifiedRateLimit u) {
    windows.observe(u, clock.instant());
    synchronized (lastSeen) {
      lastSeen.put(Route.SUBSCRIPTION, Optional.of(u));
    }
    RoutePermits p = permits.get(Route.SUBSCRIPTION);
    if (p == null || u.resetAt() == null || Double.isNaN(u.utilization()) || u.rejected()) {
      return;
    }
    double pace = paceFor(u, p.budget(), clock.instant(), settings.aheadMargin());
    if (p.pace(pace)) {
      log.info("subscription at {}% of its quota, {}% into its window: pace {}%", Math.round(u.utilization() * 100),
          Math.round(elapsed(u, p.budget(), clock.instant()) * 100), Math.round(pace * 100));
    }
  }

  /** The subscription's utilisation per window as the latest answers naming each window reported it. */
  public Map<String, Double> windowsSeen() {
    return windows.utilizations();
  }

  /**
   * Takes a subscription answer: its unified headers (empty without), whether it was a 429, the
   * model and the usage of a success (null otherwise), and how long it took.
   */
  public void answered(Optional<UnifiedRateLimit> unified, boolean rateLimited, String model, JsonNode usage,
      long latencyMs) {
    estimates.answered(unified, rateLimited, model, usage, latencyMs);
    unified.ifPresent(this::observe);
  }

  /** What is left of the subscription's windows, learned from the answers. */
  public WindowEstimates estimates() {
    return estimates;
  }

  /** The subscription's windows as this worker last saw them. */
  public WindowsSeen windows() {
    return windows;
  }

  /** The last unified headers seen on {@code route}, for status and metrics. */
  public Optional<UnifiedRateLimit> lastSeen(Route route) {
    synchronized (lastSeen) {
      return lastSeen.getOrDefault(route, Optional.empty());
    }
  }

  /**
   * The pace for answers reporting {@code u}: 1 while the utilisation is within {@code margin} of
   * the share of the window gone by; else the rate that spends the rest of the quota by the reset
   * (at least 0.05).
   */
  static double paceFor(UnifiedRateLimit u, Budget budget, Instant now, double margin) {
    double elapsed = elapsed(u, budget, now);
    if (u.utilization() <= elapsed + margin) {
      return 1.0;
    }
    double left = Math.max(0, 1 - u.utilization());
    double timeLeft = Math.max(1e-6, 1 - elapsed);
    return Math.max(0.05, Math.min(1.0, left / timeLeft));
  }

  private static double elapsed(UnifiedRateLimit u, Budget budget, Instant now) {
    double remaining = Duration.between(now, u.resetAt()).toMillis() / (double) budget.window().toMillis();
    return Math.max(0, Math.min(1, 1 - remaining));
  }

  /** Where a worker's views of its budgets go: the control topic. */
  @FunctionalInterface
  public interface Publisher {
    void publish(QuotaView view);
  }

  /** Publishes this worker's view of each budget to {@code publisher} every {@code interval}. */
  public void publishTo(Publisher publisher, Duration interval, String workerId) {
    if (permits.isEmpty()) {
      return;
    }
    timer.scheduleAtFixedRate(() -> {
      try {
        views(workerId).forEach(publisher::publish);
      } catch (RuntimeException e) {
        log.warn("could not publish the quota view: {}", e.toString());
      }
    }, interval.toMillis(), interval.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
  }

  /** This worker's view of each budget now. */
  public java.util.List<QuotaView> views(String workerId) {
    java.util.List<QuotaView> out = new java.util.ArrayList<>();
    Instant now = clock.instant();
    permits.forEach((route, p) -> {
      Optional<UnifiedRateLimit> u = lastSeen(route);
      out.add(new QuotaView(route.wireName(), workerId, p.budget().requests(),
          p.budget().window().toMillis(), p.perWindow(), p.usedInWindow(),
          u.map(UnifiedRateLimit::utilization).orElse(Double.NaN), u.map(UnifiedRateLimit::resetAt).orElse(null),
          u.map(UnifiedRateLimit::status).orElse(null), now));
    });
    return out;
  }

  /** The budget of {@code route}, if paced. */
  public Optional<Budget> budget(Route route) {
    return Optional.ofNullable(permits.get(route)).map(RoutePermits::budget);
  }

  /** This worker's requests per window on {@code route} now (0 without a budget). */
  public double perWindow(Route route) {
    RoutePermits p = permits.get(route);
    return p == null ? 0 : p.perWindow();
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
