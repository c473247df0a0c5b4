package dev.promptq.cli.report;

import dev.promptq.usage.UsageRecord;
import java.time.LocalDate;
import java.time.ZoneOffset;
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

  /** Days in one row's period, for its share of the plan's monthly price; 0 for the others. */
  double days() {
    return switch (this) {
      case DAY -> 1;
      case WEEK -> 7;
      case MONTH -> Plan.DAYS_PER_MONTH;
      default -> 0;
    };
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
