package dev.promptq.gateway.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class ModelsHandlerTest {
  @Test
  void aModelsDisplayNameIsReadFromItsId() {
    assertEquals("Claude Opus 4.6", ModelsHandler.display("claude-opus-4-6"));
    assertEquals("Claude Haiku 4.5", ModelsHandler.display("claude-haiku-4-5"));
    assertEquals("Claude Sonnet 5", ModelsHandler.display("claude-sonnet-5"));
  }
}
