package dev.promptq.worker;

/** How results and offsets are committed. */
public enum Delivery {
  /**
   * Results, dead letters and offsets in one Kafka transaction: each job is answered exactly once
   * for {@code read_committed} readers, even across crashes and rebalances. The default.
   */
  EXACTLY_ONCE("exactly_once"),
  /** Publish, then commit offsets: for brokers without transactions; a crash may answer a job twice. */
  AT_LEAST_ONCE("at_least_once");

  private final String wireName;

  Delivery(String wireName) {
    this.wireName = wireName;
  }

  public String wireName() {
    return wireName;
  }

  public static Delivery fromWireName(String name) {
    for (Delivery d : values()) {
      if (d.wireName.equals(name)) {
        return d;
      }
    }
    throw new IllegalArgumentException("delivery: " + name + " (expected exactly_once or at_least_once)");
  }
}
