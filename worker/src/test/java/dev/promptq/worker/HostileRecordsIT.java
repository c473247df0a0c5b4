package dev.promptq.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.promptq.job.Job;
import dev.promptq.job.JobResult;
import dev.promptq.job.Route;
import dev.promptq.kafka.ReplyHeaders;
import dev.promptq.testkit.junit.SharedKafka;
import dev.promptq.testkit.kafka.EmbeddedKafka;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Property: whatever lands on the jobs topic, a record that is not a valid job ends on the DLQ with
 * a reason, the worker stays up, and the valid jobs between them are all answered. A seeded
 * generator makes 1,200 hostile records of twelve kinds; the seed is printed, and
 * {@code -Dpromptq.fuzz.seed=N} replays a run.
 */
@ExtendWith(SharedKafka.class)
class HostileRecordsIT {
  private static final int HOSTILE = 1_200;
  private static final int VALID_EVERY = 8;
  private static final Set<String> JOB_FIELDS =
      Set.of("id", "request", "route", "reply_to", "deadline", "metadata", "batch");

  /** One generated record: its kind (for the counts), its value, and a reply-topic header or null. */
  record Hostile(String kind, byte[] value, String replyHeader) {}

  private static final String VALID_REQUEST =
      "{\"model\":\"claude-test\",\"max_tokens\":16,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

  private static String job(String id, String extra) {
    return "{\"id\":\"" + id + "\",\"request\":" + VALID_REQUEST + extra + "}";
  }

  private static Hostile of(String kind, String json) {
    return new Hostile(kind, json.getBytes(StandardCharsets.UTF_8), null);
  }

  /** Makes hostile records from a seeded random source; {@code own} maps to the test's own topics. */
  static final class Generator {
    private final Random random;
    private final Map<String, String> own;

    Generator(long seed, Map<String, String> own) {
      this.random = new Random(seed);
      this.own = own;
    }

    private int between(int min, int max) {
      return min + random.nextInt(max - min + 1);
    }

    private <T> T pick(List<T> choices) {
      return choices.get(random.nextInt(choices.size()));
    }

    private String string(String alphabet, int min, int max) {
      StringBuilder b = new StringBuilder();
      for (int i = between(min, max); i > 0; i--) {
        b.append(alphabet.charAt(random.nextInt(alphabet.length())));
      }
      return b.toString();
    }

    private String id() {
      return string("abcXYZ019_-", 1, 20);
    }

