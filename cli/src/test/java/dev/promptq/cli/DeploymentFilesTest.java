package dev.promptq.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.promptq.config.Settings;
import dev.promptq.worker.WorkerConfig;
import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The deployment files of deploy/ and docs/DEPLOYMENT.md say what the worker understands, and agree. */
class DeploymentFilesTest {
  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  private static final Path DEPLOY = ROOT.resolve("deploy");
  private final ObjectMapper yaml = new ObjectMapper(new YAMLFactory());

  private static WorkerConfig configOf(Properties p) {
    Map<String, String> m = new HashMap<>();
    p.stringPropertyNames().forEach(k -> m.put(k, p.getProperty(k).strip()));
    return WorkerConfig.fromSettings(Settings.of(m));
  }

  private static Properties properties(String text) throws IOException {
    Properties p = new Properties();
    p.load(new StringReader(text));
    return p;
  }

  private List<JsonNode> documents(Path file) throws IOException {
    List<JsonNode> docs = new ArrayList<>();
    try (var it = yaml.readerFor(JsonNode.class).<JsonNode>readValues(file.toFile())) {
      it.forEachRemaining(docs::add);
    }
    return docs;
  }

  private static Set<String> envExampleKeys() throws IOException {
    Set<String> keys = new TreeSet<>();
    for (String line : Files.readAllLines(DEPLOY.resolve("worker.env.example"))) {
      String l = line.strip().replaceFirst("^#\\s*", "");
      if (l.matches("[A-Z_]+=.*")) {
        keys.add(l.substring(0, l.indexOf('=')));
      }
    }
    return keys;
  }

  @Test
  void theWorkerPropertiesAreAValidConfigForThreeBrokersOverSaslSslWithoutSecrets() throws IOException {
    String text = Files.readString(DEPLOY.resolve("worker.properties"));
    WorkerConfig c = configOf(properties(text));
    assertEquals(3, c.bootstrapServers().split(",").length);
    assertEquals("SASL_SSL", c.kafkaProperties().get("security.protocol"));
    assertTrue(c.kafkaProperties().get("sasl.jaas.config").toString().contains("${env:KAFKA_PASSWORD}"));
    assertEquals(9464, c.opsPort());
    assertTrue(envExampleKeys().contains("KAFKA_PASSWORD"), "the password the JAAS config reads is in the env example");
  }

  @Test
  void theEnvironmentExampleNamesOnlyVariablesTheWorkerOrKafkaReads() throws IOException {
    Set<String> known = new TreeSet<>(WorkerConfig.ENV_KEYS.keySet());
    known.add("KAFKA_PASSWORD");
    for (String key : envExampleKeys()) {
      assertTrue(known.contains(key), key + " is not read by the worker");
    }
  }

  @Test
  void theSystemdUnitRunsTheWorkerWithTheConfigAndStopsItGracefully() throws IOException {
    String unit = Files.readString(DEPLOY.resolve("promptq-worker.service"));
    assertTrue(unit.contains("ExecStart=/usr/bin/java -Xms512m -Xmx512m -jar /opt/promptq/promptq.jar worker "
        + "--config /etc/promptq/worker.properties"), unit);
    assertTrue(unit.contains("EnvironmentFile=/etc/promptq/worker.env"));
    assertTrue(unit.contains("KillSignal=SIGTERM"));
    int stop = Integer.parseInt(unit.replaceAll("(?s).*TimeoutStopSec=(\\d+).*", "$1"));
    assertTrue(stop > WorkerConfig.DEFAULT_SHUTDOWN_GRACE.toSeconds(), "time to finish running jobs");
  }

  @Test
  void theKubernetesManifestsAgreeWithEachOtherAndWithTheWorker() throws IOException {
    Map<String, JsonNode> byKind = new HashMap<>();
    for (JsonNode d : documents(DEPLOY.resolve("kubernetes/worker.yaml"))) {
      byKind.put(d.path("kind").asText(), d);
    }
    assertEquals(Set.of("ConfigMap", "Secret", "Deployment", "ScaledObject"), byKind.keySet());
    WorkerConfig c = configOf(properties(byKind.get("ConfigMap").path("data").path("worker.properties").asText()));

    JsonNode pod = byKind.get("Deployment").path("spec").path("template").path("spec");
    JsonNode container = pod.path("containers").get(0);
    assertEquals(c.opsPort(), container.path("ports").get(0).path("containerPort").asInt());
    for (String probe : List.of("livenessProbe", "readinessProbe")) {
      assertEquals("/health", container.path(probe).path("httpGet").path("path").asText(), probe);
      assertEquals(container.path("ports").get(0).path("name").asText(),
          container.path(probe).path("httpGet").path("port").asText(), probe);
    }
    assertTrue(pod.path("terminationGracePeriodSeconds").asInt() > c.shutdownGrace().toSeconds());
    assertEquals(byKind.get("Secret").path("metadata").path("name").asText(),
        container.path("envFrom").get(0).path("secretRef").path("name").asText());
    byKind.get("Secret").path("stringData").fieldNames().forEachRemaining(k -> {
      try {
        assertTrue(envExampleKeys().contains(k), k);
      } catch (IOException e) {
        throw new AssertionError(e);
      }
    });

    JsonNode scaled = byKind.get("ScaledObject").path("spec");
    assertEquals(byKind.get("Deployment").path("metadata").path("name").asText(),
        scaled.path("scaleTargetRef").path("name").asText());
    JsonNode trigger = scaled.path("triggers").get(0);
    assertEquals("kafka", trigger.path("type").asText());
    assertEquals(c.groupId(), trigger.path("metadata").path("consumerGroup").asText());
    assertEquals(c.topics().jobs(), trigger.path("metadata").path("topic").asText());
    assertTrue(scaled.path("maxReplicaCount").asInt() <= c.jobPartitions(), "no more workers than job partitions");
  }

  @Test
  void composeAndTheImageCheckHealthAndPrometheusScrapesEveryWorker() throws IOException {
    JsonNode compose = yaml.readTree(ROOT.resolve("docker-compose.yml").toFile());
    JsonNode worker = compose.path("services").path("worker");
    assertTrue(worker.path("command").toString().contains("\"--ops-port\",\"9464\""), worker.path("command").toString());
    assertTrue(worker.path("healthcheck").path("test").toString().contains("/dev/tcp/127.0.0.1/9464"));
    assertTrue(worker.path("healthcheck").path("test").toString().contains("GET /health"));
    JsonNode prometheus = compose.path("services").path("prometheus");
    assertTrue(prometheus.path("volumes").get(0).asText().startsWith("./deploy/prometheus.yml:"));
    JsonNode scrape = yaml.readTree(DEPLOY.resolve("prometheus.yml").toFile()).path("scrape_configs").get(0);
    assertEquals("worker", scrape.path("dns_sd_configs").get(0).path("names").get(0).asText());
    assertEquals(9464, scrape.path("dns_sd_configs").get(0).path("port").asInt());

    String dockerfile = Files.readString(ROOT.resolve("Dockerfile"));
    assertTrue(dockerfile.contains("HEALTHCHECK") && dockerfile.contains("/dev/tcp/127.0.0.1/9464"), dockerfile);
    assertTrue(dockerfile.contains("CMD [\"worker\", \"--ops-port\", \"9464\"]"), dockerfile);
  }
}
