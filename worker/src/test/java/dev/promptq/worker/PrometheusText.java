package dev.promptq.worker;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A strict reader of the Prometheus text exposition format (version 0.0.4): HELP and TYPE lines,
 * samples with escaped label values, float values including {@code +Inf} and {@code NaN}, and
 * every sample belonging to a family declared by a TYPE line before it. Throws on any line that
 * does not follow the format, so a test that parses a scrape fails on a malformed exposition.
 */
final class PrometheusText {
  private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
  private static final Pattern SAMPLE = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)})?\\s+(\\S+)(\\s+-?\\d+)?");
  private static final Pattern LABEL = Pattern.compile("\\s*([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\[\\\\\"n])*)\"\\s*(,|$)");
  private static final List<String> SUFFIXES = List.of("_total", "_created", "_bucket", "_count", "_sum", "_max");

  /** One sample: family, full name, labels, value. */
  record Sample(String family, String name, Map<String, String> labels, double value) {}

  /** The parsed exposition: family types and samples in order. */
  record Exposition(Map<String, String> types, List<Sample> samples) {
    List<Sample> named(String name) {
      return samples.stream().filter(s -> s.name().equals(name)).toList();
    }

    /** The value of the one sample {@code name} with exactly {@code labels}. */
    double value(String name, Map<String, String> labels) {
      List<Sample> m = samples.stream().filter(s -> s.name().equals(name) && s.labels().equals(labels)).toList();
      if (m.size() != 1) {
        throw new AssertionError("expected one sample " + name + labels + ", found " + m.size());
      }
      return m.get(0).value();
    }
  }

  private PrometheusText() {}

  static Exposition parse(String text) {
    Map<String, String> types = new LinkedHashMap<>();
    List<Sample> samples = new ArrayList<>();
    int n = 0;
    for (String line : text.split("\n", -1)) {
      n++;
      if (line.isBlank()) {
        continue;
      }
      if (line.startsWith("#")) {
        String[] p = line.split("\\s+", 4);
        if (p.length >= 3 && p[1].equals("TYPE")) {
          if (!NAME.matcher(p[2]).matches() || p.length < 4
              || !List.of("counter", "gauge", "histogram", "summary", "untyped").contains(p[3].strip())) {
            throw new IllegalArgumentException("line " + n + ": bad TYPE: " + line);
          }
          if (types.put(p[2], p[3].strip()) != null) {
            throw new IllegalArgumentException("line " + n + ": family typed twice: " + p[2]);
          }
        } else if (p.length >= 3 && p[1].equals("HELP") && !NAME.matcher(p[2]).matches()) {
          throw new IllegalArgumentException("line " + n + ": bad HELP: " + line);
        }
        continue;
      }
      Matcher m = SAMPLE.matcher(line);
      if (!m.matches()) {
        throw new IllegalArgumentException("line " + n + ": not a sample: " + line);
      }
      String name = m.group(1);
      String family = familyOf(name, types);
      if (family == null) {
        throw new IllegalArgumentException("line " + n + ": sample before its TYPE: " + line);
      }
      samples.add(new Sample(family, name, labels(m.group(3), n), value(m.group(4), n)));
    }
    return new Exposition(types, samples);
  }

  private static String familyOf(String name, Map<String, String> types) {
    if (types.containsKey(name)) {
      return name;
    }
    for (String suffix : SUFFIXES) {
      if (name.endsWith(suffix) && types.containsKey(name.substring(0, name.length() - suffix.length()))) {
        return name.substring(0, name.length() - suffix.length());
      }
    }
    return null;
  }

  private static Map<String, String> labels(String text, int line) {
    Map<String, String> labels = new HashMap<>();
    if (text == null || text.isBlank()) {
      return labels;
    }
    Matcher m = LABEL.matcher(text);
    int at = 0;
    while (at < text.length()) {
      if (!m.find(at) || m.start() != at) {
        throw new IllegalArgumentException("line " + line + ": bad labels: {" + text + "}");
      }
      String value = m.group(2).replace("\\n", "\n").replace("\\\"", "\"").replace("\\\\", "\\");
      if (labels.put(m.group(1), value) != null) {
        throw new IllegalArgumentException("line " + line + ": label twice: " + m.group(1));
      }
      at = m.end();
    }
    return labels;
  }

  private static double value(String text, int line) {
    switch (text) {
      case "+Inf":
        return Double.POSITIVE_INFINITY;
      case "-Inf":
        return Double.NEGATIVE_INFINITY;
      case "NaN":
        return Double.NaN;
      default:
        try {
          return Double.parseDouble(text);
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("line " + line + ": bad value: " + text);
        }
    }
  }
}
