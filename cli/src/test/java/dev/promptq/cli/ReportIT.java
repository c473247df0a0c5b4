package dev.promptq.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.promptq.kafka.TopicSetup;
import dev.promptq.kafka.Topics;
import dev.promptq.testkit.junit.SharedKafka;
import dev.promptq.testkit.kafka.EmbeddedKafka;
import dev.promptq.report.Grouping;
import dev.promptq.report.Ledger;
import dev.promptq.report.Plan;
import dev.promptq.report.SyntheticUsage;
import dev.promptq.report.Totals;
import dev.promptq.report.UsageReport;
import dev.promptq.usage.PriceTable;
import dev.promptq.usage.UsageCodec;
import dev.promptq.usage.UsageRecord;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import picocli.CommandLine;

/**
 * {@code promptq report} over a month of usage records on a real broker: the command's figures are
 * those of the same records added up without Kafka (whose sums LedgerTest checks against figures
 * computed independently): nothing lost, nothing counted twice, the odd record skipped.
 */
@ExtendWith(SharedKafka.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReportIT {
  private static final double CENT = 1e-6;
  private static final Instant NOV_1 = Instant.parse("2026-11-01T00:00:00Z");
  private static final Instant DEC_1 = Instant.parse("2026-12-01T00:00:00Z");
  private final List<UsageRecord> month = new ArrayList<>();
  private final ObjectMapper mapper = new ObjectMapper();
  private final Topics topics = SharedKafka.uniqueTopics();
  private String bootstrap;

  record Run(int exit, String out, String err) {}

  @BeforeAll
  void writeTheMonthToTheUsageTopic(EmbeddedKafka kafka) throws Exception {
    bootstrap = kafka.bootstrapServers();
    try (Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", bootstrap))) {
      TopicSetup.ensure(admin, topics, new TopicSetup.Spec(3, (short) 1), Duration.ofSeconds(30));
    }
    SyntheticUsage.generate(NOV_1, 30, 200, 7, List.of("claude-sonnet-5", "claude-haiku-4-5", "claude-opus-5-5",
        "claude-sonnet-9"), month::add);
    UsageCodec codec = new UsageCodec(mapper);
    try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap),
        new ByteArraySerializer(), new ByteArraySerializer())) {
      for (UsageRecord r : month) {
        p.send(new ProducerRecord<>(topics.usage(), null, r.finishedAt().toEpochMilli(),
            r.id().getBytes(StandardCharsets.UTF_8), codec.encode(r)));
      }
      p.send(new ProducerRecord<>(topics.usage(), null, NOV_1.toEpochMilli() + 5000, null,
          "not a usage record".getBytes(StandardCharsets.UTF_8)));
      p.flush();
    }
  }

  private Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = PromptQ.commandLine();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    List<String> all = new ArrayList<>(List.of("report", "--bootstrap-servers", bootstrap, "--topic-prefix",
        topics.usage().substring(0, topics.usage().length() - ".usage".length())));
    all.addAll(List.of(args));
    return new Run(cl.execute(all.toArray(String[]::new)), out.toString(), err.toString());
  }

  /** The same records added up without Kafka. */
  private UsageReport expected(Grouping by) {
    Ledger ledger = new Ledger(PriceTable.defaults(), by, NOV_1, DEC_1);
    month.forEach(ledger::add);
    return ledger.report(new Plan(200.0, 5), DEC_1);
  }

  @Test
  void theJsonFiguresAreThoseOfTheRecordsWritten() throws Exception {
    Run r = run("--from", "2026-11-01", "--to", "2026-11-30", "--plan-usd", "200", "--json");
    assertEquals(0, r.exit(), r.err());
    JsonNode n = mapper.readTree(r.out());
    Totals t = expected(Grouping.DAY).total();
    JsonNode total = n.get("total");
    assertEquals(6000, t.jobs());
    assertEquals(6000, n.get("records").asLong(), "the odd record is not counted");
    assertEquals(t.jobs(), total.get("jobs").asLong());
    assertEquals(t.bySubscription(), total.at("/routes/subscription").asLong());
    assertEquals(t.byApi(), total.at("/routes/api").asLong());
    assertEquals(t.errored(), total.at("/outcomes/errored").asLong());
    assertEquals(t.tokens().input(), total.at("/tokens/input").asLong());
    assertEquals(t.tokens().output(), total.at("/tokens/output").asLong());
    assertEquals(t.tokens().cacheWrite5m(), total.at("/tokens/cache_write_5m").asLong());
    assertEquals(t.tokens().cacheWrite1h(), total.at("/tokens/cache_write_1h").asLong());
    assertEquals(t.tokens().cacheRead(), total.at("/tokens/cache_read").asLong());
    assertEquals(t.subscriptionValueUsd(), total.get("subscription_value_usd").asDouble(), CENT);
    assertEquals(t.apiSpendUsd(), total.get("api_spend_usd").asDouble(), CENT);
    assertEquals(t.unpricedTokens(), total.get("unpriced_tokens").asLong());
    assertTrue(t.unpricedTokens() > 0);
    assertEquals(30, n.get("rows").size());
    assertEquals(30, n.get("days").size());
    assertEquals(10, n.get("top_batches").size());
    assertEquals("2026-11", n.at("/projection/month").asText());
    assertEquals(expected(Grouping.DAY).verdict().line(), n.at("/verdict/text").asText());
    String warnings = n.get("warnings").toString();
    assertTrue(warnings.contains("claude-sonnet-9") && warnings.contains("1 records of the usage topic were not usage "
        + "records"), warnings);
  }

  @Test
  void theCsvRowsAddUpToTheMonth() {
    Run r = run("--from", "2026-11-01", "--to", "2026-11-30", "--by", "model", "--csv");
    assertEquals(0, r.exit(), r.err());
    List<String> lines = r.out().lines().toList();
    assertTrue(lines.get(0).startsWith("model,jobs,succeeded,errored,expired,by_subscription,by_api,input_tokens,"),
        lines.get(0));
    long jobs = 0;
    double value = 0;
    for (String line : lines.subList(1, lines.size() - 1)) {
      String[] cells = line.split(",");
      jobs += Long.parseLong(cells[1]);
      value += Double.parseDouble(cells[14]);
    }
    assertEquals(4, lines.size() - 2, "a row per model and the total");
    assertEquals(6000, jobs);
    assertEquals(expected(Grouping.MODEL).total().apiEquivalentUsd(), value, 1e-4);
    assertTrue(lines.get(lines.size() - 1).startsWith("total,6000,"), lines.get(lines.size() - 1));
  }

  @Test
  void theTextShowsATableTheVerdictAndTheProjectionAndTheHtmlHasItsCharts() throws Exception {
    Path html = Files.createTempDirectory("report").resolve("report.html");
    Run r = run("--from", "2026-11-01", "--to", "2026-11-30", "--plan-usd", "200", "--by", "week", "--html",
        html.toString());
    assertEquals(0, r.exit(), r.err());
    assertTrue(r.out().contains("by week: 6,000 jobs, 30 days of data"), r.out());
    assertTrue(r.out().lines().anyMatch(l -> l.startsWith("2026-W45 ")), r.out());
    assertTrue(r.out().lines().anyMatch(l -> l.startsWith("total ")), r.out());
    assertTrue(r.out().contains("Keep the subscription") || r.out().contains("Use the API")
        || r.out().contains("enterprise"), r.out());
    assertTrue(r.out().contains("November 2026: $"), r.out());
    assertTrue(r.out().contains("warning: "), r.out());
    String page = Files.readString(html);
    assertEquals(4, page.split("<svg ", -1).length - 1, "four charts");
    assertTrue(r.err().contains("wrote " + html.toAbsolutePath()), r.err());
  }

  @Test
  void badInputIsOneLineAndExitTwoAndAMissingTopicIsNamed() {
    Run by = run("--by", "hour");
    assertEquals(2, by.exit());
    assertEquals("promptq report: --by: hour (expected day, week, month, model, route or batch)", by.err().strip());
    assertEquals(2, run("--since", "0d").exit());
    assertEquals(2, run("--since", "7d", "--from", "2026-11-01").exit());
    assertEquals(2, run("--from", "2026-11-30", "--to", "2026-11-01").exit());
    assertEquals(2, run("--json", "--csv").exit());
    assertEquals(2, run("--plan-usd", "-5").exit());
    Run html = run("--html", "/no/such/dir/report.html");
    assertEquals(2, html.exit());
    assertEquals("promptq report: --html: /no/such/dir/report.html (its directory does not exist)", html.err().strip());
    StringWriter err = new StringWriter();
    CommandLine cl = PromptQ.commandLine();
    cl.setOut(new PrintWriter(new StringWriter(), true));
    cl.setErr(new PrintWriter(err, true));
    assertEquals(1, cl.execute("report", "--bootstrap-servers", bootstrap, "--topic-prefix", "nothing-here"));
    assertTrue(err.toString().startsWith("promptq report: topic nothing-here.usage does not exist"), err.toString());
  }
}
