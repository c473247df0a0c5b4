package dev.promptq.kafka;

import dev.promptq.config.Settings;
import java.util.HashMap;
import java.util.Map;

/**
 * How every promptq process builds its Kafka clients' properties: the client's own defaults, then
 * the operator's {@code kafka.*} settings over them, then {@code bootstrap.servers}; and the
 * defaults promptq's clients share.
 */
public final class KafkaClientProperties {
  private KafkaClientProperties() {}

  /**
   * {@code defaults}, overridden by {@code operator}, with {@code bootstrap.servers} set.
   *
   * @param operator the operator's Kafka settings (security, timeouts, ...)
   */
  public static Map<String, Object> of(String bootstrapServers, Map<String, ?> operator, Map<String, ?> defaults) {
    Map<String, Object> p = new HashMap<>(defaults);
    p.putAll(operator);
    p.put("bootstrap.servers", bootstrapServers);
    return p;
  }

  /**
   * The operator's {@code kafka.*} settings with {@code bootstrap.servers}, what a command's
   * clients start from.
   *
   * @throws java.util.NoSuchElementException if {@code bootstrap.servers} is not set
   */
  public static Map<String, Object> fromSettings(Settings s) {
    return of(s.get("bootstrap.servers").orElseThrow(), s.kafkaProperties(), Map.of());
  }

  /** A producer that loses nothing and writes nothing twice: {@code acks=all}, idempotent. */
  public static Map<String, Object> reliableProducer(String clientId) {
    Map<String, Object> d = new HashMap<>();
    d.put("acks", "all");
    d.put("enable.idempotence", true);
    d.put("client.id", clientId);
    return d;
  }

  /**
   * A consumer that reads only committed records and commits nothing itself.
   *
   * @param fetchMaxWaitMs how long a fetch waits at the broker: a read_committed fetch is not woken
   *     when a transaction commits, so this bounds the delay of records written in transactions
   */
  public static Map<String, Object> committedReader(String clientId, int fetchMaxWaitMs) {
    Map<String, Object> d = new HashMap<>();
    d.put("client.id", clientId);
    d.put("enable.auto.commit", false);
    d.put("isolation.level", "read_committed");
    d.put("fetch.max.wait.ms", fetchMaxWaitMs);
    return d;
  }
}
