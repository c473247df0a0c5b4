package dev.promptq.worker.credentials;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.promptq.config.Secret;
import dev.promptq.job.JobCodec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * A credentials file in the shape of Claude Code's {@code ~/.claude/.credentials.json}:
 * <pre>{@code {"claudeAiOauth": {"accessToken": "...", "refreshToken": "...", "expiresAt": 1767225600000,
 *                   "scopes": ["user:inference"], "subscriptionType": "max"}}}</pre>
 * ({@code expiresAt} in epoch milliseconds). {@link #write} replaces the file atomically with mode
 * 0600 and keeps every other field, so the program that owns the file keeps working.
 * Errors name the file and the field, never a value.
 */
public final class CredentialsFile {
  private static final Logger log = LoggerFactory.getLogger(CredentialsFile.class);

  private static final String OAUTH = "claudeAiOauth";

  private final Path path;
  private final ObjectMapper mapper = JobCodec.newMapper();

  public CredentialsFile(Path path) {
    this.path = path;
  }

  public Path path() {
    return path;
  }

  /**
   * Reads the credentials.
   *
   * @throws IllegalArgumentException if the file is missing, unreadable or not in the expected shape
   */
  public OAuthCredentials read() {
    JsonNode root;
    try {
      root = mapper.readTree(Files.readAllBytes(path));
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException("credentials.file: " + path + " (no such file)");
    } catch (IOException e) {
      // Jackson's message may quote the content: only its class
      throw new IllegalArgumentException("credentials.file: " + path + " (not readable JSON: "
          + e.getClass().getSimpleName() + ")");
    }
    JsonNode o = root == null ? null : root.get(OAUTH);
    if (o == null || !o.isObject()) {
      throw new IllegalArgumentException("credentials.file: " + path + " (no \"" + OAUTH + "\" object)");
    }
    if (!o.path("accessToken").isTextual() || o.get("accessToken").asText().isBlank()) {
      throw new IllegalArgumentException("credentials.file: " + path + " (" + OAUTH + ".accessToken missing)");
    }
    Optional<Secret> refresh = o.path("refreshToken").isTextual() && !o.get("refreshToken").asText().isBlank()
        ? Optional.of(Secret.of(o.get("refreshToken").asText())) : Optional.empty();
    Instant expiresAt = null;
    if (o.has("expiresAt") && !o.get("expiresAt").isNull()) {
      if (!o.get("expiresAt").canConvertToLong()) {
        throw new IllegalArgumentException("credentials.file: " + path + " (" + OAUTH
            + ".expiresAt must be epoch milliseconds)");
      }
      expiresAt = Instant.ofEpochMilli(o.get("expiresAt").asLong());
    }
    List<String> scopes = new ArrayList<>();
    o.path("scopes").forEach(s -> scopes.add(s.asText()));
    String type = o.path("subscriptionType").isTextual() ? o.get("subscriptionType").asText() : null;
    return new OAuthCredentials(Secret.of(o.get("accessToken").asText()), refresh, expiresAt, scopes, type);
  }

  /**
   * Replaces the file's credentials with {@code c}, keeping its other fields: writes a sibling
   * temporary file with mode 0600 and moves it over the file atomically.
   *
   * @throws UncheckedIOException if the file cannot be written
   */
  public void write(OAuthCredentials c) {
    ObjectNode root;
    try {
      JsonNode existing = Files.exists(path) ? mapper.readTree(Files.readAllBytes(path)) : null;
      root = existing instanceof ObjectNode on ? on : mapper.createObjectNode();
    } catch (IOException e) {
      root = mapper.createObjectNode();
    }
    ObjectNode o = root.get(OAUTH) instanceof ObjectNode on ? on : root.putObject(OAUTH);
    o.put("accessToken", c.accessToken().reveal());
    c.refreshToken().ifPresentOrElse(r -> o.put("refreshToken", r.reveal()), () -> o.remove("refreshToken"));
    if (c.expiresAt() != null) {
      o.put("expiresAt", c.expiresAt().toEpochMilli());
    }
    if (!c.scopes().isEmpty()) {
      ArrayNode scopes = o.putArray("scopes");
      c.scopes().forEach(scopes::add);
    }
    if (c.subscriptionType() != null) {
      o.put("subscriptionType", c.subscriptionType());
    }
    Path dir = path.toAbsolutePath().getParent();
    Path tmp = dir.resolve("." + path.getFileName() + "." + UUID.randomUUID() + ".tmp");
    try {
      Files.createDirectories(dir);
      createPrivate(tmp);
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
        ch.write(java.nio.ByteBuffer.wrap(mapper.writerWithDefaultPrettyPrinter().writeValueAsBytes(root)));
        ch.force(true);
      }
      try {
        Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      try {
        Files.deleteIfExists(tmp);
      } catch (IOException ignored) {
        // best effort
      }
      throw new UncheckedIOException("cannot write credentials.file " + path + ": " + e.getClass().getSimpleName(), e);
    }
  }

  /** Creates {@code file} readable and writable by its owner only, from the first byte. */
  private static void createPrivate(Path file) throws IOException {
    try {
      Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } catch (UnsupportedOperationException notPosix) {
      Files.createFile(file);
    }
  }

  /**
   * Writes {@code c} (rotated credentials) unless the file holds them already or holds newer ones
   * (a login since); a failure is logged, not thrown.
   */
  void writeBack(OAuthCredentials c) {
    try {
      OAuthCredentials inFile = null;
      try {
        inFile = read();
      } catch (IllegalArgumentException unreadable) {
        // rewrite it
      }
      if (inFile != null && (inFile.accessToken().equals(c.accessToken()) || c.expiresBefore(inFile))) {
        return;  // up to date, or newer than ours (a login since): leave it
      }
      write(c);
      log.debug("wrote the rotated credentials back to {}", path());
    } catch (RuntimeException e) {
      log.warn("could not write the rotated credentials back to {}: {}", path(), e.getMessage());
    }
  }
}
