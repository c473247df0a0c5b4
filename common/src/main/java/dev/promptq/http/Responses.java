package dev.promptq.http;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Map;

/** Writing a whole answer on the JDK's HTTP server: status, content type, headers, body. */
public final class Responses {
  private Responses() {}

  /** Sends {@code body} with {@code status}, {@code contentType} and {@code headers}; does not close the exchange. */
  public static void send(HttpExchange ex, int status, String contentType, byte[] body, Map<String, String> headers)
      throws IOException {
    ex.getResponseHeaders().set("content-type", contentType);
    headers.forEach(ex.getResponseHeaders()::set);
    ex.sendResponseHeaders(status, body.length);
    try (OutputStream os = ex.getResponseBody()) {
      os.write(body);
    }
  }
}
