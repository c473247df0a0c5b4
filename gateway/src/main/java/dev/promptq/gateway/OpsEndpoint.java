package dev.promptq.gateway;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.promptq.gateway.api.GatewayMetrics;
import dev.promptq.http.Responses;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * {@code GET /metrics} of a gateway (Prometheus text), on its own port so the API's port serves
 * the API only. Owns its server and the thread {@code promptq-gateway-ops-<instance>}.
 */
final class OpsEndpoint implements AutoCloseable {
  private final HttpServer server;
  private final ExecutorService thread;

  OpsEndpoint(String bind, int port, String instance, GatewayMetrics metrics) {
    try {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getByName(bind), port), 16);
    } catch (IOException e) {
      throw new UncheckedIOException("gateway.ops.bind/gateway.ops.port: cannot listen on " + bind + ":" + port, e);
    }
    thread = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "promptq-gateway-ops-" + instance);
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(thread);
    server.createContext("/metrics", ex -> answer(ex, 200, metrics.scrape()));
    server.createContext("/", ex -> answer(ex, 404, "not found: try /metrics\n"));
    server.start();
  }

  InetSocketAddress address() {
    return server.getAddress();
  }

  private static void answer(HttpExchange ex, int status, String body) throws IOException {
    try (ex) {
      ex.getRequestBody().readAllBytes();
      Responses.send(ex, status, "text/plain; version=0.0.4; charset=utf-8", body.getBytes(StandardCharsets.UTF_8),
          Map.of());
    }
  }

  @Override
  public void close() {
    server.stop(0);
    thread.shutdownNow();
  }
}
