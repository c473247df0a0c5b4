package dev.promptq.cli;

import dev.promptq.config.Settings;
import dev.promptq.gateway.Gateway;
import dev.promptq.gateway.GatewayConfig;
import dev.promptq.kafka.GatewaySeal;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "gateway", mixinStandardHelpOptions = true,
    description = {
      "Runs an Anthropic-compatible gateway until stopped (Ctrl-C or SIGTERM).",
      "",
      "Apps on Anthropic's SDKs call it by changing their base URL and using a promptq key "
          + "(./promptq keys create): POST /v1/messages (streaming too) becomes a job for the worker group, "
          + "and its result the answer. It keeps no state outside Kafka: run as many as you like behind a load "
          + "balancer. Listens on 127.0.0.1 unless --bind says otherwise; HTTPS with --tls-cert and --tls-key.",
      "",
      "Needs PROMPTQ_GATEWAY_SECRET (gateway.secret): the same base64 secret the workers have, with which it seals "
          + "its jobs so that only they may answer into its reply topics (make one: openssl rand -base64 32)."
    })
final class GatewayCommand implements Callable<Integer> {

  @picocli.CommandLine.Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Mixin
  ConnectionOptions connection;

  @Option(names = "--port", description = "Port (default " + GatewayConfig.DEFAULT_PORT + "; 0 picks a free one).")
  Integer port;

  @Option(names = "--bind", description = "Address to listen on (default 127.0.0.1).")
  String bind;

  @Option(names = "--ops-port", description = "Serve /metrics on this port (0: any free port; default off).")
  Integer opsPort;

  @Option(names = "--tls-cert", paramLabel = "PEM", description = "Serve HTTPS with this certificate (chain), "
      + "with --tls-key.")
  String tlsCert;

  @Option(names = "--tls-key", paramLabel = "PEM", description = "The certificate's unencrypted PKCS#8 private key.")
  String tlsKey;

  Settings settings() {
    Map<String, String> flags = new HashMap<>();
    flags.put("gateway.port", port == null ? null : port.toString());
    flags.put("gateway.bind", bind);
    flags.put("gateway.ops.port", opsPort == null ? null : opsPort.toString());
    flags.put("gateway.tls.cert", tlsCert);
    flags.put("gateway.tls.key", tlsKey);
    return connection.load(Map.of(GatewaySeal.SECRET_ENV, "gateway.secret"), flags);
  }

  @Override
  public Integer call() throws InterruptedException {
    GatewayConfig config = GatewayConfig.fromSettings(settings());
    Gateway gateway;
    try {
      BrokerCheck.requireListening(config.bootstrapServers());
      gateway = Gateway.start(config);
    } catch (IllegalStateException e) {
      spec.commandLine().getErr().println("promptq gateway: cannot start with Kafka at " + config.bootstrapServers()
          + ": " + e.getMessage());
      return 1;
    } catch (UncheckedIOException e) {
      spec.commandLine().getErr().println("promptq gateway: " + e.getMessage());
      return 1;
    }
    GracefulStop stop = GracefulStop.onSignals(gateway::close);
    spec.commandLine().getOut().println("Gateway " + config.instanceId() + " listening at " + gateway.baseUrl()
        + " (Kafka " + config.bootstrapServers() + ", jobs to " + config.topics().jobs() + ")");
    gateway.opsAddress().ifPresent(a -> spec.commandLine().getOut().println("Metrics at http://"
        + a.getAddress().getHostAddress() + ":" + a.getPort() + "/metrics"));
    spec.commandLine().getOut().println("Try: " + curlLine(gateway.baseUrl(), "$PROMPTQ_KEY"));
    spec.commandLine().getOut().flush();
    stop.awaitSignalAndDone();
    spec.commandLine().getOut().println("Gateway " + config.instanceId() + " stopped");
    return 0;
  }

  /** A working {@code curl} line against {@code baseUrl} with {@code key}. */
  static String curlLine(String baseUrl, String key) {
    return "curl -s " + baseUrl + "/v1/messages -H \"x-api-key: " + key + "\" -H \"anthropic-version: 2023-06-01\" "
        + "-H \"content-type: application/json\" -d '{\"model\":\"claude-haiku-4-5\",\"max_tokens\":200,"
        + "\"messages\":[{\"role\":\"user\",\"content\":\"Hello, Claude\"}]}'";
  }
}
