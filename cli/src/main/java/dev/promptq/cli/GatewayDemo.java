package dev.promptq.cli;

import dev.promptq.config.Settings;
import dev.promptq.gateway.Gateway;
import dev.promptq.gateway.GatewayConfig;
import dev.promptq.gateway.keys.KeyAdmin;
import dev.promptq.job.RoutePolicy;
import dev.promptq.kafka.Topics;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The demo's last part: a gateway in front of the demo's workers, a promptq key, one real call
 * through it, and the lines to call it from a shell or Python.
 */
final class GatewayDemo {
  private static final String MODEL = "claude-haiku-4-5";

  private GatewayDemo() {}

  /**
   * @param secret the gateway secret the demo's workers have
   * @param port the gateway's port (0: any free one)
   * @param keepRunning serve until Ctrl-C rather than stop after the call
   * @return 0 when the call through the gateway succeeded
   */
  static int run(PrintWriter out, String bootstrapServers, Topics topics, String secret, int port,
      boolean keepRunning)
      throws InterruptedException {
    GatewayConfig config = GatewayConfig.fromSettings(Settings.of(Map.of("bootstrap.servers", bootstrapServers,
        "gateway.port", Integer.toString(port), "gateway.instance.id", "demo-gateway", "gateway.secret", secret)));
    try (KeyAdmin admin = new KeyAdmin(bootstrapServers, Map.of(), topics, Clock.systemUTC());
        Gateway gateway = Gateway.start(config)) {
      String key = admin.create(new KeyAdmin.Grant("demo-" + System.currentTimeMillis(),
          List.of(RoutePolicy.SUBSCRIPTION_FIRST), "*", null, 0)).key();
      String body = "{\"model\":\"" + MODEL + "\",\"max_tokens\":200,"
          + "\"messages\":[{\"role\":\"user\",\"content\":\"Hello, Claude\"}]}";
      HttpResponse<String> answer = call(gateway.baseUrl(), key, body);
      out.println();
      out.println("Gateway at " + gateway.baseUrl() + ": POST /v1/messages with a promptq key answered "
          + answer.statusCode() + " (" + answer.body().length() + " bytes, through the same workers)");
      out.println("  curl:    " + GatewayCommand.curlLine(gateway.baseUrl(), key));
      out.println("  Python:  import anthropic");
      out.println("           print(anthropic.Anthropic(base_url=\"" + gateway.baseUrl() + "\", api_key=\"" + key
          + "\").messages.create(model=\"" + MODEL + "\", max_tokens=200, messages=[{\"role\": \"user\", "
          + "\"content\": \"Hello, Claude\"}]).content[0].text)");
      if (keepRunning) {
        out.println("The gateway, the workers and the broker run until Ctrl-C.");
        out.flush();
        GracefulStop.onSignals(() -> { }).awaitSignalAndDone();
      } else {
        out.println("  (the demo stops now: add --keep-running to keep the gateway up and try these lines)");
      }
      out.flush();
      return answer.statusCode() == 200 ? 0 : 1;
    }
  }

  /** One call; a key the gateway has not read yet is answered 401, so it asks again for a few seconds. */
  private static HttpResponse<String> call(String baseUrl, String key, String body) throws InterruptedException {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl + "/v1/messages"))
        .header("x-api-key", key).header("anthropic-version", "2023-06-01").header("content-type", "application/json")
        .timeout(Duration.ofSeconds(60)).POST(HttpRequest.BodyPublishers.ofString(body)).build();
    long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (true) {
      try {
        HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 401 || System.nanoTime() > until) {
          return r;
        }
      } catch (IOException e) {
        if (System.nanoTime() > until) {
          throw new IllegalStateException("the gateway did not answer: " + e.getMessage(), e);
        }
      }
      Thread.sleep(200);
    }
  }
}
