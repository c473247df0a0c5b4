package dev.promptq.cli;

import dev.promptq.config.Settings;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * Options shared by the commands that talk to a Kafka cluster: settings come from
 * {@code --config FILE}, then the environment, then these flags.
 */
final class ConnectionOptions {

  /** Used when no bootstrap.servers is configured anywhere: where {@code promptq kafka} listens by default. */
  static final String DEFAULT_BOOTSTRAP = "127.0.0.1:9092";

  @Option(names = "--config", paramLabel = "FILE", description = "A properties file of settings (see README).")
  Path configFile;

  @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT",
      description = "Kafka brokers (env PROMPTQ_BOOTSTRAP_SERVERS; default " + DEFAULT_BOOTSTRAP + ").")
  String bootstrapServers;

  @Option(names = "--topic-prefix", description = "Prefix of the promptq topics (env PROMPTQ_TOPIC_PREFIX; default promptq).")
  String topicPrefix;

  @Option(names = "--set", paramLabel = "KEY=VALUE",
      description = "Any setting, e.g. --set kafka.security.protocol=SSL (repeatable).")
  Map<String, String> extra = new LinkedHashMap<>();

  /**
   * Layers file, environment ({@code envKeys}) and the command line: {@code --set} and the
   * command's flags ({@code flags} plus this object's own; a null value is a flag not given, which
   * leaves whatever the other sources say).
   *
   * @throws PromptQ.UsageError if a key is given both by a flag and by {@code --set} with different values
   */
  Settings load(Map<String, String> envKeys, Map<String, String> flags) {
    Map<String, String> given = new HashMap<>(flags);
    given.put("bootstrap.servers", bootstrapServers);
    given.put("topic.prefix", topicPrefix);
    Map<String, String> all = new HashMap<>(extra);
    given.forEach((key, value) -> {
      if (value == null) {
        return;
      }
      String set = extra.get(key);
      if (set != null && !set.equals(value)) {
        throw new PromptQ.UsageError(key + ": given twice, as " + value + " by its flag and as " + set
            + " by --set; give it once");
      }
      all.put(key, value);
    });
    Map<String, String> withDefault = new HashMap<>();
    Settings s = Settings.load(configFile, System.getenv(), envKeys, all);
    if (s.get("bootstrap.servers").isEmpty()) {
      withDefault.putAll(s.asMap());
      withDefault.put("bootstrap.servers", DEFAULT_BOOTSTRAP);
      return Settings.of(withDefault);
    }
    return s;
  }
}
