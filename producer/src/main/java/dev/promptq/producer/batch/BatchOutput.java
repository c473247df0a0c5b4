package dev.promptq.producer.batch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.promptq.job.JobCodec;
import dev.promptq.job.JobResult;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.Set;

/**
 * The result file of a batch run, in the Message Batches result shape, one line per request:
 * {@code {"custom_id", "result": {"type": "succeeded", "message"}}}, or {@code errored} with
 * {@code {"type": "error", "error": {"type", "message"}}}, or {@code expired} / {@code canceled}.
 *
 * <p>Opening an existing file resumes it: ids already answered are reported by {@link #answered()}
 * and a line cut short by a crash is dropped. Lines are appended and flushed one at a time.
 * Thread-safe.
 */
public final class BatchOutput implements AutoCloseable {
  private final ObjectMapper mapper = JobCodec.newMapper();
  private final Set<String> answered = new HashSet<>();
  private final BufferedWriter out;

  private BatchOutput(Path file) throws IOException {
    if (Files.exists(file)) {
      dropPartialLastLine(file);
      for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
        if (line.isBlank()) {
          continue;
        }
        JsonNode n = mapper.readTree(line);
        if (n.path("custom_id").isTextual()) {
          answered.add(n.get("custom_id").asText());
        }
      }
    } else if (file.toAbsolutePath().getParent() != null) {
      Files.createDirectories(file.toAbsolutePath().getParent());
    }
    this.out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
        StandardOpenOption.APPEND);
  }

  /**
   * Opens (or creates) {@code file} for appending.
   *
   * @throws IOException if it cannot be read or written, or an existing line is not JSON
   */
  public static BatchOutput open(Path file) throws IOException {
    return new BatchOutput(file);
  }

  /** Custom ids that already have a result line. */
  public synchronized Set<String> answered() {
    return Set.copyOf(answered);
  }

  /** Appends the result line of {@code customId} and flushes it. */
  public synchronized void write(String customId, JobResult result) throws IOException {
    out.write(mapper.writeValueAsString(toLine(customId, result)));
    out.newLine();
    out.flush();
    answered.add(customId);
  }

  /** The Batches-shaped line for a result. */
  public ObjectNode toLine(String customId, JobResult r) {
    ObjectNode line = mapper.createObjectNode();
    line.put("custom_id", customId);
    ObjectNode result = line.putObject("result");
    result.put("type", r.outcome().wireName());
    switch (r.outcome()) {
      case SUCCEEDED -> result.set("message", r.message());
      case ERRORED -> {
        ObjectNode error = result.putObject("error");
        error.put("type", "error");
        ObjectNode inner = error.putObject("error");
        inner.put("type", r.error() == null ? "api_error" : r.error().type());
        inner.put("message", r.error() == null ? "unknown error" : r.error().message());
      }
      default -> { }
    }
    return line;
  }

  @Override
  public synchronized void close() throws IOException {
    out.close();
  }

  private static void dropPartialLastLine(Path file) throws IOException {
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      long len = raf.length();
      if (len == 0) {
        return;
      }
      raf.seek(len - 1);
      if (raf.read() == '\n') {
        return;
      }
      long pos = len - 1;
      while (pos > 0) {
        raf.seek(pos - 1);
        if (raf.read() == '\n') {
          break;
        }
        pos--;
      }
      raf.setLength(pos);
    }
  }

}
