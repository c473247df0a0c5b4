package dev.promptq.worker.credentials;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.promptq.config.Secret;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CredentialsFileTest {
  @TempDir
  Path dir;

  private static final String CLAUDE_CODE_FILE = """
      {"claudeAiOauth": {"accessToken": "sk-ant-oat01-abc", "refreshToken": "sk-ant-ort01-def",
        "expiresAt": 1767225600000, "scopes": ["user:inference", "user:profile"], "subscriptionType": "max"},
       "mcpOAuth": {"kept": true}}
      """;

  @Test
  void readsClaudeCodesCredentialsFile() throws IOException {
    Path f = Files.writeString(dir.resolve(".credentials.json"), CLAUDE_CODE_FILE);
    OAuthCredentials c = new CredentialsFile(f).read();
    assertEquals("sk-ant-oat01-abc", c.accessToken().reveal());
    assertEquals("sk-ant-ort01-def", c.refreshToken().orElseThrow().reveal());
    assertEquals(Instant.ofEpochMilli(1767225600000L), c.expiresAt());
    assertEquals(List.of("user:inference", "user:profile"), c.scopes());
    assertEquals("max", c.subscriptionType());
    assertFalse(c.toString().contains("sk-ant"), c.toString());
  }

  @Test
  void writeBackReplacesTheTokensKeepsOtherFieldsAndIsPrivate() throws IOException {
    Path f = Files.writeString(dir.resolve(".credentials.json"), CLAUDE_CODE_FILE);
    OAuthCredentials rotated = new OAuthCredentials(Secret.of("sk-ant-oat01-new"), Optional.of(Secret.of("sk-ant-ort01-new")),
        Instant.ofEpochMilli(1767229200000L), List.of("user:inference"), "max");
    new CredentialsFile(f).write(rotated);

    JsonNode root = new ObjectMapper().readTree(f.toFile());
    assertEquals("sk-ant-oat01-new", root.at("/claudeAiOauth/accessToken").asText());
    assertEquals("sk-ant-ort01-new", root.at("/claudeAiOauth/refreshToken").asText());
    assertEquals(1767229200000L, root.at("/claudeAiOauth/expiresAt").asLong());
    assertTrue(root.at("/mcpOAuth/kept").asBoolean(), "fields promptq does not know are kept");
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
    try (Stream<Path> files = Files.list(dir)) {
      assertEquals(List.of(f.getFileName().toString()), files.map(p -> p.getFileName().toString()).toList(),
          "no temporary file left behind");
    }
  }

  @Test
  void errorsNameTheFileAndFieldNeverAValue() throws IOException {
    Path missing = dir.resolve("nope.json");
    assertEquals("credentials.file: " + missing + " (no such file)",
        assertThrows(IllegalArgumentException.class, () -> new CredentialsFile(missing).read()).getMessage());
    Path noAccess = Files.writeString(dir.resolve("a.json"), "{\"claudeAiOauth\": {\"refreshToken\": \"sk-ant-ort01-zzz\"}}");
    String m = assertThrows(IllegalArgumentException.class, () -> new CredentialsFile(noAccess).read()).getMessage();
    assertTrue(m.contains("claudeAiOauth.accessToken missing"), m);
    assertFalse(m.contains("zzz"));
    Path broken = Files.writeString(dir.resolve("b.json"), "{\"claudeAiOauth\": {\"accessToken\": \"sk-ant-oat01-leak");
    m = assertThrows(IllegalArgumentException.class, () -> new CredentialsFile(broken).read()).getMessage();
    assertFalse(m.contains("leak"), m);
  }
}
