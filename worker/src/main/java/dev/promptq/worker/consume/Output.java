package dev.promptq.worker.consume;

import java.util.Objects;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * One record a finished job publishes (its result or a dead letter), and what to publish instead
 * when Kafka refuses this one for a reason of its own (too large, a reply topic that cannot be
 * written): each job ends in some record, and no record can stall its worker. Immutable.
 *
 * @param record what to publish
 * @param fallback what to publish instead of {@code record}; null when there is nothing smaller
 */
record Output(ProducerRecord<byte[], byte[]> record, Fallback fallback) {

  /** Makes the record that replaces a refused one. */
  @FunctionalInterface
  interface Fallback {
    /**
     * The output to publish instead, given why Kafka refused the first (a {@link Rejections}
     * reason and its detail); null to publish nothing.
     */
    Output instead(String reason, String detail);
  }

  Output {
    Objects.requireNonNull(record, "record");
  }

  /** An output without a fallback. */
  static Output of(ProducerRecord<byte[], byte[]> record) {
    return new Output(record, null);
  }

  /** The replacement for this output refused for {@code reason}, or null when there is none. */
  Output instead(String reason, String detail) {
    return fallback == null ? null : fallback.instead(reason, detail);
  }

  /** The approximate bytes this record takes in a produce request (key, value, headers). */
  int size() {
    return size(record);
  }

  static int size(ProducerRecord<byte[], byte[]> r) {
    int n = 64 + (r.key() == null ? 0 : r.key().length) + (r.value() == null ? 0 : r.value().length)
        + r.topic().length();
    for (var h : r.headers()) {
      n += h.key().length() + (h.value() == null ? 0 : h.value().length) + 8;
    }
    return n;
  }

  /** Identity, not value: two outputs with equal records are still two outputs. */
  @Override
  public boolean equals(Object o) {
    return this == o;
  }

  @Override
  public int hashCode() {
    return System.identityHashCode(this);
  }
}
