package dev.promptq.config;

import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A list of name patterns where {@code *} stands for any run of characters and everything else
 * for itself, e.g. {@code promptq.*, claude-sonnet-*}. Immutable.
 */
public final class Globs {
  private final List<String> patterns;
  private final List<Pattern> compiled;

  private Globs(List<String> patterns) {
    this.patterns = List.copyOf(patterns);
    this.compiled = patterns.stream()
        .map(p -> Pattern.compile(Arrays.stream(p.split("\\*", -1)).map(Pattern::quote)
            .reduce((a, b) -> a + ".*" + b).orElse("")))
        .toList();
  }

  /** Patterns separated by commas; blanks around them are ignored. */
  public static Globs parse(String commaSeparated) {
    return new Globs(Arrays.stream(commaSeparated.split(",")).map(String::strip).filter(p -> !p.isEmpty()).toList());
  }

  public boolean matches(String name) {
    return compiled.stream().anyMatch(p -> p.matcher(name).matches());
  }

  @Override
  public String toString() {
    return String.join(",", patterns);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Globs g && g.patterns.equals(patterns);
  }

  @Override
  public int hashCode() {
    return patterns.hashCode();
  }
}
