package dev.promptq.cli;

import dev.promptq.config.Secret;
import dev.promptq.job.Route;
import dev.promptq.testkit.sim.AnthropicSimulator;
import dev.promptq.testkit.sim.AnthropicSimulatorBuilder;
import dev.promptq.testkit.sim.Directives;
import dev.promptq.testkit.sim.RandomFaults;
import dev.promptq.testkit.sim.SimFault;
import dev.promptq.testkit.sim.ApiRateLimits;
import dev.promptq.testkit.sim.SimWindow;
import dev.promptq.testkit.sim.TokenAuthority;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "sim", mixinStandardHelpOptions = true,
    description = {
      "Runs the local Anthropic API simulator on 127.0.0.1 until stopped.",
      "",
      "It answers POST /v1/messages as strictly as the real API (server-sent events for stream: true, "
          + "as Claude Code asks) and accepts the API keys and OAuth tokens given here, plus "
          + "ANTHROPIC_API_KEY and CLAUDE_CODE_OAUTH_TOKEN from the environment. "
          + "Point workers at it with ANTHROPIC_BASE_URL=<printed address>.",
      "",
      "Any row of the failure table can be asked for in a prompt: [sim:overloaded], "
          + "[sim:subscription:quota_spent], [sim:api:server_error*2] (the first two times only). Rows: "
          + "invalid_request, credential_refused, credit_too_low, token_expired, permission_denied, organization_disabled, quota_spent, "
          + "throttled, extra_usage, rate_limited, server_error, overloaded, timeout, disconnect."
    })
final class SimCommand implements Callable<Integer> {

  @picocli.CommandLine.Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Option(names = "--port", defaultValue = "8080", description = "Port (default: ${DEFAULT-VALUE}; 0 picks a free one).")
  int port;

  @Option(names = "--latency-ms", defaultValue = "0", description = "Delay before every answer (default: ${DEFAULT-VALUE}).")
  long latencyMs;

  @Option(names = "--api-key", description = "An API key to accept (repeatable).")
  List<String> apiKeys = new ArrayList<>();

  @Option(names = "--oauth-token", description = "An OAuth access token to accept (repeatable).")
  List<String> oauthTokens = new ArrayList<>();

  @Option(names = "--subscription-quota", paramLabel = "N",
      description = "Subscription requests per quota window; beyond it 429 with the unified rate-limit headers "
          + "(default: no quota, no unified headers).")
  Integer quota;

  @Option(names = "--batch-processing", defaultValue = "PT1S", paramLabel = "DURATION",
      description = "How long a Message Batch takes to end, ISO-8601 (default: ${DEFAULT-VALUE}).")
  Duration batchProcessing;

  @Option(names = "--batch-expiry", defaultValue = "PT24H", paramLabel = "DURATION",
      description = "When a Message Batch expires after its creation, ISO-8601; what it has not processed by then "
          + "is expired (default: ${DEFAULT-VALUE}).")
  Duration batchExpiry;

  @Option(names = "--quota-window", defaultValue = "PT5H",
      description = "The quota window, ISO-8601, starting at its first request (default: ${DEFAULT-VALUE}).")
  Duration quotaWindow;

  @Option(names = "--quota-sliding",
      description = "A sliding quota window (at most N in any window) instead of a fixed one starting at its first request.")
  boolean quotaSliding;

  @Option(names = "--window", paramLabel = "NAME=DURATION:USD[:sliding][:models=PREFIX]",
      description = "A usage-weighted subscription window instead of --subscription-quota (repeatable): calls "
          + "fill it by what they would cost at API list prices, e.g. --window 5h=PT5H:20 --window 7d=P7D:150 "
          + "--window 7d-sonnet=P7D:100:models=claude-sonnet; answers report each window's utilisation.")
  List<String> windows = new ArrayList<>();

  @Option(names = "--api-limits", paramLabel = "RPM:ITPM:OTPM[:PERIOD]",
      description = "The API key's rate limits: requests, input tokens and output tokens per minute (0: none), "
          + "or per PERIOD (ISO-8601) to compress time; beyond them 429 with retry-after, and the "
          + "anthropic-ratelimit-* headers on every api answer (default: none).")
  String apiLimits;

  @Option(names = "--subscription-credit", paramLabel = "USD",
      description = "A credit programmatic use of the subscription draws on: its calls count at API list prices, "
          + "and once spent every subscription call is answered 402 billing_error (default: none).")
  Double credit;

  @Option(names = "--fault", paramLabel = "ROW=P",
      description = "Answer a failure-table row with probability P (repeatable), e.g. overloaded=0.05.")
  Map<String, Double> faults = new LinkedHashMap<>();

  @Option(names = "--fault-route", defaultValue = "both",
      description = "Where --fault applies: subscription, api or both (default: ${DEFAULT-VALUE}).")
  String faultRoute;

  @Option(names = "--token-ttl", paramLabel = "DURATION",
      description = "Real OAuth token behaviour: issued access tokens expire after this (ISO-8601, e.g. PT1H), "
          + "refresh tokens are single-use, POST /v1/oauth/token refreshes (default: off).")
  Duration tokenTtl;

  @Option(names = "--oauth-client-id", description = "With --token-ttl: the client id the token endpoint accepts "
      + "(default: any).")
  String oauthClientId;

  @Option(names = "--login-file", paramLabel = "FILE",
      description = "With --token-ttl: write a fresh login to FILE in the ~/.claude/.credentials.json shape "
          + "(for `promptq credentials import FILE` or credentials.file).")
  Path loginFile;

