package dev.promptq.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * docker-compose.yml and the Dockerfile, checked by structure: no Docker engine runs on these
 * machines, so these checks stand in for {@code docker compose config}.
 */
class ComposeFileTest {
  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  private final JsonNode compose = read();

  private static JsonNode read() {
    try {
      return new ObjectMapper(new YAMLFactory()).readTree(ROOT.resolve("docker-compose.yml").toFile());
    } catch (java.io.IOException e) {
      throw new AssertionError("docker-compose.yml is not valid YAML: " + e.getMessage(), e);
    }
  }

  private JsonNode service(String name) {
    JsonNode s = compose.path("services").path(name);
    assertTrue(s.isObject(), "service " + name);
    return s;
  }

  @Test
  void theBrokerImagesAreTheVersionOfTheKafkaClients() throws java.io.IOException {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("<kafka.version>([^<]+)</kafka.version>")
        .matcher(java.nio.file.Files.readString(ROOT.resolve("pom.xml")));
    assertTrue(m.find(), "kafka.version in pom.xml");
    String clients = m.group(1);
    compose.path("services").forEach(s -> {
      if (s.path("image").asText().startsWith("apache/kafka:")) {
        assertEquals("apache/kafka:" + clients, s.path("image").asText());
      }
    });
  }

  @Test
  void kafkaIsTheOfficialImageInKraftModeWithAHealthCheck() {
    JsonNode kafka = service("kafka");
    assertTrue(kafka.path("image").asText().startsWith("apache/kafka:"), kafka.path("image").asText());
    JsonNode env = kafka.path("environment");
    assertEquals("broker,controller", env.path("KAFKA_PROCESS_ROLES").asText());
    assertTrue(env.path("KAFKA_CONTROLLER_QUORUM_VOTERS").asText().startsWith("1@kafka:"));
    assertEquals("PLAINTEXT://kafka:9092", env.path("KAFKA_ADVERTISED_LISTENERS").asText());
    assertFalse(env.has("KAFKA_ZOOKEEPER_CONNECT"), "no ZooKeeper");
    assertEquals(1, env.path("KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR").asInt(),
        "transactions work on one broker");
    assertTrue(kafka.path("healthcheck").path("test").isArray());
  }

  @Test
  void theTopicsAreCreatedOnceTheBrokerIsHealthyTheControlTopicCompacted() {
    JsonNode topics = service("topics");
    assertEquals("service_healthy", topics.path("depends_on").path("kafka").path("condition").asText());
    String command = topics.path("command").toString();
    for (String t : List.of("promptq.jobs", "promptq.results", "promptq.jobs.dlq", "promptq.control", "promptq.usage")) {
      assertTrue(command.contains(t), t);
    }
    assertTrue(command.contains("--topic promptq.control --partitions 1") && command.contains("cleanup.policy=compact"));
    assertTrue(command.contains("--topic promptq.usage --partitions 6 --replication-factor 1 --config retention.ms="
        + dev.promptq.kafka.TopicSetup.USAGE_RETENTION.toMillis()), "the usage topic as workers create it");
  }

  @Test
  void theWorkerScalesAndTakesCredentialsFromAnEnvFileNotTheComposeFile() {
    JsonNode worker = service("worker");
    assertEquals(".", worker.path("build").asText());
    assertFalse(worker.has("container_name"), "a fixed name would stop --scale");
    assertFalse(worker.has("ports"), "a fixed host port would stop --scale");
    assertEquals("kafka:9092", worker.path("environment").path("PROMPTQ_BOOTSTRAP_SERVERS").asText());
    assertFalse(worker.path("environment").has("CLAUDE_CODE_OAUTH_TOKEN"), "credentials come from .env");
    assertFalse(worker.path("environment").has("ANTHROPIC_API_KEY"));
    assertEquals(".env", worker.path("env_file").get(0).path("path").asText());
    assertEquals("service_completed_successfully",
        worker.path("depends_on").path("topics").path("condition").asText());
    assertEquals("40s", worker.path("stop_grace_period").asText(), "longer than the 30 s shutdown grace");
  }

  @Test
  void theDockerfileRunsTheShadedJarOnJava17AsANonRootUser() throws Exception {
    List<String> lines = Files.readAllLines(ROOT.resolve("Dockerfile"));
    assertTrue(lines.stream().anyMatch(l -> l.matches("FROM eclipse-temurin:17-jre.*")));
    assertTrue(lines.stream().anyMatch(l -> l.startsWith("COPY cli/target/promptq.jar ")),
        "the jar the build writes (shade outputFile)");
    assertTrue(lines.stream().anyMatch(l -> l.matches("USER [1-9][0-9]*")), "not root");
    assertTrue(lines.stream().anyMatch(l -> l.startsWith("ENTRYPOINT [\"java\", \"-jar\"")));
    assertTrue(Files.readAllLines(ROOT.resolve(".gitignore")).contains(".env"), "credentials file never committed");
  }
}
