package dev.promptq.testkit.kafka;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.metrics.KafkaMetric;
import org.apache.kafka.common.metrics.MetricsReporter;

/**
 * A Kafka {@link MetricsReporter} that only records the settings of each client that creates it,
 * so a test can check that settings reach every client (e.g. TLS and SASL settings given as
 * {@code kafka.*}). Add {@code metric.reporters=dev.promptq.testkit.kafka.ConfigProbe} and
 * {@code promptq.probe=<a name of your own>} to the settings under test, then read
 * {@link #clients(String)}.
 *
 * <p>Kafka creates reporters by class name, so what they record is held in one static map, keyed
 * by the test's own name; the only static state in the code base, and test-only.
 */
public final class ConfigProbe implements MetricsReporter {
  /** The setting naming the probe a client reports to. */
  public static final String NAME = "promptq.probe";
  private static final Map<String, List<Map<String, Object>>> SEEN = new ConcurrentHashMap<>();

  /** The settings of every client created with {@code promptq.probe=name}, in creation order. */
  public static List<Map<String, Object>> clients(String name) {
    List<Map<String, Object>> seen = SEEN.get(name);
    if (seen == null) {
      return List.of();
    }
    synchronized (seen) {
      return List.copyOf(seen);
    }
  }

  @Override
  public void configure(Map<String, ?> configs) {
    Object name = configs.get(NAME);
    if (name != null) {
      List<Map<String, Object>> seen = SEEN.computeIfAbsent(name.toString(), k -> new ArrayList<>());
      synchronized (seen) {
        seen.add(new HashMap<>(configs));
      }
    }
  }

  @Override
  public void init(List<KafkaMetric> metrics) {}

  @Override
  public void metricChange(KafkaMetric metric) {}

  @Override
  public void metricRemoval(KafkaMetric metric) {}

  @Override
  public void close() {}
}
