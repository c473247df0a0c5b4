package dev.promptq.producer.batch;

/** A batch file that cannot be used; the message names the file and line. */
public final class BatchFileException extends Exception {
  public BatchFileException(String message) {
    super(message);
  }

  public BatchFileException(String message, Throwable cause) {
    super(message, cause);
  }
}