  /** Reads {@code RPM:ITPM:OTPM[:PERIOD]}. */
  static ApiRateLimits.Limits apiLimits(String spec) {
    String[] p = spec.split(":");
    try {
      if (p.length < 3 || p.length > 4) {
        throw new IllegalArgumentException();
      }
      return new ApiRateLimits.Limits(Long.parseLong(p[0]), Long.parseLong(p[1]), Long.parseLong(p[2]),
          p.length == 4 ? Duration.parse(p[3]) : Duration.ofMinutes(1));
    } catch (RuntimeException e) {
      throw new PromptQ.UsageError("--api-limits: " + spec + " (expected RPM:ITPM:OTPM[:PERIOD], e.g. "
          + "50:30000:8000 or 0:60000:0:PT10S; limits not negative, 0 for none)");
    }
  }

  @Override
  public Integer call() throws InterruptedException {
    if (latencyMs < 0) {
      throw new PromptQ.UsageError("--latency-ms: " + latencyMs + " (must be >= 0)");
    }
    Clock clock = Clock.systemUTC();
    AnthropicSimulatorBuilder b = AnthropicSimulator.builder().port(port).latency(Duration.ofMillis(latencyMs))
        .responder(new Directives(clock, Duration.ofMinutes(1)));
    try {
      b.batchProcessing(batchProcessing).batchExpiry(batchExpiry);
    } catch (IllegalArgumentException e) {
      throw new PromptQ.UsageError("--batch-processing / --batch-expiry: " + e.getMessage());
    }
    if (quota != null) {
      if (quota < 1 || quotaWindow.isNegative() || quotaWindow.isZero()) {
        throw new PromptQ.UsageError("--subscription-quota: " + quota + " per " + quotaWindow
            + " (must be at least 1 per a positive window)");
      }
      b.subscriptionQuota(quota, quotaWindow);
      if (quotaSliding) {
        b.slidingQuotaWindow();
      }
    }
    if (!windows.isEmpty() && quota != null) {
      throw new PromptQ.UsageError("--window and --subscription-quota: choose one way to limit the subscription");
    }
    for (String w : windows) {
      try {
        b.subscriptionWindow(SimWindow.parse(w));
      } catch (IllegalArgumentException e) {
        throw new PromptQ.UsageError("--window: " + e.getMessage());
      }
    }
    if (apiLimits != null) {
      b.apiRateLimits(apiLimits(apiLimits));
    }
    if (credit != null) {
      if (!(credit > 0)) {
        throw new PromptQ.UsageError("--subscription-credit: " + credit + " (a positive USD amount)");
      }
      b.subscriptionCredit(credit);
    }
    if (!faults.isEmpty()) {
      Map<SimFault, Double> byFault = new EnumMap<>(SimFault.class);
      Route only;
      try {
        faults.forEach((name, p) -> byFault.put(SimFault.fromWireName(name), p));
        only = faultRoute.equals("both") ? null : Route.fromWireName(faultRoute);
        b.responder(new RandomFaults(byFault, only, clock, Duration.ofMinutes(1)));
      } catch (IllegalArgumentException e) {
        throw new PromptQ.UsageError("--fault: " + e.getMessage());
      }
    }
    if (tokenTtl != null) {
      if (tokenTtl.toSeconds() < 1) {
        throw new PromptQ.UsageError("--token-ttl: " + tokenTtl + " (at least PT1S)");
      }
      b.oauthTokens(tokenTtl, oauthClientId);
    } else if (loginFile != null || oauthClientId != null) {
      throw new PromptQ.UsageError("--login-file and --oauth-client-id need --token-ttl");
    }
    List<String> keys = new ArrayList<>(apiKeys);
    List<String> tokens = new ArrayList<>(oauthTokens);
    addEnv(keys, "ANTHROPIC_API_KEY");
    addEnv(tokens, "CLAUDE_CODE_OAUTH_TOKEN");
    if (keys.isEmpty() && tokens.isEmpty() && tokenTtl == null) {
      throw new PromptQ.UsageError("no credentials to accept: give --api-key and/or --oauth-token "
          + "(or set ANTHROPIC_API_KEY / CLAUDE_CODE_OAUTH_TOKEN)");
    }
    keys.forEach(k -> b.apiKey(Secret.of(k)));
    tokens.forEach(t -> b.oauthToken(Secret.of(t)));
    AnthropicSimulator sim = b.build().start();
    if (loginFile != null) {
      TokenAuthority.Issued login = sim.tokens().login(loginFile);
      spec.commandLine().getOut().println("Wrote a login (access token expires at " + login.expiresAt() + ") to "
          + loginFile + "; token endpoint " + sim.tokenUrl());
    }
    GracefulStop stop = GracefulStop.onSignals(sim::close);
    spec.commandLine().getOut().println("Simulator ready at " + sim.baseUrl() + " (" + Plural.of(keys.size(), "API key") + ", "
        + Plural.of(tokens.size(), "OAuth token") + " accepted" + (quota == null ? "" : ", subscription quota " + quota + " per "
        + quotaWindow) + (windows.isEmpty() ? "" : ", windows " + String.join(" ", windows))
        + (faults.isEmpty() ? "" : ", faults " + faults) + ")");
    spec.commandLine().getOut().flush();
    stop.awaitSignalAndDone();
    return 0;
  }

  private static void addEnv(List<String> into, String var) {
    String v = System.getenv(var);
    if (v != null && !v.isBlank()) {
      into.add(v);
    }
  }
}
