package dev.promptq.worker.anthropic;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.promptq.job.Route;
import dev.promptq.job.RouteNote;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * Which transport carries a job's request on each route ({@code subscription.transport}): HTTP
 * for the api route, HTTP or Claude Code's headless mode for the subscription. A request the
 * subscription's transport cannot carry goes by {@link Inexpressible}, never with parts dropped.
 * Immutable; closes the transports it holds.
 */
public final class Transports implements AutoCloseable {

  /** Reason of the {@link RouteNote} of a request the CLI transport cannot carry. */
  public static final String CANNOT_EXPRESS = "claude_cli_cannot_express";

  /** What happens to a request the subscription's transport cannot carry ({@code claude.cli.inexpressible}). */
  public enum Inexpressible {
    /** The job skips the subscription and takes its policy's next route, if any (default). */
    NEXT_ROUTE,
    /** The job goes to the subscription over HTTP instead. */
    HTTP;

    public String wireName() {
      return name().toLowerCase(Locale.ROOT);
    }

    public static Inexpressible fromWireName(String name) {
      for (Inexpressible i : values()) {
        if (i.wireName().equals(name)) {
          return i;
        }
      }
      throw new IllegalArgumentException(name + " (next_route or http)");
    }
  }

  /** How a request goes on a route. */
  public sealed interface Plan {
    /** The note the job's result carries about this route, if any. */
    Optional<RouteNote> note();

    /** By {@code transport}. */
    record Carry(MessagesTransport transport, Optional<RouteNote> note) implements Plan {}

    /** Not at all: the job does without the route. */
    record Skip(RouteNote why) implements Plan {
      @Override
      public Optional<RouteNote> note() {
        return Optional.of(why);
      }
    }
  }

  private final MessagesTransport http;
  private final MessagesTransport subscription;
  private final Inexpressible inexpressible;

  private Transports(MessagesTransport http, MessagesTransport subscription, Inexpressible inexpressible) {
    this.http = Objects.requireNonNull(http, "http");
    this.subscription = Objects.requireNonNull(subscription, "subscription");
    this.inexpressible = Objects.requireNonNull(inexpressible, "inexpressible");
  }

  /** HTTP on both routes. */
  public static Transports http(MessagesTransport http) {
    return new Transports(http, http, Inexpressible.NEXT_ROUTE);
  }

  /** {@code subscription} for the subscription route, {@code http} for the api route. */
  public static Transports withSubscription(MessagesTransport http, MessagesTransport subscription,
      Inexpressible inexpressible) {
    return new Transports(http, subscription, inexpressible);
  }

  /** The subscription route's transport. */
  public MessagesTransport subscription() {
    return subscription;
  }

  public Plan plan(Route route, ObjectNode request, List<String> betas) {
    if (route == Route.API || subscription == http) {
      return new Plan.Carry(http, Optional.empty());
    }
    Optional<String> why = subscription.cannotCarry(request, betas);
    if (why.isEmpty()) {
      return new Plan.Carry(subscription, Optional.empty());
    }
    if (inexpressible == Inexpressible.HTTP) {
      return new Plan.Carry(http, Optional.of(new RouteNote(route, CANNOT_EXPRESS,
          why.get() + "; sent to the subscription over http (claude.cli.inexpressible=http)")));
    }
    return new Plan.Skip(new RouteNote(route, CANNOT_EXPRESS,
        why.get() + "; the job took the next route of its policy (claude.cli.inexpressible=next_route)"));
  }

  @Override
  public void close() {
    if (subscription != http) {
      subscription.close();
    }
    http.close();
  }
}
