package dev.promptq.cli;

import dev.promptq.job.JobCodec;
import dev.promptq.job.JobResult;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * {@code batch --results FILE}: promptq's own result of each job (route, attempts, waits, API
 * cost), one JSON object per line, next to the Batches-format output, so "subscription first" can
 * be checked from a batch. Without a file it writes nothing. Thread-safe.
 */
final class FullResults implements AutoCloseable {
  private final JobCodec codec = new JobCodec();
  private final BufferedWriter out;

  private FullResults(BufferedWriter out) {
    this.out = out;
  }

  /** Appends to {@code file}; null for none. */
  static FullResults open(Path file) throws IOException {
    return new FullResults(file == null ? null : Files.newBufferedWriter(file, StandardCharsets.UTF_8,
        StandardOpenOption.CREATE, StandardOpenOption.APPEND));
  }

  synchronized void write(JobResult result) {
    if (out == null) {
      return;
    }
    try {
      out.write(new String(codec.encodeResult(result), StandardCharsets.UTF_8));
      out.newLine();
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public synchronized void close() throws IOException {
    if (out != null) {
      out.close();
    }
  }
}
