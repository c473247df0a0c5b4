package dev.promptq.job;

/**
 * Which Messages API endpoint a job's request goes to. A message ({@code POST /v1/messages}) is
 * any route's, by the job's policy; a token count ({@code POST /v1/messages/count_tokens}) is free
 * and goes to the api route, without pacing or budget, and has no {@code max_tokens}.
 */
public enum Endpoint {
  MESSAGES("messages"),
  COUNT_TOKENS("count_tokens");

  private final String wireName;

  Endpoint(String wireName) {
    this.wireName = wireName;
  }

  public String wireName() {
    return wireName;
  }

  /** @throws IllegalArgumentException naming the values allowed */
  public static Endpoint fromWireName(String s) {
    for (Endpoint e : values()) {
      if (e.wireName.equals(s)) {
        return e;
      }
    }
    throw new IllegalArgumentException("endpoint must be messages or count_tokens, got "
        + (s.length() > 40 ? s.substring(0, 40) + "..." : s));
  }
}
