package dev.promptq.usage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PriceTableTest {
  private final PriceTable shipped = PriceTable.defaults();

  private double in(String model) {
    return shipped.find(model).orElseThrow(() -> new AssertionError(model + " not priced")).input();
  }

  private double out(String model) {
    return shipped.find(model).orElseThrow().output();
  }

  @Test
  void theShippedTableNamesItsSourceAndTheDayItWasChecked() {
    assertTrue(shipped.source().contains("platform.claude.com"), shipped.source());
    assertEquals("2026-12-01", shipped.checked());
    assertEquals(new PriceTable.Factors(1.25, 2, 0.1, 0.5), shipped.factors());
  }

  @Test
  void theModelsTheApiListsInDecember2026HaveTheirListPrices() {
    assertEquals(10, in("claude-fable-5-1"));
    assertEquals(50, out("claude-fable-5-1"));
    assertEquals(4, in("claude-opus-5-5"));
    assertEquals(20, out("claude-opus-5-5"));
    assertEquals(5, in("claude-opus-5"));
    assertEquals(5, in("claude-opus-4-8"));
    assertEquals(5, in("claude-opus-4-6"));
    assertEquals(15, in("claude-opus-4-1"));
    assertEquals(2, in("claude-sonnet-5-5"));
    assertEquals(2, in("claude-sonnet-5"));
    assertEquals(10, out("claude-sonnet-5"));
    assertEquals(3, in("claude-sonnet-4-6"));
    assertEquals(15, out("claude-sonnet-4-6"));
    assertEquals(1, in("claude-haiku-4-5"));
    assertEquals(5, out("claude-haiku-4-5"));
  }

  @Test
  void aRetiredModelKeepsItsPriceForOlderUsageAndSaysWhenItRetired() {
    PriceTable.ModelPrice p = shipped.find("claude-sonnet-4-5").orElseThrow();
    assertEquals(LocalDate.of(2026, 11, 30), p.retired());
    assertEquals(3, p.input());
  }

  @Test
  void aSnapshotDateFindsItsModelButNoOtherSuffixDoes() {
    assertEquals(5, in("claude-opus-4-5-20251101"));
    assertEquals(15, in("claude-opus-4-1-20250805"));
    assertEquals(15, in("claude-opus-4-20250514"));
    assertEquals(Optional.empty(), shipped.find("claude-opus-5-6"), "a newer model is not its older namesake");
    assertEquals(Optional.empty(), shipped.find("claude-sonnet-6"));
    assertEquals(Optional.empty(), shipped.find(null));
  }

  @Test
  void anUnknownModelHasNoCostButABudgetCountsItAtTheHighestPrices() {
    Tokens t = new Tokens(1_000_000, 1_000_000, 0, 0, 0);
    assertEquals(Optional.empty(), shipped.cost("some-new-model", t, false));
    assertEquals(15 + 75, shipped.budgetCost("some-new-model", t, false), 1e-9);  // highest input, highest output
  }

  @Test
  void costPricesCacheWritesAndReadsAsTheApiBillsThemAndBatchesAtHalf() {
    PriceTable t = shipped.with("m:2:10");
    Tokens tokens = new Tokens(1_000_000, 100_000, 1_000_000, 1_000_000, 1_000_000);
    double sync = 2 + 1 + 2 * 1.25 + 2 * 2 + 2 * 0.1;
    assertEquals(sync, t.cost("m", tokens, false).orElseThrow(), 1e-9);
    assertEquals(sync / 2, t.cost("m", tokens, true).orElseThrow(), 1e-9);
  }

  @Test
  void tokensReadTheUsageBlockWithOrWithoutTheCacheSplit() throws Exception {
    ObjectMapper m = new ObjectMapper();
    assertEquals(new Tokens(10, 20, 30, 0, 40), Tokens.fromUsage(m.readTree(
        "{\"input_tokens\":10,\"output_tokens\":20,\"cache_creation_input_tokens\":30,\"cache_read_input_tokens\":40}")));
    assertEquals(new Tokens(10, 20, 5, 25, 0), Tokens.fromUsage(m.readTree("{\"input_tokens\":10,\"output_tokens\":20,"
        + "\"cache_creation_input_tokens\":30,\"cache_creation\":{\"ephemeral_5m_input_tokens\":5,"
        + "\"ephemeral_1h_input_tokens\":25}}")));
    assertEquals(Tokens.NONE, Tokens.fromUsage(null));
    assertEquals(Tokens.NONE, Tokens.fromUsage(m.readTree("{\"input_tokens\":-5}")));
  }

  @Test
  void anOperatorsFileAndEntriesAddToAndReplaceTheShippedPrices(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("prices.json");
    Files.writeString(file, "{\"source\":\"our contract\",\"checked\":\"2026-12-02\",\"batch\":0.4,"
        + "\"models\":[{\"model\":\"claude-sonnet-5\",\"input\":1.5,\"output\":7.5},"
        + "{\"model\":\"our-model\",\"input\":1,\"output\":2}]}");
    PriceTable t = PriceTable.of(file, "claude-haiku-4-5:0.5:2.5");
    assertEquals(1.5, t.find("claude-sonnet-5").orElseThrow().input());
    assertEquals(1, t.find("our-model").orElseThrow().input());
    assertEquals(0.5, t.find("claude-haiku-4-5").orElseThrow().input());
    assertEquals(5, t.find("claude-opus-5").orElseThrow().input(), "the rest stays");
    assertEquals("our contract", t.source());
    assertEquals(0.4, t.factors().batch());
    assertEquals(0.1, t.factors().cacheRead());
  }

  @Test
  void aBadFileOrEntryIsNamedInTheError(@TempDir Path dir) throws Exception {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PriceTable.of(null, "m:1"));
    assertTrue(e.getMessage().startsWith("api.prices: m:1 ("), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> PriceTable.of(null, "m:x:1"));
    assertThrows(IllegalArgumentException.class, () -> PriceTable.of(null, "m:-1:1"));
    Path bad = dir.resolve("bad.json");
    Files.writeString(bad, "{\"models\":[{\"model\":\"x\",\"input\":\"cheap\",\"output\":1}]}");
    e = assertThrows(IllegalArgumentException.class, () -> PriceTable.of(bad, null));
    assertTrue(e.getMessage().contains("prices.file") && e.getMessage().contains("must be numbers"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> PriceTable.of(dir.resolve("missing.json"), null));
    assertTrue(e.getMessage().startsWith("prices.file: cannot read"), e.getMessage());
    assertFalse(shipped.models().isEmpty());
  }
}
