package dev.promptq.http;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** The parameters of a URL's raw query ({@code a=1&b=x%20y}), decoded; the last of a repeated name wins. */
public final class QueryString {
  private QueryString() {}

  /** {@code raw} (may be null) as name to value, in order; pairs without {@code =} or a name are skipped. */
  public static Map<String, String> parse(String raw) {
    Map<String, String> q = new LinkedHashMap<>();
    if (raw != null) {
      for (String pair : raw.split("&")) {
        int eq = pair.indexOf('=');
        if (eq > 0) {
          q.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
              URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
      }
    }
    return q;
  }
}
