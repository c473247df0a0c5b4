package dev.promptq.testkit.sim;

import com.fasterxml.jackson.core.io.JsonStringEncoder;

final class Json {
  private Json() {}

  static String quote(String s) {
    return "\"" + new String(JsonStringEncoder.getInstance().quoteAsString(s)) + "\"";
  }
}
