package dev.promptq.worker.consume;

/** Whether jobs with the same key may run at the same time. */
public enum Ordering {
  /** Jobs run as soon as there is room; results come in any order. The default. */
  UNORDERED("unordered"),
  /** Jobs with the same record key run one after another, in offset order. */
  KEY("key");

  private final String wireName;

  Ordering(String wireName) {
    this.wireName = wireName;
  }

  public String wireName() {
    return wireName;
  }

  public static Ordering fromWireName(String name) {
    for (Ordering o : values()) {
      if (o.wireName.equals(name)) {
        return o;
      }
    }
    throw new IllegalArgumentException("ordering: " + name + " (expected unordered or key)");
  }
}
