package dev.promptq.cli;

import dev.promptq.report.Grouping;
import dev.promptq.report.Ledger;
import dev.promptq.report.Plan;
import dev.promptq.report.ReportCsv;
import dev.promptq.report.ReportHtml;
import dev.promptq.report.ReportJson;
import dev.promptq.report.ReportText;
import dev.promptq.report.UsageReader;
import dev.promptq.report.UsageReport;
import dev.promptq.config.Settings;
import dev.promptq.job.JobCodec;
import dev.promptq.kafka.KafkaClientProperties;
import dev.promptq.kafka.Topics;
import dev.promptq.usage.PriceTable;
import dev.promptq.usage.UsageCodec;
import dev.promptq.worker.WorkerConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "report", mixinStandardHelpOptions = true,
    description = {
      "What the subscription saved: adds up the usage records workers write (one per finished job) for a period, "
          + "prices the subscription's work at API list prices, compares it with the plan's price and says, in one "
          + "line, whether the subscription or the API is the cheaper way. Progress goes to stderr."
    })
final class ReportCommand implements Callable<Integer> {
  private static final Pattern SINCE = Pattern.compile("(\\d{1,5})([hdw])");

  @picocli.CommandLine.Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Mixin
  ConnectionOptions connection;

  @Option(names = "--since", paramLabel = "AGE", description = "The last AGE: 12h, 30d, 6w (default 30d).")
  String since;

  @Option(names = "--from", paramLabel = "DATE", description = "First day (UTC), e.g. 2026-11-01.")
  String from;

  @Option(names = "--to", paramLabel = "DATE", description = "Last day (UTC, included); default today.")
  String to;

  @Option(names = "--by", defaultValue = "day", paramLabel = "ROWS",
      description = "Rows: day, week, month, model, route or batch (default ${DEFAULT-VALUE}).")
  String by;

  @Option(names = "--plan-usd", paramLabel = "USD", description = "The plan's price per month (setting "
      + "plan.usd.per.month), e.g. 100 for Max 5x, 200 for Max 20x.")
  String planUsd;

  @Option(names = "--json", description = "Print JSON instead of text.")
  boolean json;

  @Option(names = "--csv", description = "Print the rows as CSV instead of text.")
  boolean csv;

  @Option(names = "--html", paramLabel = "FILE", description = "Also write the report with charts as one HTML page.")
  Path html;

  /** The layered settings: file, environment, {@code --set} and this command's flags. */
  Settings settings() {
    Map<String, String> flags = new HashMap<>();
    flags.put("plan.usd.per.month", planUsd);
    Settings s = connection.load(Map.of("PROMPTQ_BOOTSTRAP_SERVERS", "bootstrap.servers",
        "PROMPTQ_TOPIC_PREFIX", "topic.prefix"), flags);
    s.rejectUnknown(WorkerConfig.KEYS);  // the workers' file works here: prices and plan are read from it
    return s;
  }

  @Override
  public Integer call() {
    if (json && csv) {
      throw new PromptQ.UsageError("--json and --csv: choose one");
    }
    if (html != null && !Files.isDirectory(html.toAbsolutePath().getParent())) {
      throw new PromptQ.UsageError("--html: " + html + " (its directory does not exist)");
    }
    Settings s = settings();
    Instant now = Clock.systemUTC().instant();
    Instant[] period = period(now);
    Grouping grouping = Grouping.fromWireName(by);
    Plan plan = new Plan(s.get("plan.usd.per.month").map(v -> number("plan.usd.per.month", v)).orElse(null),
        s.get("plan.enterprise.factor").map(v -> number("plan.enterprise.factor", v))
            .orElse(Plan.DEFAULT_ENTERPRISE_FACTOR));
    PriceTable prices = PriceTable.of(s.get("prices.file").map(Settings::expandHome).orElse(null),
        s.get("api.prices", ""));
    BrokerCheck.requireListening(s.get("bootstrap.servers").orElseThrow());
    Topics topics = Topics.withPrefix(s.get("topic.prefix", Topics.DEFAULT_PREFIX));
    Map<String, Object> props = UsageReader.consumerProperties(KafkaClientProperties.fromSettings(s), "promptq-report");
    Ledger ledger = new Ledger(prices, grouping, period[0], period[1]);
    List<ProgressBar> bar = new ArrayList<>(1);
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
        new ByteArrayDeserializer())) {
      new UsageReader(consumer, new UsageCodec(JobCodec.newMapper())).read(topics.usage(), period[0], period[1], ledger,
          new UsageReader.Progress() {
            @Override
            public void total(long records) {
              bar.add(new ProgressBarBuilder().setTaskName("reading " + topics.usage()).setInitialMax(records)
                  .setConsumer(Terminal.progressConsumer()).setUpdateIntervalMillis(250).build());
            }

            @Override
            public void read(long records) {
              bar.forEach(b -> b.stepTo(records));
            }
          });
    } catch (IllegalStateException e) {
      spec.commandLine().getErr().println("promptq report: " + e.getMessage());
      return 1;
    } finally {
      bar.forEach(ProgressBar::close);
    }
    UsageReport report = ledger.report(plan, now);
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      out.println(ReportJson.of(report, JobCodec.newMapper()).toPrettyString());
    } else if (csv) {
      ReportCsv.print(out, report);
    } else {
      ReportText.print(out, report, topics.usage());
    }
    if (html != null) {
      try {
        Files.writeString(html, ReportHtml.of(report, topics.usage()), StandardCharsets.UTF_8);
      } catch (IOException e) {
        spec.commandLine().getErr().println("promptq report: cannot write " + html + ": " + e.getMessage());
        return 1;
      }
      spec.commandLine().getErr().println("promptq report: wrote " + html.toAbsolutePath());
    }
    out.flush();
    return 0;
  }

  /** {@code [from, to)} from {@code --since} or {@code --from}/{@code --to}. */
  Instant[] period(Instant now) {
    if (since != null && (from != null || to != null)) {
      throw new PromptQ.UsageError("--since and --from/--to: choose one way to give the period");
    }
    if (from == null && to == null) {
      Matcher m = SINCE.matcher(since == null ? "30d" : since.trim());
      if (!m.matches() || Long.parseLong(m.group(1)) == 0) {
        throw new PromptQ.UsageError("--since: " + since + " (expected a number and h, d or w, e.g. 30d)");
      }
      long n = Long.parseLong(m.group(1));
      Duration d = switch (m.group(2)) {
        case "h" -> Duration.ofHours(n);
        case "d" -> Duration.ofDays(n);
        default -> Duration.ofDays(7 * n);
      };
      return new Instant[] {now.minus(d), now};
    }
    LocalDate last = to == null ? LocalDate.ofInstant(now, ZoneOffset.UTC) : date("--to", to);
    LocalDate first = from == null ? last.minusDays(29) : date("--from", from);
    if (last.isBefore(first)) {
      throw new PromptQ.UsageError("--to " + last + " is before --from " + first);
    }
    return new Instant[] {first.atStartOfDay(ZoneOffset.UTC).toInstant(),
        last.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant()};
  }

  private static LocalDate date(String option, String value) {
    try {
      return LocalDate.parse(value.trim());
    } catch (DateTimeParseException e) {
      throw new PromptQ.UsageError(option + ": " + value + " (expected a date like 2026-11-01)");
    }
  }

  private static double number(String key, String value) {
    try {
      return Double.parseDouble(value.trim());
    } catch (NumberFormatException e) {
      throw new PromptQ.UsageError(key + ": " + value + " (expected a number)");
    }
  }
}
