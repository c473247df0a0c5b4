package dev.promptq.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.promptq.job.Job;
import dev.promptq.job.JobResult;
import dev.promptq.job.Route;
import dev.promptq.kafka.ReplyHeaders;
import dev.promptq.testkit.kafka.EmbeddedKafka;
import dev.promptq.testkit.sim.AnthropicSimulator;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.Tuple;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Property: whatever lands on the jobs topic, a record that is not a valid job ends on the DLQ with
 * a reason, the worker stays up, and the valid jobs between them are all answered. jqwik generates
 * the hostile records and prints the seed; {@code @Property(seed = "...")} replays a run. One try
 * of 1,200 records on a broker of its own (jqwik runs outside JUnit Jupiter's extensions);
 * shrinking is off, since every try is a whole pipeline run.
 */
class HostileRecordsIT {
  private static final int HOSTILE = 1_200;
  private static final int VALID_EVERY = 8;

  /** One generated record: its kind (for the counts) and what is written. */
  record Hostile(String kind, byte[] value, String replyHeader) {}

  private static final String VALID_REQUEST =
      "{\"model\":\"claude-test\",\"max_tokens\":16,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

  private static String job(String id, String extra) {
    return "{\"id\":\"" + id + "\",\"request\":" + VALID_REQUEST + extra + "}";
  }

  private static Hostile of(String kind, String json) {
    return new Hostile(kind, json.getBytes(StandardCharsets.UTF_8), null);
  }

  @Provide
  Arbitrary<List<Hostile>> records() {
    return hostile().list().ofSize(HOSTILE);
  }

  /** Reply topics {@code @jobs}, {@code @control}, {@code @dlq} stand for the test's own topics. */
  static Arbitrary<Hostile> hostile() {
    Arbitrary<String> ids = Arbitraries.strings().withChars("abcXYZ019_-").ofMinLength(1).ofMaxLength(20);
    Arbitrary<String> junk = Arbitraries.strings().ofMaxLength(40);
    Arbitrary<Hostile> randomBytes = Arbitraries.bytes().array(byte[].class).ofMaxSize(400)
        .map(b -> new Hostile("random bytes", b, null));
    Arbitrary<Hostile> truncated = Combinators.combine(ids, Arbitraries.doubles().between(0, 0.98))
        .as((id, cut) -> {
          String full = job(id, "");
          return of("truncated JSON", full.substring(0, (int) (full.length() * cut)));
        });
    Arbitrary<Hostile> wrongTypes = Combinators.combine(ids, Arbitraries.of(
        "\"id\":7", "\"id\":[\"a\"]", "\"id\":null", "\"id\":\"has space\"", "\"request\":\"hello\"",
        "\"request\":[1,2]", "\"route\":3", "\"route\":\"cheapest\"", "\"reply_to\":42", "\"reply_to\":\"bad topic!\"",
        "\"deadline\":17", "\"deadline\":\"tomorrow\"", "\"batch\":5", "\"batch\":\"no spaces\""))
        .as((id, field) -> of("wrong type", "{" + field + (field.startsWith("\"id\"") ? "" : ",\"id\":\"" + id + "\"")
            + (field.startsWith("\"request\"") ? "" : ",\"request\":" + VALID_REQUEST) + "}"));
    Arbitrary<Hostile> badRequests = Combinators.combine(ids, Arbitraries.of(
        "{}", "{\"model\":\"m\"}", "{\"model\":7,\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}",
        "{\"model\":\"m\",\"max_tokens\":-1,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}",
        "{\"model\":\"m\",\"max_tokens\":\"5\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}",
        "{\"model\":\"m\",\"max_tokens\":5,\"messages\":[]}", "{\"model\":\"m\",\"max_tokens\":5,\"messages\":{}}",
        "{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"god\",\"content\":\"x\"}]}",
        "{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\"}]}"))
        .as((id, request) -> of("request without required fields", "{\"id\":\"" + id + "\",\"request\":" + request + "}"));
    Arbitrary<Hostile> huge = Arbitraries.integers().between(530_000, 700_000)
        .map(n -> of("huge string", job("huge", ",\"metadata\":\"" + "x".repeat(n) + "\"")));
    Arbitrary<Hostile> deep = Arbitraries.integers().between(65, 3_000)
        .map(d -> of("deep nesting", job("deep", ",\"metadata\":" + "[".repeat(d) + "]".repeat(d))));
    Arbitrary<Hostile> bigMetadata = Arbitraries.integers().between(17_000, 100_000)
        .map(n -> of("oversized metadata", job("meta", ",\"metadata\":{\"k\":\"" + "m".repeat(n) + "\"}")));
    Arbitrary<Hostile> unknownFields = Combinators.combine(ids, Arbitraries.strings().alpha().ofMinLength(1)
            .ofMaxLength(12).filter(f -> !Set.of("id", "request", "route", "reply_to", "deadline", "metadata", "batch")
                .contains(f)), junk)
        .as((id, field, v) -> of("unknown field", job(id, ",\"" + field + "\":\"" + escape(v) + "\"")));
    Arbitrary<Hostile> notUtf8 = Combinators.combine(ids, Arbitraries.of(new byte[] {(byte) 0xC3, 0x28},
            new byte[] {(byte) 0xFF}, new byte[] {(byte) 0xE2, (byte) 0x82}, new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80}))
        .as((id, bad) -> {
          byte[] head = ("{\"id\":\"" + id + "\",\"request\":" + VALID_REQUEST + ",\"metadata\":\"")
              .getBytes(StandardCharsets.UTF_8);
          byte[] tail = "\"}".getBytes(StandardCharsets.UTF_8);
          byte[] all = new byte[head.length + bad.length + tail.length];
          System.arraycopy(head, 0, all, 0, head.length);
          System.arraycopy(bad, 0, all, head.length, bad.length);
          System.arraycopy(tail, 0, all, head.length + bad.length, tail.length);
          return new Hostile("not UTF-8", all, null);
        });
    Arbitrary<String> forbiddenTopics = Arbitraries.oneOf(
        Arbitraries.strings().withChars("abcdefghijklmnopqrstuvwxyz0123456789._-").ofMinLength(1).ofMaxLength(30)
            .map(t -> "x" + t),  // test topics start with "t": never allowed
        Arbitraries.of("@jobs", "@control", "@dlq"));
    Arbitrary<Hostile> forbiddenReplyField = Combinators.combine(ids, forbiddenTopics)
        .as((id, topic) -> of("forbidden reply_to", job(id, ",\"reply_to\":\"" + topic + "\"")));
    Arbitrary<Hostile> forbiddenReplyHeader = Combinators.combine(ids, forbiddenTopics)
        .as((id, topic) -> new Hostile("forbidden kafka_replyTopic", job(id, "").getBytes(StandardCharsets.UTF_8), topic));
    Arbitrary<Hostile> tombstone = Arbitraries.just(new Hostile("null value", null, null));
    return Arbitraries.frequencyOf(
        Tuple.of(12, randomBytes), Tuple.of(12, truncated), Tuple.of(12, wrongTypes), Tuple.of(12, badRequests),
        Tuple.of(1, huge), Tuple.of(6, deep), Tuple.of(4, bigMetadata), Tuple.of(10, unknownFields),
        Tuple.of(8, notUtf8), Tuple.of(10, forbiddenReplyField), Tuple.of(8, forbiddenReplyHeader),
        Tuple.of(2, tombstone));
  }

  private static String escape(String s) {
    StringBuilder b = new StringBuilder();
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') {
        b.append('\\').append(c);
      } else if (c < 0x20) {
        b.append(String.format("\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }

  @Property(tries = 1, shrinking = ShrinkingMode.OFF)
  void everyHostileRecordEndsOnTheDlqWithAReasonAndEveryValidJobIsAnswered(
      @ForAll("records") List<Hostile> records) {
    try (EmbeddedKafka kafka = EmbeddedKafka.builder().build().start();
        TestPipeline p = new TestPipeline(kafka, AnthropicSimulator.builder().oauthToken(TestPipeline.OAUTH_TOKEN)
            .apiKey(TestPipeline.API_KEY))) {
      Worker worker = p.startWorker("w");
      Map<String, String> own = Map.of("@jobs", p.topics.jobs(), "@control", p.topics.control(),
          "@dlq", p.topics.deadLetters());
      Map<String, Integer> byKind = new TreeMap<>();
      Set<String> validIds = new HashSet<>();
      try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers",
          kafka.bootstrapServers(), "max.request.size", 2_000_000, "linger.ms", 5), new ByteArraySerializer(),
          new ByteArraySerializer())) {
        for (int i = 0; i < records.size(); i++) {
          Hostile h = records.get(i);
          byKind.merge(h.kind(), 1, Integer::sum);
          byte[] value = h.value();
          String header = h.replyHeader();
          if (h.kind().equals("forbidden reply_to") && value != null) {
            String text = new String(value, StandardCharsets.UTF_8);
            for (Map.Entry<String, String> e : own.entrySet()) {
              text = text.replace("\"" + e.getKey() + "\"", "\"" + e.getValue() + "\"");
            }
            value = text.getBytes(StandardCharsets.UTF_8);
          }
          ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(p.topics.jobs(),
              ("hostile-" + i).getBytes(StandardCharsets.UTF_8), value);
          if (header != null) {
            r.headers().add(ReplyHeaders.REPLY_TOPIC, own.getOrDefault(header, header).getBytes(StandardCharsets.UTF_8));
          }
          producer.send(r);
          if (i % VALID_EVERY == 0) {
            String id = "valid-" + i;
            validIds.add(id);
            producer.send(new ProducerRecord<>(p.topics.jobs(), id.getBytes(StandardCharsets.UTF_8),
                p.codec.encodeJob(Job.of(id, p.request("valid " + i)))));
          }
        }
        producer.flush();
      }
      System.out.printf("fuzz: %d hostile records %s, %d valid jobs between them%n", HOSTILE, byKind,
          validIds.size());

      Map<String, JobResult> results = p.assertExactlyOneResultEach(validIds);
      assertTrue(results.values().stream().allMatch(r -> r.succeeded() && r.route() == Route.SUBSCRIPTION));
      List<ConsumerRecord<byte[], byte[]>> dead = p.readAll(p.topics.deadLetters(), HOSTILE);
      List<String> withoutReason = new ArrayList<>();
      Set<String> keys = new HashSet<>();
      for (ConsumerRecord<byte[], byte[]> d : dead) {
        String key = new String(d.key(), StandardCharsets.UTF_8);
        keys.add(key);
        String reason = ReplyHeaders.text(d.headers(), ReplyHeaders.DLQ_REASON);
        if (reason == null || reason.isBlank()) {
          withoutReason.add(key);
        }
      }
      System.out.printf("fuzz: %d dead letters, all with a reason: %s; %d results%n", dead.size(),
          withoutReason.isEmpty(), results.size());
      assertEquals(HOSTILE, dead.size(), "each hostile record dead-lettered exactly once");
      assertEquals(HOSTILE, keys.size());
      assertEquals(List.of(), withoutReason);
      assertFalse(worker.finished().isDone(), "the worker is still running");
      assertEquals(validIds.size(), p.sim.calls().size(), "calls only for the valid jobs");
    }
  }
}
