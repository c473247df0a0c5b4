package dev.promptq.worker.anthropic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.promptq.config.Secret;
import dev.promptq.job.Route;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import dev.promptq.testkit.sim.AnthropicSimulator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** What the HTTP transport does on the wire, against a raw socket server on loopback. */
class MessagesClientTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  /**
   * Answers the first request on a connection, reads the second and closes the connection without
   * an answer (as a server or proxy that dropped it after the request arrived); answers any
   * request on a later connection.
   */
  private static final class DropsTheSecondRequest implements AutoCloseable {
    final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    final AtomicInteger requests = new AtomicInteger();
    final Thread thread = new Thread(this::serve, "drops-second-request");

    DropsTheSecondRequest() throws IOException {
      thread.setDaemon(true);
      thread.start();
    }

    String url() {
      return "http://127.0.0.1:" + server.getLocalPort();
    }

    private void serve() {
      try (Socket first = server.accept()) {
        readRequest(first.getInputStream());
        requests.incrementAndGet();
        answer(first.getOutputStream());
        readRequest(first.getInputStream());
        requests.incrementAndGet();
      } catch (IOException e) {
        return;
      }
      while (!server.isClosed()) {
        try (Socket later = server.accept()) {
          readRequest(later.getInputStream());
          requests.incrementAndGet();
          answer(later.getOutputStream());
        } catch (IOException e) {
          return;
        }
      }
    }

    private static void readRequest(InputStream in) throws IOException {
      ByteArrayOutputStream head = new ByteArrayOutputStream();
      int b;
      while ((b = in.read()) != -1) {
        head.write(b);
        byte[] h = head.toByteArray();
        int n = h.length;
        if (n >= 4 && h[n - 4] == '\r' && h[n - 3] == '\n' && h[n - 2] == '\r' && h[n - 1] == '\n') {
          break;
        }
      }
      int length = 0;
      for (String line : head.toString(StandardCharsets.ISO_8859_1).split("\r\n")) {
        if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
          length = Integer.parseInt(line.substring("content-length:".length()).trim());
        }
      }
      in.readNBytes(length);
    }

    private static void answer(OutputStream out) throws IOException {
      byte[] body = "{\"type\":\"message\",\"id\":\"msg_1\",\"content\":[]}".getBytes(StandardCharsets.UTF_8);
      out.write(("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: " + body.length + "\r\n\r\n")
          .getBytes(StandardCharsets.ISO_8859_1));
      out.write(body);
      out.flush();
    }

    @Override
    public void close() throws IOException {
      server.close();
    }
  }

  private static ObjectNode request() {
    ObjectNode r = MAPPER.createObjectNode().put("model", "claude-haiku-4-6").put("max_tokens", 8);
    r.putArray("messages").addObject().put("role", "user").put("content", "hi");
    return r;
  }

  @Test
  void aJobsBetasJoinTheOAuthBetaOnTheSubscriptionRouteAndGoAloneOnTheApiRoute() throws Exception {
    Secret token = Secret.of("sk-ant-oat01-betas-test");
    Secret key = Secret.of("sk-ant-api03-betas-test");
    List<String> seen = new CopyOnWriteArrayList<>();
    try (AnthropicSimulator sim = AnthropicSimulator.builder().oauthToken(token).apiKey(key).responder(req -> {
          seen.add(req.route() + " " + String.join(",", req.headers().getOrDefault("anthropic-beta", List.of())));
          return Optional.empty();
        }).build().start();
        MessagesClient client = new MessagesClient(sim.baseUrl(), 4, Duration.ofSeconds(10))) {
      List<String> betas = List.of("context-1m-2025-08-07", MessagesClient.OAUTH_BETA);
      assertInstanceOf(CallOutcome.Answered.class, client.send(Route.SUBSCRIPTION, token, request(), betas).get());
      assertInstanceOf(CallOutcome.Answered.class, client.send(Route.API, key, request(), betas).get());
      assertInstanceOf(CallOutcome.Answered.class, client.send(Route.API, key, request()).get());
    }
    assertEquals(List.of("SUBSCRIPTION oauth-2025-04-20,context-1m-2025-08-07", "API context-1m-2025-08-07", "API "),
        seen, "each name once; none on the api route without betas");
  }

  @Test
  void aRequestWhoseConnectionBrokeAfterItWasSentIsNeverResentByTheHttpClient() throws Exception {
    try (DropsTheSecondRequest server = new DropsTheSecondRequest();
        MessagesClient client = new MessagesClient(server.url(), 4, Duration.ofSeconds(10))) {
      CallOutcome first = client.send(Route.API, Secret.of("sk-ant-api03-test"), request()).get(10, TimeUnit.SECONDS);
      assertEquals(200, assertInstanceOf(CallOutcome.Answered.class, first).status());

      CallOutcome second = client.send(Route.API, Secret.of("sk-ant-api03-test"), request()).get(10, TimeUnit.SECONDS);

      CallOutcome.NoAnswer none = assertInstanceOf(CallOutcome.NoAnswer.class, second,
          "the router decides about retries, and counts them");
      assertEquals("connection_error", none.kind());
      assertEquals(2, server.requests.get(), "the request that may have been billed reached the server once");
    }
  }
}
