package dev.promptq.job;

import java.util.Objects;

/**
 * Why a job did not take a route of its policy the usual way, e.g. a request the {@code claude_cli}
 * transport cannot carry (images, tools, earlier turns) that went to the next route instead.
 *
 * @param route the route concerned
 * @param reason a stable name, e.g. {@code claude_cli_cannot_express}
 * @param detail for a human: what in the request, and what the worker did instead
 */
public record RouteNote(Route route, String reason, String detail) {
  public RouteNote {
    Objects.requireNonNull(route, "route");
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(detail, "detail");
  }
}
