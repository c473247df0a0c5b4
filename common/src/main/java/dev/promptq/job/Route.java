package dev.promptq.job;

/** The two ways a job can reach the Messages API. */
public enum Route {
  /** A Claude subscription: {@code Authorization: Bearer} with an OAuth access token. */
  SUBSCRIPTION("subscription"),
  /** A pay-per-token API key: {@code x-api-key}. */
  API("api");

  private final String wireName;

  Route(String wireName) {
    this.wireName = wireName;
  }

  /** The name used in JSON and headers. */
  public String wireName() {
    return wireName;
  }

  /** Returns the route named {@code name}, or throws {@link IllegalArgumentException}. */
  public static Route fromWireName(String name) {
    for (Route r : values()) {
      if (r.wireName.equals(name)) {
        return r;
      }
    }
    throw new IllegalArgumentException("unknown route: " + name);
  }
}
