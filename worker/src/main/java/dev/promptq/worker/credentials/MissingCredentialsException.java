package dev.promptq.worker.credentials;

/** A worker was configured with no credential at all; the message says which variables to set. */
public final class MissingCredentialsException extends IllegalArgumentException {
  public MissingCredentialsException(String message) {
    super(message);
  }
}
