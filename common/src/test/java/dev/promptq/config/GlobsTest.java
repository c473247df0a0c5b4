package dev.promptq.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class GlobsTest {
  @Test
  void aStarMatchesAnyRunAndEverythingElseItself() {
    Globs g = Globs.parse(" promptq.* , claude-sonnet-4-6 ");
    assertTrue(g.matches("promptq.results"));
    assertTrue(g.matches("promptq."));
    assertTrue(g.matches("claude-sonnet-4-6"));
    assertFalse(g.matches("claude-sonnet-4-60"));
    assertFalse(g.matches("promptqXresults"), "a dot is a dot, not any character");
    assertFalse(g.matches("other.promptq.x"));
    assertEquals("promptq.*,claude-sonnet-4-6", g.toString());
  }

  @Test
  void anEmptyListMatchesNothing() {
    assertFalse(Globs.parse("").matches("anything"));
    assertTrue(Globs.parse("*").matches(""));
  }
}
