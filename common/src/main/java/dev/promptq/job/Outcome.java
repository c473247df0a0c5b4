package dev.promptq.job;

/** How a job ended; the names match the Message Batches result types. */
public enum Outcome {
  SUCCEEDED("succeeded"),
  ERRORED("errored"),
  EXPIRED("expired"),
  CANCELED("canceled");

  private final String wireName;

  Outcome(String wireName) {
    this.wireName = wireName;
  }

  public String wireName() {
    return wireName;
  }

  public static Outcome fromWireName(String name) {
    for (Outcome o : values()) {
      if (o.wireName.equals(name)) {
        return o;
      }
    }
    throw new IllegalArgumentException("unknown outcome: " + name);
  }
}
