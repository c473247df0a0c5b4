package dev.promptq.cli;

import dev.promptq.kafka.KafkaClientProperties;
import dev.promptq.config.Settings;
import dev.promptq.kafka.TopicSetup;
import dev.promptq.kafka.Topics;
import dev.promptq.worker.credentials.CredentialCipher;
import dev.promptq.worker.credentials.CredentialsFile;
import dev.promptq.worker.control.CredentialsImport;
import dev.promptq.worker.credentials.OAuthCredentials;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.admin.Admin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(name = "credentials", mixinStandardHelpOptions = true,
    description = "Manages the subscription credentials a worker group shares.",
    subcommands = CredentialsCommand.Import.class)
final class CredentialsCommand implements Runnable {

  @picocli.CommandLine.Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @Command(name = "import", mixinStandardHelpOptions = true,
      description = {
        "Publishes a credentials file's OAuth credentials to the group's control topic, sealed with "
            + "PROMPTQ_CREDENTIALS_KEY (AES-GCM), once. Every worker with the same key uses them within a "
            + "second and their refresher keeps them fresh; workers on other machines need no file.",
        "",
        "Use it after a new login (`claude login`), or when the token endpoint refused the group's "
            + "refresh token (the subscription route is down until then). The file has the shape of "
            + "Claude Code's ~/.claude/.credentials.json (the default)."
      })
  static final class Import implements Callable<Integer> {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Mixin
    ConnectionOptions connection;

    @Parameters(index = "0", arity = "0..1", paramLabel = "FILE",
        description = "Credentials file (default: ~/.claude/.credentials.json).")
    Path file;

    @picocli.CommandLine.Option(names = "--force", description = "Import even credentials older than the group's "
        + "(by expiry), or an expired access token without a refresh token.")
    boolean force;

    /** The layered settings: file, environment, {@code --set} and this command's flags. */
    Settings settings() {
      Settings s = connection.load(Map.of("PROMPTQ_BOOTSTRAP_SERVERS", "bootstrap.servers",
          "PROMPTQ_TOPIC_PREFIX", "topic.prefix", CredentialCipher.KEY_ENV, "credentials.key"), Map.of());
      s.rejectUnknown(List.of("bootstrap.servers", "topic.prefix", "credentials.key"));
      return s;
    }

    @Override
    public Integer call() {
      Settings s = settings();
      CredentialCipher cipher = CredentialCipher.fromBase64(s.secret("credentials.key").orElseThrow(() ->
          new PromptQ.UsageError(CredentialCipher.KEY_ENV + ": not set; the group's credentials are sealed with it. "
              + "Generate one with `openssl rand -base64 32` and give every worker the same")));
      Path path = file != null ? file : Path.of(System.getProperty("user.home"), ".claude", ".credentials.json");
      OAuthCredentials credentials = new CredentialsFile(path).read();
      BrokerCheck.requireListening(s.get("bootstrap.servers").orElseThrow());
      Topics topics = Topics.withPrefix(s.get("topic.prefix", Topics.DEFAULT_PREFIX));
      Map<String, Object> kafka = KafkaClientProperties.fromSettings(s);
      long generation;
      try (Admin admin = Admin.create(kafka)) {
        TopicSetup.ensure(admin, topics, TopicSetup.Spec.defaults(), Duration.ofSeconds(30));
        Optional<CredentialsImport.GroupState> group = CredentialsImport.groupState(kafka, topics.control(),
            Duration.ofSeconds(30));
        Optional<String> refusal = CredentialsImport.refusal(credentials, group, Clock.systemUTC().instant());
        if (refusal.isPresent() && !force) {
          spec.commandLine().getErr().println("promptq credentials import: not importing " + path + ": "
              + refusal.get());
          return 1;
        }
        refusal.ifPresent(r -> spec.commandLine().getErr().println("promptq credentials import: --force: importing "
            + "although " + r));
        group.ifPresent(g -> spec.commandLine().getOut().println("Replacing the group's credentials: " + g.describe()));
        generation = CredentialsImport.publish(kafka, topics.control(), cipher, credentials, "import@" + host(),
            Clock.systemUTC());
      } catch (IllegalStateException e) {
        spec.commandLine().getErr().println("promptq credentials import: " + e.getMessage());
        return 1;
      }
      spec.commandLine().getOut().println("Imported the subscription credentials of " + path + " into "
          + topics.control() + " as generation " + generation + " (key " + cipher.keyId() + "; access token expires "
          + (credentials.expiresAt() == null ? "at an unknown time" : "at " + credentials.expiresAt())
          + (credentials.refreshable() ? "; refreshable" : "; not refreshable") + ")");
      return 0;
    }

    private static String host() {
      try {
        return InetAddress.getLocalHost().getHostName();
      } catch (UnknownHostException e) {
        return "unknown";
      }
    }
  }
}
