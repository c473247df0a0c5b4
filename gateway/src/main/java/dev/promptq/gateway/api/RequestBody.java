package dev.promptq.gateway.api;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;

/**
 * A request's JSON body, read within bounds: at most {@code maxBytes} bytes (more is refused
 * without reading it all) and {@code maxDepth} levels of nesting.
 */
final class RequestBody {
  /** Why a body was not read: the status and the API's error type to answer with. */
  static final class Refused extends Exception {
    final int status;
    final String type;

    Refused(int status, String type, String message) {
      super(message, null, false, false);
      this.status = status;
      this.type = type;
    }
  }

  private final int maxBytes;
  private final ObjectMapper mapper;

  RequestBody(int maxBytes, int maxDepth) {
    this.maxBytes = maxBytes;
    this.mapper = new ObjectMapper(JsonFactory.builder()
        .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(maxDepth).build()).build());
  }

  ObjectNode read(HttpExchange ex) throws Refused, IOException {
    String length = ex.getRequestHeaders().getFirst("content-length");
    if (length != null) {
      try {
        if (Long.parseLong(length.trim()) > maxBytes) {
          drain(ex);
          throw tooLarge();
        }
      } catch (NumberFormatException e) {
        throw new Refused(400, "invalid_request_error", "content-length is not a number");
      }
    }
    byte[] body;
    try (InputStream in = ex.getRequestBody()) {
      body = in.readNBytes(maxBytes + 1);
    }
    if (body.length > maxBytes) {
      drain(ex);
      throw tooLarge();
    }
    JsonNode node;
    try {
      node = mapper.readTree(body);
    } catch (IOException e) {
      String why = e.getMessage() == null ? "" : e.getMessage().lines().findFirst().orElse("");
      throw new Refused(400, "invalid_request_error", "the body is not valid JSON: " + why);
    }
    if (node == null || !node.isObject()) {
      throw new Refused(400, "invalid_request_error", "the body must be a JSON object");
    }
    return (ObjectNode) node;
  }

  /**
   * Reads on, up to 16 times the limit, so a client that sends its whole body before reading reads
   * the 413 rather than a reset connection; beyond that the connection is closed on it.
   */
  private void drain(HttpExchange ex) throws IOException {
    try (InputStream in = ex.getRequestBody()) {
      long left = 16L * maxBytes;
      byte[] buffer = new byte[64 * 1024];
      int n;
      while (left > 0 && (n = in.read(buffer, 0, (int) Math.min(buffer.length, left))) > 0) {
        left -= n;
      }
    }
  }

  private Refused tooLarge() {
    return new Refused(413, "request_too_large", "the request exceeds this gateway's " + maxBytes
        + " bytes (gateway.max.body.bytes)");
  }
}
