package dev.promptq.report;

import java.util.List;
import java.util.Locale;
import java.util.function.DoubleFunction;

/**
 * Small SVG charts drawn by hand: stacked bars, lines with markers, horizontal bars. Inline in the
 * HTML report, so it opens in any browser without a server or the internet. Each series has one
 * solid colour (its bars and markers are filled with it) and a legend.
 */
final class SvgChart {
  static final int WIDTH = 900;
  static final int HEIGHT = 300;
  private static final int LEFT = 80;
  private static final int RIGHT = 20;
  private static final int TOP = 56;
  private static final int BOTTOM = 48;

  /** A named series of values, one per label, drawn in {@code color}. */
  record Series(String name, String color, double[] values) {}

  private SvgChart() {}

  /** Bars per label, the series stacked bottom to top. */
  static String stackedBars(String title, List<String> labels, List<Series> series, DoubleFunction<String> axis) {
    double max = 0;
    for (int i = 0; i < labels.size(); i++) {
      double sum = 0;
      for (Series s : series) {
        sum += s.values()[i];
      }
      max = Math.max(max, sum);
    }
    max = niceMax(max);
    StringBuilder b = open(title, series, "stacked bars");
    axes(b, max, axis, labels);
    double slot = plotWidth() / (double) Math.max(1, labels.size());
    double barWidth = Math.max(1, slot * 0.7);
    for (int i = 0; i < labels.size(); i++) {
      double base = 0;
      for (Series s : series) {
        double v = s.values()[i];
        if (v > 0) {
          double y0 = y(base, max);
          double y1 = y(base + v, max);
          b.append(String.format(Locale.ROOT, "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
              + "fill=\"%s\"><title>%s %s: %s</title></rect>", LEFT + i * slot + (slot - barWidth) / 2, y1, barWidth,
              Math.max(0.5, y0 - y1), s.color(), esc(labels.get(i)), esc(s.name()), esc(axis.apply(v))));
        }
        base += v;
      }
    }
    return b.append("</svg>").toString();
  }

  /** A line per series with a marker per value; {@code yMin} is 0, {@code yAtLeast} the least top of the axis. */
  static String lines(String title, List<String> labels, List<Series> series, DoubleFunction<String> axis,
      double yAtLeast) {
    double max = yAtLeast;
    for (Series s : series) {
      for (double v : s.values()) {
        if (!Double.isNaN(v)) {
          max = Math.max(max, v);
        }
      }
    }
    max = niceMax(max);
    StringBuilder b = open(title, series, "lines");
    axes(b, max, axis, labels);
    double slot = plotWidth() / (double) Math.max(1, labels.size());
    for (Series s : series) {
      StringBuilder path = new StringBuilder();
      StringBuilder markers = new StringBuilder();
      for (int i = 0; i < labels.size(); i++) {
        double v = s.values()[i];
        if (Double.isNaN(v)) {
          continue;
        }
        double x = LEFT + i * slot + slot / 2;
        double y = y(v, max);
        path.append(path.length() == 0 ? "M" : " L").append(String.format(Locale.ROOT, "%.1f %.1f", x, y));
        markers.append(String.format(Locale.ROOT, "<circle class=\"marker\" cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\">"
            + "<title>%s %s: %s</title></circle>", x, y, s.color(), esc(labels.get(i)), esc(s.name()),
            esc(axis.apply(v))));
      }
      if (path.length() > 0) {
        b.append(String.format(Locale.ROOT, "<path d=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\"/>", path,
            s.color()));
      }
      b.append(markers);
    }
    return b.append("</svg>").toString();
  }

  /** One horizontal bar per label, largest first as given. */
  static String horizontalBars(String title, List<String> labels, double[] values, String color,
      DoubleFunction<String> format) {
    int rowHeight = 26;
    int top = 36;
    int height = top + 10 + rowHeight * Math.max(1, labels.size());
    double max = 0;
    for (double v : values) {
      max = Math.max(max, v);
    }
    StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" "
        + "class=\"chart\" data-kind=\"horizontal bars\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" "
        + "aria-label=\"%s\">", WIDTH, height, WIDTH, height, esc(title)));
    b.append(String.format(Locale.ROOT, "<text x=\"10\" y=\"22\" class=\"title\">%s</text>", esc(title)));
    int labelWidth = 260;
    double width = WIDTH - labelWidth - 140;
    for (int i = 0; i < labels.size(); i++) {
      double w = max <= 0 ? 0 : Math.max(1, values[i] / max * width);
      int y = top + 10 + i * rowHeight;
      b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" class=\"label\">%s</text>",
          labelWidth - 8, y + 15, esc(labels.get(i).length() > 36 ? labels.get(i).substring(0, 35) + "…" : labels.get(i))));
      b.append(String.format(Locale.ROOT, "<rect class=\"bar\" x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"18\" fill=\"%s\">"
          + "<title>%s: %s</title></rect>", labelWidth, y + 2, w, color, esc(labels.get(i)), esc(format.apply(values[i]))));
      b.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" class=\"label\">%s</text>", labelWidth + w + 6,
          y + 15, esc(format.apply(values[i]))));
    }
    return b.append("</svg>").toString();
  }

  private static StringBuilder open(String title, List<Series> series, String kind) {
    StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" "
        + "class=\"chart\" data-kind=\"%s\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" "
        + "aria-label=\"%s\">", kind, WIDTH, HEIGHT, WIDTH, HEIGHT, esc(title)));
    b.append(String.format(Locale.ROOT, "<text x=\"10\" y=\"22\" class=\"title\">%s</text>", esc(title)));
    int x = LEFT;  // the legend: a row under the title
    for (Series s : series) {
      b.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"30\" width=\"14\" height=\"14\" fill=\"%s\"/>"
          + "<text x=\"%d\" y=\"42\" class=\"legend\">%s</text>", x, s.color(), x + 20, esc(s.name())));
      x += 20 + 7 * s.name().length() + 24;
    }
    return b;
  }

  private static void axes(StringBuilder b, double max, DoubleFunction<String> axis, List<String> labels) {
    int bottom = HEIGHT - BOTTOM;
    for (int i = 0; i <= 4; i++) {
      double v = max * i / 4;
      double y = y(v, max);
      b.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" class=\"grid\"/>"
          + "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" class=\"axis\">%s</text>", LEFT, WIDTH - RIGHT, y, y, LEFT - 6,
          y + 4, esc(axis.apply(v))));
    }
    double slot = plotWidth() / (double) Math.max(1, labels.size());
    int every = Math.max(1, (int) Math.ceil(labels.size() / 10.0));
    for (int i = 0; i < labels.size(); i += every) {
      b.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" class=\"axis\">%s</text>",
          LEFT + i * slot + slot / 2, bottom + 18, esc(labels.get(i))));
    }
  }

  private static double y(double v, double max) {
    double plot = HEIGHT - TOP - BOTTOM;
    return HEIGHT - BOTTOM - (max <= 0 ? 0 : v / max * plot);
  }

  private static int plotWidth() {
    return WIDTH - LEFT - RIGHT;
  }

  /** 1, 2 or 5 times a power of ten, at least {@code v} (1 for nothing). */
  static double niceMax(double v) {
    if (!(v > 0)) {
      return 1;
    }
    double p = Math.pow(10, Math.floor(Math.log10(v)));
    for (double m : new double[] {1, 2, 2.5, 5, 10}) {
      if (m * p >= v) {
        return m * p;
      }
    }
    return 10 * p;
  }

  static String esc(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }
}
