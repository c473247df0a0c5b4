package dev.promptq.testkit.sim;

import com.sun.net.httpserver.HttpExchange;
import dev.promptq.http.Responses;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** The simulator's answers beside the Messages API: the OAuth token endpoint, and 404 for any other path. */
final class OtherPaths {
  private final TokenAuthority tokens;
  private final CallLog log;

  /** @param tokens the token authority, or null when none is configured */
  OtherPaths(TokenAuthority tokens, CallLog log) {
    this.tokens = tokens;
    this.log = log;
  }

  /** 404 at once, counted in {@link AnthropicSimulator#unknownRequests()}, not among {@link AnthropicSimulator#calls()}. */
  void answerUnknownPath(HttpExchange ex) {
    String path = ex.getRequestURI().getPath();
    log.unknown(ex.getRequestMethod() + " " + path);
    try (ex) {
      drain(ex);
      byte[] bytes = SimResponse.error(404, "not_found_error", "Not found: " + path).body()
          .getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().set("content-type", "application/json");
      if (ex.getRequestMethod().equals("HEAD")) {
        ex.sendResponseHeaders(404, -1);
        return;
      }
      ex.sendResponseHeaders(404, bytes.length);
      try (OutputStream os = ex.getResponseBody()) {
        os.write(bytes);
      }
    } catch (IOException e) {
      // the client went away
    }
  }

  /** The token endpoint answers at once and is not among {@link AnthropicSimulator#calls()}. */
  void answerTokenRequest(HttpExchange ex) {
    try (ex) {
      SimResponse r;
      if (!ex.getRequestMethod().equals("POST")) {
        drain(ex);
        r = new SimResponse(405, Map.of(), "{\"error\":\"invalid_request\"}");
      } else {
        r = tokens.refresh(ex.getRequestHeaders().getFirst("content-type"), ex.getRequestBody().readAllBytes());
      }
      send(ex, r);
    } catch (IOException | RuntimeException e) {
      // the client went away
    }
  }

  /** Writes {@code r} as a JSON answer, with its headers. */
  static void send(HttpExchange ex, SimResponse r) throws IOException {
    Responses.send(ex, r.status(), "application/json", r.body().getBytes(StandardCharsets.UTF_8), r.headers());
  }

  static void drain(HttpExchange ex) throws IOException {
    try (InputStream in = ex.getRequestBody()) {
      in.transferTo(OutputStream.nullOutputStream());
    }
  }
}
