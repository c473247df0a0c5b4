package dev.promptq.worker.consume;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.junit.jupiter.api.Test;

/** The reply-topic check: never blocks the polling thread, never throws, remembers a bounded number of names. */
class ReplyDestinationsTest {

  private static Optional<String> get(CompletableFuture<Optional<String>> f) throws Exception {
    return f.get(10, TimeUnit.SECONDS);
  }

  @Test
  void aTopicSeenBeforeIsAnsweredAtOnceAndOneDescribeServesEveryJobAskingMeanwhile() throws Exception {
    AtomicInteger describes = new AtomicInteger();
    CompletableFuture<Integer> answer = new CompletableFuture<>();
    ReplyDestinations d = new ReplyDestinations(topic -> {
      describes.incrementAndGet();
      return answer;
    }, Clock.systemUTC(), Duration.ofSeconds(5));

    CompletableFuture<Optional<String>> first = d.problem("acme.replies", null);
    CompletableFuture<Optional<String>> second = d.problem("acme.replies", 7);
    assertFalse(first.isDone(), "the polling thread does not wait for the broker");
    answer.complete(3);

    assertEquals(Optional.empty(), get(first));
    assertEquals(Optional.of("reply partition 7 is not in acme.replies (partitions 0-2)"), get(second));
    assertTrue(d.problem("acme.replies", 1).isDone());
    assertEquals(1, describes.get());
  }

  @Test
  void aCheckThatNeverAnswersEndsInAProblemForThatJobNotAHang() throws Exception {
    ReplyDestinations d = new ReplyDestinations(topic -> new CompletableFuture<>(), Clock.systemUTC(),
        Duration.ofMillis(1));

    String why = get(d.problem("acme.replies", null)).orElseThrow();

    assertTrue(why.contains("could not be checked (TimeoutException)"), why);
  }

  @Test
  void aCheckTheWorkerIsNotAuthorisedForEndsInAProblemForThatJob() throws Exception {
    ReplyDestinations d = new ReplyDestinations(
        topic -> CompletableFuture.failedFuture(new TopicAuthorizationException("not authorized")), Clock.systemUTC(),
        Duration.ofSeconds(5));

    String why = get(d.problem("acme.secret", null)).orElseThrow();

    assertTrue(why.contains("may not describe it"), why);
  }

  @Test
  void aDescriberThatThrowsEndsInAProblemNotAnException() throws Exception {
    ReplyDestinations d = new ReplyDestinations(topic -> {
      throw new IllegalStateException("admin client closed");
    }, Clock.systemUTC(), Duration.ofSeconds(5));

    assertTrue(get(d.problem("acme.replies", null)).isPresent());
  }

  @Test
  void namesInventedByJobsAreRememberedOnlyUpToABound() throws Exception {
    ReplyDestinations d = new ReplyDestinations(topic -> topic.startsWith("missing")
        ? CompletableFuture.failedFuture(new UnknownTopicOrPartitionException(topic))
        : CompletableFuture.completedFuture(1), Clock.systemUTC(), Duration.ofSeconds(5));

    for (int i = 0; i < 20_000; i++) {
      get(d.problem("missing-" + i, null));
      get(d.problem("exists-" + i, null));
    }

    assertTrue(d.remembered() <= ReplyDestinations.MAX_KNOWN + ReplyDestinations.MAX_MISSING, d.remembered() + "");
  }
}
