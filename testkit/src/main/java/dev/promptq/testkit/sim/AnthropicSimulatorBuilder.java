package dev.promptq.testkit.sim;

import dev.promptq.config.Secret;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Settings for an {@link AnthropicSimulator}. Defaults: free port, no latency, no credentials. Not thread-safe. */
public final class AnthropicSimulatorBuilder {
  int port;
  Duration latency = Duration.ZERO;
  final java.util.Set<Secret> apiKeys = new java.util.HashSet<>();
  final java.util.Set<Secret> oauthTokens = new java.util.HashSet<>();
  final List<Responder> responders = new ArrayList<>();
  Clock clock = Clock.systemUTC();
  int quotaLimit;
  Duration quotaWindow;
  double quotaWarnAt = 0.8;
  boolean quotaSliding;
  final List<SimWindow> windows = new ArrayList<>();
  Duration tokenTtl;
  String clientId;
  String tokenMarker = "";
  ApiRateLimits.Limits apiLimits;
  double creditUsd = Double.NaN;
  Duration batchProcessing = Duration.ofSeconds(1);
  Duration batchExpiry = Duration.ofHours(24);

  AnthropicSimulatorBuilder() {}

  /**
   * Real OAuth token behaviour: access tokens issued by {@link AnthropicSimulator#tokens()} expire
   * after {@code ttl}, refresh tokens are single-use, and {@code POST /v1/oauth/token} accepts
   * requests naming {@code clientId} (null: any client id). Default: off.
   */
  public AnthropicSimulatorBuilder oauthTokens(Duration ttl, String clientId) {
    if (ttl == null || ttl.toSeconds() < 1) {
      throw new IllegalArgumentException("token TTL must be at least 1 s: " + ttl);
    }
    this.tokenTtl = ttl;
    this.clientId = clientId;
    return this;
  }

  /** A string every issued token contains, for leak tests; default none. */
  public AnthropicSimulatorBuilder tokenMarker(String marker) {
    this.tokenMarker = marker;
    return this;
  }

  /**
   * A window quota on the subscription route: {@code limit} requests per {@code window}, 429 with
   * {@code anthropic-ratelimit-unified-status: rejected} beyond it, and the unified headers on
   * every subscription answer. Default: none (no unified headers either).
   */
  public AnthropicSimulatorBuilder subscriptionQuota(int limit, Duration window) {
    if (limit < 1 || window == null || window.isZero() || window.isNegative()) {
      throw new IllegalArgumentException("subscription quota: limit >= 1 and a positive window required");
    }
    this.quotaLimit = limit;
    this.quotaWindow = window;
    return this;
  }

  /**
   * A usage-weighted window on the subscription route (repeatable: 5h, 7d, a per-model weekly
   * window): calls are admitted while every window counting their model has room, and their
   * answers' usage at API list prices fills the windows. Replaces {@link #subscriptionQuota}.
   */
  public AnthropicSimulatorBuilder subscriptionWindow(SimWindow window) {
    if (windows.stream().anyMatch(w -> w.name().equals(window.name()))) {
      throw new IllegalArgumentException("window " + window.name() + " given twice");
    }
    windows.add(window);
    return this;
  }

  /**
   * A sliding window instead of a fixed one: at most {@code limit} requests in any
   * {@code window}; the reset header says when the oldest counted request leaves it. Default fixed.
   */
  public AnthropicSimulatorBuilder slidingQuotaWindow() {
    this.quotaSliding = true;
    return this;
  }

  /** Utilisation from which answers say {@code allowed_warning}; default 0.8. */
  public AnthropicSimulatorBuilder quotaWarnAt(double utilization) {
    this.quotaWarnAt = utilization;
    return this;
  }

  /**
   * Rate limits on the api route, as an API key has them (requests, input and output tokens per
   * minute, or per a shorter period in tests): 429 with {@code retry-after} beyond them, and the
   * {@code anthropic-ratelimit-*} headers on every api answer. Default: none.
   */
  public AnthropicSimulatorBuilder apiRateLimits(ApiRateLimits.Limits limits) {
    this.apiLimits = limits;
    return this;
  }

  /**
   * A credit that programmatic use of the subscription draws on: its successes count at API list
   * prices, and once {@code usd} is spent every subscription call is answered 402
   * {@code billing_error}. Default: none.
   */
  public AnthropicSimulatorBuilder subscriptionCredit(double usd) {
    if (!(usd > 0)) {
      throw new IllegalArgumentException("subscription credit: a positive USD amount required");
    }
    this.creditUsd = usd;
    return this;
  }

  /**
   * How long a Message Batch takes to end (its requests are processed evenly over it); default
   * 1 s. Longer than the batch expiry, a batch ends at its expiry with what was not processed
   * {@code expired}.
   */
  public AnthropicSimulatorBuilder batchProcessing(Duration d) {
    this.batchProcessing = requireNonNegative(d);
    return this;
  }

  /** How long after its creation a Message Batch expires; default 24 hours, as the API's. */
  public AnthropicSimulatorBuilder batchExpiry(Duration d) {
    if (d == null || d.isZero() || d.isNegative()) {
      throw new IllegalArgumentException("batch expiry must be positive: " + d);
    }
    this.batchExpiry = d;
    return this;
  }

  /** Port on 127.0.0.1; 0 (default) picks a free one. */
  public AnthropicSimulatorBuilder port(int port) {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port out of range: " + port);
    }
    this.port = port;
    return this;
  }

  /** Delay before every answer; default zero. */
  public AnthropicSimulatorBuilder latency(Duration latency) {
    this.latency = requireNonNegative(latency);
    return this;
  }

  /** An API key the api route accepts. */
  public AnthropicSimulatorBuilder apiKey(Secret key) {
    apiKeys.add(key);
    return this;
  }

  /** An OAuth access token the subscription route accepts. */
  public AnthropicSimulatorBuilder oauthToken(Secret token) {
    oauthTokens.add(token);
    return this;
  }

  /** Adds a responder, consulted in the order added, before the default success answer. */
  public AnthropicSimulatorBuilder responder(Responder responder) {
    responders.add(responder);
    return this;
  }

  public AnthropicSimulatorBuilder clock(Clock clock) {
    this.clock = clock;
    return this;
  }

  public AnthropicSimulator build() {
    return new AnthropicSimulator(this);
  }

  static Duration requireNonNegative(Duration d) {
    if (d == null || d.isNegative()) {
      throw new IllegalArgumentException("a duration >= 0 required: " + d);
    }
    return d;
  }
}