    /** Any UTF-16 text, escaped for a JSON string. */
    private String junk() {
      StringBuilder b = new StringBuilder();
      for (int i = between(0, 40); i > 0; i--) {
        char c = (char) random.nextInt(0xD800);
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

    private String forbiddenTopic() {
      return random.nextInt(4) == 0 ? pick(List.copyOf(own.values()))
          : "x" + string("abcdefghijklmnopqrstuvwxyz0123456789._-", 1, 30);  // test topics start with "t"
    }

    Hostile next() {
      int roll = random.nextInt(108);
      if (roll < 12) {
        byte[] b = new byte[between(0, 400)];
        random.nextBytes(b);
        return new Hostile("random bytes", b, null);
      } else if (roll < 24) {
        String full = job(id(), "");
        return of("truncated JSON", full.substring(0, random.nextInt(full.length())));
      } else if (roll < 36) {
        String field = pick(List.of("\"id\":7", "\"id\":[\"a\"]", "\"id\":null", "\"id\":\"has space\"",
            "\"request\":\"hello\"", "\"request\":[1,2]", "\"route\":3", "\"route\":\"cheapest\"",
            "\"reply_to\":42", "\"reply_to\":\"bad topic!\"", "\"deadline\":17", "\"deadline\":\"tomorrow\"",
            "\"batch\":5", "\"batch\":\"no spaces\""));
        return of("wrong type", "{" + field + (field.startsWith("\"id\"") ? "" : ",\"id\":\"" + id() + "\"")
            + (field.startsWith("\"request\"") ? "" : ",\"request\":" + VALID_REQUEST) + "}");
      } else if (roll < 48) {
        String request = pick(List.of("{}", "{\"model\":\"m\"}",
            "{\"model\":7,\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}",
            "{\"model\":\"m\",\"max_tokens\":-1,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}",
            "{\"model\":\"m\",\"max_tokens\":\"5\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}",
            "{\"model\":\"m\",\"max_tokens\":5,\"messages\":[]}", "{\"model\":\"m\",\"max_tokens\":5,\"messages\":{}}",
            "{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"god\",\"content\":\"x\"}]}",
            "{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\"}]}"));
        return of("request without required fields", "{\"id\":\"" + id() + "\",\"request\":" + request + "}");
      } else if (roll < 49) {
        return of("huge string", job("huge", ",\"metadata\":\"" + "x".repeat(between(530_000, 700_000)) + "\""));
      } else if (roll < 55) {
        int d = between(65, 3_000);
        return of("deep nesting", job("deep", ",\"metadata\":" + "[".repeat(d) + "]".repeat(d)));
      } else if (roll < 59) {
        return of("oversized metadata", job("meta", ",\"metadata\":{\"k\":\"" + "m".repeat(between(17_000, 100_000))
            + "\"}"));
      } else if (roll < 69) {
        String field;
        do {
          field = string("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", 1, 12);
        } while (JOB_FIELDS.contains(field));
        return of("unknown field", job(id(), ",\"" + field + "\":\"" + junk() + "\""));
      } else if (roll < 77) {
        byte[] bad = pick(List.of(new byte[] {(byte) 0xC3, 0x28}, new byte[] {(byte) 0xFF},
            new byte[] {(byte) 0xE2, (byte) 0x82}, new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80}));
        byte[] head = ("{\"id\":\"" + id() + "\",\"request\":" + VALID_REQUEST + ",\"metadata\":\"")
            .getBytes(StandardCharsets.UTF_8);
        byte[] tail = "\"}".getBytes(StandardCharsets.UTF_8);
        byte[] all = new byte[head.length + bad.length + tail.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(bad, 0, all, head.length, bad.length);
        System.arraycopy(tail, 0, all, head.length + bad.length, tail.length);
        return new Hostile("not UTF-8", all, null);
      } else if (roll < 87) {
        return of("forbidden reply_to", job(id(), ",\"reply_to\":\"" + forbiddenTopic() + "\""));
      } else if (roll < 95) {
        return new Hostile("forbidden kafka_replyTopic", job(id(), "").getBytes(StandardCharsets.UTF_8),
            forbiddenTopic());
      } else if (roll < 97) {
        return new Hostile("null value", null, null);
      }
      return of("unknown field", job(id(), ",\"" + pick(List.of("priority", "user", "callback")) + "\":1"));
    }
  }

  @Test
  void everyHostileRecordEndsOnTheDlqWithAReasonAndEveryValidJobIsAnswered(EmbeddedKafka kafka) {
    long seed = Long.getLong("promptq.fuzz.seed", System.nanoTime());
    try (TestPipeline p = new TestPipeline(kafka)) {
      Worker worker = p.startWorker("w");
      Generator generator = new Generator(seed, Map.of("jobs", p.topics.jobs(), "control", p.topics.control(),
          "dlq", p.topics.deadLetters()));
      Map<String, Integer> byKind = new TreeMap<>();
      Set<String> validIds = new HashSet<>();
      try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers",
          kafka.bootstrapServers(), "max.request.size", 2_000_000, "linger.ms", 5), new ByteArraySerializer(),
          new ByteArraySerializer())) {
        for (int i = 0; i < HOSTILE; i++) {
          Hostile h = generator.next();
          byKind.merge(h.kind(), 1, Integer::sum);
          byte[] value = h.value();
          String header = h.replyHeader();
          ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(p.topics.jobs(),
              ("hostile-" + i).getBytes(StandardCharsets.UTF_8), value);
          if (header != null) {
            r.headers().add(ReplyHeaders.REPLY_TOPIC, header.getBytes(StandardCharsets.UTF_8));
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
      System.out.printf("fuzz (seed %d): %d hostile records %s, %d valid jobs between them%n", seed, HOSTILE, byKind,
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
