package dev.promptq.worker;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;

/** Collects promptq's log events while open, for tests that count log lines. */
final class LogCapture implements AutoCloseable {
  private final List<LogEvent> events = new ArrayList<>();
  private final LoggerContext context = (LoggerContext) LogManager.getContext(false);
  private final AbstractAppender appender;

  LogCapture() {
    appender = new AbstractAppender("capture-" + UUID.randomUUID(), null, null, true, Property.EMPTY_ARRAY) {
      @Override
      public void append(LogEvent event) {
        synchronized (events) {
          events.add(event.toImmutable());
        }
      }
    };
    appender.start();
    context.getConfiguration().getLoggerConfig("dev.promptq").addAppender(appender, Level.DEBUG, null);
    context.updateLoggers();
  }

  /** The formatted messages of events at {@code level}, oldest first. */
  List<String> messages(Level level) {
    synchronized (events) {
      return events.stream().filter(e -> e.getLevel() == level).map(e -> e.getMessage().getFormattedMessage()).toList();
    }
  }

  /** Every message and stack trace captured so far, as one text, for leak searches. */
  String everything() {
    StringBuilder all = new StringBuilder();
    synchronized (events) {
      for (LogEvent e : events) {
        all.append(e.getMessage().getFormattedMessage()).append('\n');
        for (Throwable t = e.getThrown(); t != null; t = t.getCause()) {
          all.append(t).append('\n');
        }
      }
    }
    return all.toString();
  }

  @Override
  public void close() {
    context.getConfiguration().getLoggerConfig("dev.promptq").removeAppender(appender.getName());
    context.updateLoggers();
    appender.stop();
  }
}
