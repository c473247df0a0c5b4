package dev.promptq.gateway.api;

import com.sun.net.httpserver.HttpExchange;
import dev.promptq.gateway.keys.KeyBook;
import dev.promptq.gateway.keys.PromptqKey;
import dev.promptq.job.Job;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Who calls, and in which API version: a promptq key sent the way the SDKs send keys
 * ({@code x-api-key}, or {@code Authorization: Bearer} as with an auth token), and the
 * {@code anthropic-version} header the API requires.
 */
final class Callers {
  private final KeyBook keys;
  private final Set<String> versions;

  Callers(KeyBook keys, Set<String> versions) {
    this.keys = keys;
    this.versions = versions;
  }

  /** The caller's live key; else a 401 in the API's words. */
  PromptqKey authenticate(HttpExchange ex) throws RequestBody.Refused {
    String presented = ex.getRequestHeaders().getFirst("x-api-key");
    String authorization = ex.getRequestHeaders().getFirst("authorization");
    if (presented == null && authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      presented = authorization.substring(7).trim();
    }
    if (presented == null || presented.isBlank()) {
      throw new RequestBody.Refused(401, "authentication_error", "x-api-key header is required");
    }
    return keys.authenticate(presented).orElseThrow(() ->
        new RequestBody.Refused(401, "authentication_error", "invalid x-api-key"));
  }

  /**
   * The {@code anthropic-beta} names a request sends (comma-separated, in one header or several),
   * which its job carries to the API.
   */
  static List<String> betas(HttpExchange ex) throws RequestBody.Refused {
    List<String> names = new ArrayList<>();
    for (String h : ex.getRequestHeaders().getOrDefault("anthropic-beta", List.of())) {
      for (String name : h.split(",")) {
        if (!name.isBlank() && !names.contains(name.trim())) {
          names.add(name.trim());
        }
      }
    }
    Optional<String> problem = Job.betaProblem(names);
    if (problem.isPresent()) {
      throw new RequestBody.Refused(400, "invalid_request_error", "anthropic-beta: " + problem.get());
    }
    return names;
  }

  void checkVersion(HttpExchange ex) throws RequestBody.Refused {
    String v = ex.getRequestHeaders().getFirst("anthropic-version");
    if (v == null || v.isBlank()) {
      throw new RequestBody.Refused(400, "invalid_request_error", "anthropic-version: header is required");
    }
    if (!versions.contains(v.trim())) {
      throw new RequestBody.Refused(400, "invalid_request_error", "anthropic-version: " + v.trim()
          + " is not a version this gateway knows (gateway.anthropic.versions: " + versions + ")");
    }
  }
}
