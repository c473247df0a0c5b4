package dev.promptq.gateway.api;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.promptq.gateway.batches.BatchStore;
import dev.promptq.gateway.keys.KeyBook;
import dev.promptq.gateway.keys.KeyLimits;
import dev.promptq.job.Endpoint;
import dev.promptq.producer.PromptQClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;

/**
 * The gateway's HTTP server: the Anthropic API's paths it serves, and a JSON 404 for the others.
 * It speaks HTTPS when given an SSL context. Owns the server and two thread pools:
 * {@code promptq-gateway-http-N} read, check and publish
 * requests; {@code promptq-gateway-answer-N} write answers when results come.
 */
public final class ApiServer implements AutoCloseable {
  private static final int HTTP_THREADS = 16;
  private static final int ANSWER_THREADS = 8;

  private final HttpServer server;
  private final ExecutorService http = Executors.newFixedThreadPool(HTTP_THREADS, named("promptq-gateway-http-"));
  private final ExecutorService answers = Executors.newFixedThreadPool(ANSWER_THREADS, named("promptq-gateway-answer-"));

  /**
   * Binds {@code bind:port} (0 for any free port) and starts serving.
   *
   * @throws UncheckedIOException if the address cannot be bound
   */
  public ApiServer(String bind, int port, ApiSettings settings, KeyBook keys, KeyLimits limits, PromptQClient client,
      BatchStore batches, GatewayMetrics metrics, String knownSince, Optional<SSLContext> tls, Clock clock) {
    try {
      InetSocketAddress address = new InetSocketAddress(InetAddress.getByName(bind), port);
      if (tls.isPresent()) {
        HttpsServer https = HttpsServer.create(address, 256);
        https.setHttpsConfigurator(new HttpsConfigurator(tls.get()));
        server = https;
      } else {
        server = HttpServer.create(address, 256);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("gateway.bind/gateway.port: cannot listen on " + bind + ":" + port + " ("
          + e.getMessage() + ")", e);
    }
    Callers callers = new Callers(keys, settings.versions());
    MessagesHandler messages = new MessagesHandler(settings, callers, limits, client, metrics, answers, clock,
        Endpoint.MESSAGES);
    MessagesHandler counts = new MessagesHandler(settings, callers, limits, client, metrics, answers, clock,
        Endpoint.COUNT_TOKENS);
    BatchesHandler batchApi = new BatchesHandler(settings, callers, limits, batches, clock);
    server.setExecutor(http);
    server.createContext("/v1/messages", ex -> {
      String path = ex.getRequestURI().getPath();
      if (path.equals("/v1/messages") || path.equals("/v1/messages/")) {
        messages.handle(ex);
      } else if (path.startsWith(BatchesHandler.PATH)) {
        batchApi.handle(ex);
      } else if (path.equals("/v1/messages/count_tokens")) {
        counts.handle(ex);
      } else {
        notFound(ex, "not found: " + path);
      }
    });
    server.createContext("/v1/models", new ModelsHandler(callers, settings.models(), knownSince));
    server.createContext("/", ex -> notFound(ex, "not found: " + ex.getRequestURI().getPath()));
    server.start();
  }

  public InetSocketAddress address() {
    return server.getAddress();
  }

  private static void notFound(HttpExchange ex, String message) throws IOException {
    ex.getRequestBody().readAllBytes();
    Answers.error(ex, "req_not_found", 404, "not_found_error", message, 0);
  }

  private static ThreadFactory named(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  /** Stops accepting, waits up to {@code graceSeconds} for answers being written, then stops the threads. */
  public void close(int graceSeconds) {
    server.stop(graceSeconds);
    http.shutdownNow();
    answers.shutdown();
    try {
      answers.awaitTermination(graceSeconds, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    answers.shutdownNow();
  }

  @Override
  public void close() {
    close(1);
  }
}
