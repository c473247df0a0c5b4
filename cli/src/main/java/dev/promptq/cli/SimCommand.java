package dev.promptq.cli;

import dev.promptq.config.Secret;
import dev.promptq.testkit.sim.AnthropicSimulator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "sim", mixinStandardHelpOptions = true,
    description = {
      "Runs the local Anthropic API simulator on 127.0.0.1 until stopped.",
      "",
      "It answers POST /v1/messages as strictly as the real API and accepts the API keys and OAuth "
          + "tokens given here, plus ANTHROPIC_API_KEY and CLAUDE_CODE_OAUTH_TOKEN from the environment. "
          + "Point workers at it with ANTHROPIC_BASE_URL=<printed address>."
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

  @Override
  public Integer call() throws InterruptedException {
    if (latencyMs < 0) {
      throw new PromptQ.UsageError("--latency-ms: " + latencyMs + " (must be >= 0)");
    }
    AnthropicSimulator.Builder b = AnthropicSimulator.builder().port(port).latency(Duration.ofMillis(latencyMs));
    List<String> keys = new ArrayList<>(apiKeys);
    List<String> tokens = new ArrayList<>(oauthTokens);
    addEnv(keys, "ANTHROPIC_API_KEY");
    addEnv(tokens, "CLAUDE_CODE_OAUTH_TOKEN");
    if (keys.isEmpty() && tokens.isEmpty()) {
      throw new PromptQ.UsageError("no credentials to accept: give --api-key and/or --oauth-token "
          + "(or set ANTHROPIC_API_KEY / CLAUDE_CODE_OAUTH_TOKEN)");
    }
    keys.forEach(k -> b.apiKey(Secret.of(k)));
    tokens.forEach(t -> b.oauthToken(Secret.of(t)));
    AnthropicSimulator sim = b.build().start();
    GracefulStop stop = GracefulStop.onSignals(sim::close);
    spec.commandLine().getOut().println("Simulator ready at " + sim.baseUrl() + " (" + keys.size() + " API keys, "
        + tokens.size() + " OAuth tokens accepted)");
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
