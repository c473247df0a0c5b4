package dev.promptq.testkit.junit;

import dev.promptq.kafka.Topics;
import dev.promptq.testkit.kafka.EmbeddedKafka;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5 extension giving tests one embedded Kafka broker per test JVM, started on first use and
 * stopped when the JVM's tests end. Tests share the broker, so each works on its own topics
 * ({@link #uniqueTopics()}) and consumer groups.
 *
 * <pre>{@code
 * @ExtendWith(SharedKafka.class)
 * class PipelineIT {
 *   @Test void answersEveryJob(EmbeddedKafka kafka) { ... kafka.bootstrapServers() ... }
 * }
 * }</pre>
 *
 * <p>The broker's data lives under the directory of system property {@code promptq.test.tmp}
 * (Maven sets it to the module's {@code target/}) so that a killed JVM leaves nothing elsewhere.
 */
public final class SharedKafka implements ParameterResolver {

  private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(SharedKafka.class);

  @Override
  public boolean supportsParameter(ParameterContext p, ExtensionContext c) {
    return p.getParameter().getType() == EmbeddedKafka.class;
  }

  @Override
  public Object resolveParameter(ParameterContext p, ExtensionContext c) {
    return c.getRoot().getStore(NAMESPACE)
        .getOrComputeIfAbsent("broker", k -> new Closeable(start()), Closeable.class).kafka;
  }

  /** Topics with a fresh prefix, so tests on the shared broker never see each other's records. */
  public static Topics uniqueTopics() {
    return Topics.withPrefix("t" + UUID.randomUUID().toString().substring(0, 8));
  }

  private static EmbeddedKafka start() {
    String tmp = System.getProperty("promptq.test.tmp", System.getProperty("java.io.tmpdir"));
    return EmbeddedKafka.builder().tempParent(Path.of(tmp)).build().start();
  }

  /** Closes the broker when the root context (the test JVM's run) ends. */
  private record Closeable(EmbeddedKafka kafka) implements AutoCloseable {
    @Override
    public void close() {
      kafka.close();
    }
  }
}
