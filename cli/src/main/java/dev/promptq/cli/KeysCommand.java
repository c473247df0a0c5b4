package dev.promptq.cli;

import dev.promptq.config.Settings;
import dev.promptq.gateway.keys.KeyAdmin;
import dev.promptq.gateway.keys.KeyBook;
import dev.promptq.gateway.keys.PromptqKey;
import dev.promptq.job.RoutePolicy;
import dev.promptq.kafka.Topics;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "keys", mixinStandardHelpOptions = true,
    description = "Manages the promptq keys apps use to call the gateway (kept hashed on the control topic).",
    subcommands = {KeysCommand.Create.class, KeysCommand.ListKeys.class, KeysCommand.Revoke.class})
final class KeysCommand implements Runnable {

  @picocli.CommandLine.Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  static KeyAdmin admin(ConnectionOptions connection) {
    Settings s = connection.load(Map.of(), Map.of());
    String bootstrap = s.get("bootstrap.servers").orElseThrow();
    BrokerCheck.requireListening(bootstrap);
    Topics topics = Topics.withPrefix(s.get("topic.prefix", Topics.DEFAULT_PREFIX));
    return new KeyAdmin(bootstrap, s.kafkaProperties(), topics, Clock.systemUTC());
  }

  @Command(name = "create", mixinStandardHelpOptions = true,
      description = "Makes a key and prints it once: only its hash is kept.")
  static final class Create implements Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Mixin
    ConnectionOptions connection;

    @Parameters(index = "0", paramLabel = "NAME", description = "A name for the key (1-64 of A-Z a-z 0-9 . _ -).")
    String name;

    @Option(names = "--policies", split = ",", paramLabel = "POLICY",
        description = "Route policies its requests may take, the first the default (default subscription_first). "
            + "A request picks another with the promptq-route header.")
    List<String> policies = new ArrayList<>();

    @Option(names = "--models", description = "Model patterns it may call, comma-separated (default *).")
    String models = "*";

    @Option(names = "--usd-per-day", description = "API spend its jobs may reach per UTC day (default: no limit).")
    Double usdPerDay;

    @Option(names = "--rpm", description = "Requests per minute per gateway instance (default 0: no limit).")
    int rpm;

    @Override
    public Integer call() {
      List<RoutePolicy> p = new ArrayList<>();
      try {
        policies.forEach(x -> p.add(RoutePolicy.fromWireName(x.trim())));
      } catch (IllegalArgumentException e) {
        throw new PromptQ.UsageError("--policies: " + e.getMessage());
      }
      try (KeyAdmin admin = admin(connection)) {
        KeyAdmin.Created c = admin.create(new KeyAdmin.Grant(name, p, models, usdPerDay, rpm));
        PrintWriter out = spec.commandLine().getOut();
        out.println("Created key " + c.record().name() + " (" + c.record().id() + "): " + describe(c.record()));
        out.println();
        out.println("  " + c.key());
        out.println();
        out.println("This is the only time the key is shown; promptq keeps its hash. Give it to the app as its API key.");
        return 0;
      } catch (IllegalArgumentException e) {
        spec.commandLine().getErr().println("promptq keys create: " + e.getMessage());
        return 2;
      }
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "Lists the keys and their use today (UTC).")
  static final class ListKeys implements Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Mixin
    ConnectionOptions connection;

    @Override
    public Integer call() {
      try (KeyAdmin admin = admin(connection)) {
        PrintWriter out = spec.commandLine().getOut();
        List<PromptqKey> keys = admin.list();
        if (keys.isEmpty()) {
          out.println("No keys yet: ./promptq keys create NAME");
          return 0;
        }
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        out.printf("%-20s %-12s %-8s %9s %10s  %s%n", "NAME", "ID", "STATE", "REQUESTS", "API USD", "ALLOWS");
        for (PromptqKey k : keys) {
          KeyBook.DayUse use = admin.book().use(k.id(), today);
          out.printf("%-20s %-12s %-8s %9d %10.4f  %s%n", k.name(), k.id(), k.live() ? "live" : "revoked",
              use.requests(), use.usd(), describe(k));
        }
        return 0;
      }
    }
  }

  @Command(name = "revoke", mixinStandardHelpOptions = true,
      description = "Revokes a key: every gateway refuses it within a second.")
  static final class Revoke implements Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Mixin
    ConnectionOptions connection;

    @Parameters(index = "0", paramLabel = "NAME|ID")
    String nameOrId;

    @Override
    public Integer call() {
      try (KeyAdmin admin = admin(connection)) {
        PromptqKey k = admin.revoke(nameOrId);
        spec.commandLine().getOut().println("Revoked key " + k.name() + " (" + k.id() + ")");
        return 0;
      } catch (IllegalArgumentException e) {
        spec.commandLine().getErr().println("promptq keys revoke: " + e.getMessage());
        return 2;
      }
    }
  }

  static String describe(PromptqKey k) {
    return "policies " + k.policies().stream().map(RoutePolicy::wireName).toList() + ", models " + k.models()
        + (k.usdPerDay() == null ? "" : String.format(", $%.2f/day", k.usdPerDay()))
        + (k.requestsPerMinute() == 0 ? "" : ", " + k.requestsPerMinute() + " rpm");
  }
}
