package dev.promptq.gateway.keys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.promptq.job.RoutePolicy;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import org.junit.jupiter.api.Test;

class KeyBookTest {
  private final KeyBook book = new KeyBook();

  private String add(String name) {
    String key = KeySecret.generate();
    KeySecret.Presented p = KeySecret.parse(key).orElseThrow();
    PromptqKey k = new PromptqKey(p.id(), name, KeySecret.sha256(p.secret()), List.of(RoutePolicy.API_ONLY), "*", 1.0,
        0, Instant.parse("2026-12-02T10:00:00Z"), null);
    book.apply(KeyRecords.keyOf(k), KeyRecords.encode(k));
    return key;
  }

  @Test
  void aKeyAuthenticatesByItsSecretAndOnlyWhileLive() {
    String key = add("app");
    PromptqKey k = book.authenticate(key).orElseThrow();
    assertEquals("app", k.name());
    assertEquals(List.of(RoutePolicy.API_ONLY), k.policies());
    String other = key.substring(0, key.length() - 1) + (key.endsWith("A") ? "B" : "A");
    assertTrue(book.authenticate(other).isEmpty(), "one character off");
    assertTrue(book.authenticate("sk-ant-api03-not-ours").isEmpty());
    assertTrue(book.authenticate(null).isEmpty());
    book.apply(KeyRecords.keyOf(k), KeyRecords.encode(k.revoked(Instant.parse("2026-12-02T11:00:00Z"))));
    assertTrue(book.authenticate(key).isEmpty(), "revoked");
    assertFalse(book.keys().get(0).live());
  }

  @Test
  void theRecordHoldsTheHashNeverTheKey() {
    String key = add("hashed");
    String record = new String(KeyRecords.encode(book.keys().get(0)), java.nio.charset.StandardCharsets.UTF_8);
    assertFalse(record.contains(key.substring(KeySecret.PREFIX.length() + 13)), record);
    assertFalse(book.keys().get(0).toString().contains(book.keys().get(0).sha256()));
  }

  @Test
  void useAddsUpOverInstancesAndARecordReadBackNeverUndoesNewerCounts() {
    String key = add("counted");
    String id = KeySecret.parse(key).orElseThrow().id();
    LocalDate day = LocalDate.parse("2026-12-02");
    book.record(new KeyUsage(id, day, "gw-1", 5, 0.5));
    KeyUsage older = new KeyUsage(id, day, "gw-1", 3, 0.3);
    book.apply(KeyRecords.keyOf(older), KeyRecords.encode(older));
    KeyUsage other = new KeyUsage(id, day, "gw-2", 2, 0.25);
    book.apply(KeyRecords.keyOf(other), KeyRecords.encode(other));
    assertEquals(new KeyBook.DayUse(7, 0.75), book.use(id, day));
    assertEquals(new KeyBook.DayUse(0, 0), book.use(id, day.plusDays(1)));
  }

  @Test
  void theBatchesTotalCountsOnceAndTheLastRecordReadIsKeptEvenWhenSmaller() {
    String id = KeySecret.parse(add("batches")).orElseThrow().id();
    LocalDate day = LocalDate.parse("2026-12-02");
    KeyUsage ahead = new KeyUsage(id, day, KeyLimits.BATCHES, 8, 0.02);
    KeyUsage behind = new KeyUsage(id, day, KeyLimits.BATCHES, 6, 0.01);
    book.apply(KeyRecords.keyOf(ahead), KeyRecords.encode(ahead));
    book.apply(KeyRecords.keyOf(behind), KeyRecords.encode(behind));  // an instance that was behind wrote last
    assertEquals(new KeyBook.DayUse(8, 0.02), book.use(id, day), "the larger total counts, once");
    assertEquals(behind, book.lastRead(KeyRecords.keyOf(ahead)), "so an instance that is ahead writes again");
  }

  @Test
  void recordsThatDoNotReadAreSkipped() {
    book.apply(KeyRecords.KEY + "abc", "{not json".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    book.apply(KeyRecords.KEY + "abc", "{\"id\":\"other\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    book.apply("route/api", "{}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    assertTrue(book.keys().isEmpty());
  }
}
