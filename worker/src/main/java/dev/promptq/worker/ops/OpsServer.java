package dev.promptq.worker.ops;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.promptq.http.Responses;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * The worker's operations endpoint: {@code GET /metrics} (Prometheus text format) and
 * {@code GET /health} (JSON; 200 while the worker runs, 503 after its loop stopped). Binds to
 * {@code ops.bind}, 127.0.0.1 by default, so nothing off the machine can read it unless the
 * operator says so. Serves counts and states only: no request bodies, no credentials.
 *
 * <p>Owns its server and the thread {@code promptq-ops-<worker>}; {@link #close()} stops them.
 */
public final class OpsServer implements AutoCloseable {
  /** What {@code /health} shows, computed when asked. */
  public record Health(boolean up, String json) {}

  private final HttpServer server;
  private final ExecutorService thread;

  /**
   * @param port 0 for any free port
   * @throws UncheckedIOException if the address cannot be bound
   */
  public OpsServer(String bind, int port, String workerId, WorkerMetrics metrics, Supplier<Health> health) {
    try {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getByName(bind), port), 16);
    } catch (IOException e) {
      throw new UncheckedIOException("ops.bind/ops.port: cannot listen on " + bind + ":" + port + " ("
          + e.getMessage() + ")", e);
    }
    thread = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "promptq-ops-" + workerId);
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(thread);
    server.createContext("/metrics", ex -> answer(ex, 200, "text/plain; version=0.0.4; charset=utf-8",
        metrics.scrape()));
    server.createContext("/health", ex -> {
      Health h = health.get();
      answer(ex, h.up() ? 200 : 503, "application/json", h.json());
    });
    server.createContext("/", ex -> answer(ex, 404, "text/plain", "not found: try /metrics or /health\n"));
    server.start();
  }

  public InetSocketAddress address() {
    return server.getAddress();
  }

  private static void answer(HttpExchange ex, int status, String type, String body) throws IOException {
    try (ex) {
      ex.getRequestBody().readAllBytes();
      if (!ex.getRequestMethod().equals("GET")) {
        status = 405;
        body = "GET only\n";
      }
      Responses.send(ex, status, type, body.getBytes(StandardCharsets.UTF_8), Map.of());
    }
  }

  @Override
  public void close() {
    server.stop(0);
    thread.shutdownNow();
  }
}
