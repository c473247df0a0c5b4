package dev.promptq.job;

import java.util.Objects;

/**
 * An error in the Anthropic API's shape ({@code {"type": "...", "message": "..."}}), with the HTTP
 * status that carried it (0 when no HTTP answer arrived, e.g. a connection error).
 */
public record ApiError(String type, String message, int status) {
  public ApiError {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(message, "message");
  }
}
