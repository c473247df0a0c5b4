package dev.promptq.report;

import dev.promptq.usage.UsageRecord;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoField;
import java.time.temporal.IsoFields;
import java.util.Locale;

/** What the report's rows are: periods of time (UTC), or models, routes or batches. */
public enum Grouping {
  DAY, WEEK, MONTH, MODEL, ROUTE, BATCH;

  /** The row a record belongs to. */
  String key(UsageRecord r) {
    LocalDate d = LocalDate.ofInstant(r.finishedAt(), ZoneOffset.UTC);
    return switch (this) {
      case DAY -> d.toString();
      case WEEK -> String.format(Locale.ROOT, "%d-W%02d", d.get(IsoFields.WEEK_BASED_YEAR),
          d.get(IsoFields.WEEK_OF_WEEK_BASED_YEAR));
      case MONTH -> d.toString().substring(0, 7);
      case MODEL -> r.model() == null ? "(no model)" : r.model();
      case ROUTE -> r.route() == null ? "(no answer)" : r.route() + (r.lane().equals(UsageRecord.SYNC) ? "" : " " + r.lane());
      case BATCH -> r.batch() == null ? "(no batch)" : r.batch();
    };
  }

  /** True for periods of time, whose rows have a share of the plan's price. */
  boolean isTime() {
    return this == DAY || this == WEEK || this == MONTH;
  }

  /** The start and end (exclusive) of a period row's {@code key}; null for rows that are not periods. */
  Instant[] span(String key) {
    LocalDate start = switch (this) {
      case DAY -> LocalDate.parse(key);
      case WEEK -> LocalDate.of(Integer.parseInt(key.substring(0, 4)), 1, 4)
          .with(IsoFields.WEEK_OF_WEEK_BASED_YEAR, Integer.parseInt(key.substring(6)))
          .with(ChronoField.DAY_OF_WEEK, 1);
      case MONTH -> LocalDate.parse(key + "-01");
      default -> null;
    };
    if (start == null) {
      return null;
    }
    LocalDate end = this == DAY ? start.plusDays(1) : this == WEEK ? start.plusWeeks(1) : start.plusMonths(1);
    return new Instant[] {start.atStartOfDay(ZoneOffset.UTC).toInstant(), end.atStartOfDay(ZoneOffset.UTC).toInstant()};
  }

  /** {@code day}, ... as on the command line. */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * Reads {@code day|week|month|model|route|batch}.
   *
   * @throws IllegalArgumentException naming the choices
   */
  public static Grouping fromWireName(String s) {
    for (Grouping g : values()) {
      if (g.wireName().equals(s)) {
        return g;
      }
    }
    throw new IllegalArgumentException("--by: " + s + " (expected day, week, month, model, route or batch)");
  }
}
