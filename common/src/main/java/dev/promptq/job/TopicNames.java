package dev.promptq.job;

import java.util.regex.Pattern;

/** Kafka's rules for topic names. */
public final class TopicNames {
  private static final Pattern LEGAL = Pattern.compile("[a-zA-Z0-9._-]{1,249}");

  private TopicNames() {}

  /** True if Kafka accepts {@code name} as a topic name. */
  public static boolean isLegal(String name) {
    return name != null && LEGAL.matcher(name).matches() && !name.equals(".") && !name.equals("..");
  }
}
