package dev.promptq.cli;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Before a command makes its Kafka clients: is anything listening at {@code bootstrap.servers}? A
 * plain TCP connection to each address, retried for up to {@link #WAIT} (a broker that is still
 * starting), so a typo or a stopped broker becomes one line naming the setting, the address and
 * what was tried, instead of a minute of Kafka client warnings and a stack trace.
 */
final class BrokerCheck {
  /** How long a command waits for any bootstrap address to accept a connection. */
  static final Duration WAIT = Duration.ofSeconds(10);
  private static final int CONNECT_TIMEOUT_MS = 2_000;
  private static final Duration PAUSE = Duration.ofMillis(500);

  /** No bootstrap address accepted a connection; the message names the setting and what was tried. */
  static final class Unreachable extends RuntimeException {
    Unreachable(String message) {
      super(message);
    }
  }

  private BrokerCheck() {}

  /**
   * Returns once one of {@code bootstrapServers} accepts a TCP connection.
   *
   * @throws PromptQ.UsageError if the value is not a list of {@code host:port}
   * @throws Unreachable if none did within {@link #WAIT}
   */
  static void requireListening(String bootstrapServers) {
    requireListening(bootstrapServers, WAIT, Clock.systemUTC());
  }

  static void requireListening(String bootstrapServers, Duration wait, Clock clock) {
    List<String[]> addresses = parse(bootstrapServers);
    Instant deadline = clock.instant().plus(wait);
    Map<String, String> lastFailure = new LinkedHashMap<>();
    while (true) {
      for (String[] a : addresses) {
        String failure = connect(a[0], Integer.parseInt(a[1]));
        if (failure == null) {
          return;
        }
        lastFailure.put(a[0] + ":" + a[1], failure);
      }
      if (!clock.instant().plus(PAUSE).isBefore(deadline)) {
        break;
      }
      try {
        Thread.sleep(PAUSE.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    List<String> tried = new ArrayList<>();
    lastFailure.forEach((address, why) -> tried.add(address + ": " + why));
    throw new Unreachable("bootstrap.servers: " + bootstrapServers + " (no broker answered within "
        + wait.toSeconds() + " s): tried " + String.join("; ", tried) + ". Is Kafka running there? Start one with "
        + "`./promptq kafka`, or set --bootstrap-servers or PROMPTQ_BOOTSTRAP_SERVERS");
  }

  private static List<String[]> parse(String bootstrapServers) {
    List<String[]> out = new ArrayList<>();
    for (String part : bootstrapServers.split(",")) {
      String p = part.strip();
      int colon = p.lastIndexOf(':');
      if (colon <= 0 || colon == p.length() - 1 || !p.substring(colon + 1).chars().allMatch(Character::isDigit)
          || p.substring(colon + 1).length() > 5) {
        throw new PromptQ.UsageError("bootstrap.servers: " + bootstrapServers + " (expected host:port[,host:port...])");
      }
      String host = p.substring(0, colon);
      if (host.startsWith("[") && host.endsWith("]")) {
        host = host.substring(1, host.length() - 1);
      }
      out.add(new String[] {host, p.substring(colon + 1)});
    }
    return out;
  }

  /** Null if {@code host:port} accepted a connection, else why not. */
  private static String connect(String host, int port) {
    InetAddress address;
    try {
      address = InetAddress.getByName(host);
    } catch (UnknownHostException e) {
      return "unknown host";
    }
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(address, port), CONNECT_TIMEOUT_MS);
      return null;
    } catch (java.net.SocketTimeoutException e) {
      return "no answer within " + CONNECT_TIMEOUT_MS / 1000 + " s";
    } catch (java.net.ConnectException e) {
      return "connection refused";
    } catch (IOException e) {
      return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : " " + e.getMessage());
    }
  }
}
