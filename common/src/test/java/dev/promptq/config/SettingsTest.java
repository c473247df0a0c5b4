package dev.promptq.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SettingsTest {

  @Test
  void flagsOverrideEnvironmentWhichOverridesTheFile(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("promptq.properties");
    Files.writeString(file, "bootstrap.servers=file:1\ngroup.id=from-file\nmax.in.flight=8\n");
    Map<String, String> flags = new HashMap<>();
    flags.put("max.in.flight", "16");
    flags.put("worker.id", null);

    Settings s = Settings.load(file, Map.of("PROMPTQ_BOOTSTRAP_SERVERS", "env:2"),
        Map.of("PROMPTQ_BOOTSTRAP_SERVERS", "bootstrap.servers"), flags);

    assertEquals("env:2", s.get("bootstrap.servers").orElseThrow());
    assertEquals("from-file", s.get("group.id").orElseThrow());
    assertEquals(16, s.getInt("max.in.flight", 1, 1, 100));
    assertFalse(s.get("worker.id").isPresent());
  }

  @Test
  void kafkaPrefixedKeysPassThroughWithoutThePrefix() {
    Settings s = Settings.of(Map.of("kafka.security.protocol", "SSL", "group.id", "g"));
    assertEquals(Map.of("security.protocol", "SSL"), s.kafkaProperties());
  }

  @Test
  void badNumbersSayWhichKeyAndValue() {
    Settings s = Settings.of(Map.of("max.in.flight", "many", "n", "0"));
    assertEquals("max.in.flight: many (not an integer)",
        assertThrows(IllegalArgumentException.class, () -> s.getInt("max.in.flight", 1, 1, 10)).getMessage());
    assertEquals("n: 0 (must be between 1 and 10)",
        assertThrows(IllegalArgumentException.class, () -> s.getInt("n", 1, 1, 10)).getMessage());
  }

  @Test
  void unknownKeysAreRejectedWithASuggestion() {
    Settings s = Settings.of(Map.of("max.inflight", "3"));
    assertEquals("unknown setting: max.inflight (did you mean max.in.flight?)",
        assertThrows(IllegalArgumentException.class, () -> s.rejectUnknown(List.of("max.in.flight", "group.id")))
            .getMessage());
  }

  @Test
  void aMissingFileIsAClearError() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Settings.load(Path.of("no-such.properties"), Map.of(), Map.of(), Map.of()));
    assertEquals(true, e.getMessage().startsWith("config file: cannot read no-such.properties"));
  }
}
