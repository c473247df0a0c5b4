package dev.promptq.cli;

/** Counts with their noun in the right number: {@code 1 request}, {@code 2 requests}. */
final class Plural {
  private Plural() {}

  /** {@code n} and {@code noun}, with an {@code s} unless {@code n} is 1. */
  static String of(long n, String noun) {
    return n + " " + (n == 1 ? noun : noun + "s");
  }
}
