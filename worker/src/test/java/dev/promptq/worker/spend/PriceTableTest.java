package dev.promptq.worker.spend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class PriceTableTest {
  private final ObjectMapper mapper = new ObjectMapper();

  @Test
  void theLongestPrefixWins() {
    PriceTable t = PriceTable.defaults();
    assertEquals(new PriceTable.Price(5, 25), t.priceOf("claude-opus-4-5-20251101"));
    assertEquals(new PriceTable.Price(15, 75), t.priceOf("claude-opus-4-1-20250805"));
    assertEquals(new PriceTable.Price(3, 15), t.priceOf("claude-sonnet-4-6"));
    assertEquals(new PriceTable.Price(1, 5), t.priceOf("claude-haiku-4-5"));
  }

  @Test
  void theLiveFamiliesOfDecember2026HaveTheirListPrices() {
    PriceTable t = PriceTable.defaults();
    assertEquals(new PriceTable.Price(3, 15), t.priceOf("claude-sonnet-4-6"));
    assertEquals(new PriceTable.Price(2, 10), t.priceOf("claude-sonnet-5"));
    assertEquals(new PriceTable.Price(2, 10), t.priceOf("claude-sonnet-5-5"));
    assertEquals(new PriceTable.Price(5, 25), t.priceOf("claude-opus-4-6"));
    assertEquals(new PriceTable.Price(5, 25), t.priceOf("claude-opus-4-8"));
    assertEquals(new PriceTable.Price(5, 25), t.priceOf("claude-opus-5"));
    assertEquals(new PriceTable.Price(4, 20), t.priceOf("claude-opus-5-5"));
    assertEquals(new PriceTable.Price(10, 50), t.priceOf("claude-fable-5-1"));
  }

  @Test
  void anUnknownModelCostsTheHighestPricesSoABudgetErrsOnTheSafeSide() {
    assertEquals(new PriceTable.Price(15, 75), PriceTable.defaults().priceOf("some-new-model"));  // max of each
  }

  @Test
  void costCountsInputOutputAndCacheTokens() throws Exception {
    PriceTable t = PriceTable.parse("m:2:10");
    double cost = t.cost("m-1", mapper.readTree("{\"input_tokens\":1000000,\"output_tokens\":100000,"
        + "\"cache_creation_input_tokens\":1000000,\"cache_read_input_tokens\":1000000}"));
    assertEquals(2 + 1 + 2 * 1.25 + 2 * 0.1, cost, 1e-9);
  }

  @Test
  void parsedEntriesAddToAndReplaceTheDefaults() {
    PriceTable t = PriceTable.parse("claude-sonnet:4:20, mine:0.5:1");
    assertEquals(new PriceTable.Price(4, 20), t.priceOf("claude-sonnet-4"));
    assertEquals(new PriceTable.Price(0.5, 1), t.priceOf("mine-v2"));
    assertEquals(new PriceTable.Price(5, 25), t.priceOf("claude-opus-4-5"));
  }

  @Test
  void aBadEntryIsNamedInTheError() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PriceTable.parse("m:1"));
    assertTrue(e.getMessage().startsWith("api.prices: m:1 ("), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> PriceTable.parse("m:x:1"));
    assertThrows(IllegalArgumentException.class, () -> PriceTable.parse("m:-1:1"));
  }
}
