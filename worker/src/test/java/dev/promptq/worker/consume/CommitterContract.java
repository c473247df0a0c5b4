package dev.promptq.worker.consume;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/**
 * What every {@link Committer} does, whatever its delivery mode: every output published and its
 * offsets committed, or nothing committed and each record Kafka refused for a reason of its own
 * named, so the loop publishes its fallback instead and no record can stall the worker.
 */
abstract class CommitterContract {
  static final int MAX_BYTES = 1000;
  static final String DENIED = "acme.denied";
  static final String GONE = "acme.deleted";

  /** What the broker says of topics: {@value #GONE} was deleted. */
  static boolean gone(String topic) {
    return topic.equals(GONE);
  }
  static final TopicPartition JOBS = new TopicPartition("promptq.jobs", 0);
  static final ConsumerGroupMetadata GROUP = new ConsumerGroupMetadata("promptq-workers");

  /** The committer under test, over {@code producer}. */
  abstract Committer committer(RefusingProducer producer);

  /** The records visible to readers (committed, for a transactional producer). */
  abstract List<ProducerRecord<byte[], byte[]>> visible(RefusingProducer producer);

  /** The offsets committed for the group so far. */
  abstract Map<TopicPartition, OffsetAndMetadata> committedOffsets(RefusingProducer producer);

  static Output output(String topic, int bytes) {
    return Output.of(new ProducerRecord<>(topic, new byte[bytes]));
  }

  private Committer.Result commit(Committer c, List<Output> outputs, long offset) {
    Map<TopicPartition, OffsetAndMetadata> offsets = Map.of(JOBS, new OffsetAndMetadata(offset, ""));
    Committer.Result r = c.publish(outputs, offsets, GROUP);
    return r instanceof Committer.Committed ? c.afterPublish(offsets) : r;
  }

  @Test
  void everyOutputIsPublishedAndItsOffsetsCommitted() {
    RefusingProducer p = RefusingProducer.transactional(MAX_BYTES, Set.of(DENIED));
    Committer c = committer(p);

    assertInstanceOf(Committer.Committed.class, commit(c, List.of(output("promptq.results", 10),
        output("acme.replies", 20)), 7));

    assertEquals(2, visible(p).size());
    assertEquals(7, committedOffsets(p).get(JOBS).offset());
  }

  @Test
  void aRecordLargerThanKafkaTakesIsNamedTooLargeAndNothingIsCommitted() {
    RefusingProducer p = RefusingProducer.transactional(MAX_BYTES, Set.of(DENIED));
    Committer c = committer(p);
    Output big = output("acme.replies", MAX_BYTES + 1);
    Output fine = output("promptq.results", 10);

    Committer.Retry retry = assertInstanceOf(Committer.Retry.class, commit(c, List.of(fine, big), 7));

    assertEquals(Map.of(big, Rejections.TOO_LARGE), retry.rejected());
    assertTrue(retry.details().get(big).startsWith("RecordTooLargeException"), retry.details().get(big));
    assertEquals(null, committedOffsets(p).get(JOBS));
    assertTrue(visible(p).size() == retry.published().size(), "only what was published is visible");
  }

  @Test
  void aTopicTheWorkerMayNotWriteIsNamedUnwritable() {
    RefusingProducer p = RefusingProducer.transactional(MAX_BYTES, Set.of(DENIED));
    Committer c = committer(p);
    Output denied = output(DENIED, 10);

    Committer.Retry retry = assertInstanceOf(Committer.Retry.class,
        commit(c, List.of(output("promptq.results", 10), denied), 7));

    assertEquals(Map.of(denied, Rejections.UNWRITABLE), retry.rejected());
  }

  @Test
  void aRecordThatTimedOutForATopicDeletedMeanwhileIsNamedUnwritableAndOneForALiveTopicIsRetried() {
    RefusingProducer p = RefusingProducer.transactional(MAX_BYTES, Set.of());
    p.expiring.addAll(Set.of(GONE, "acme.slow"));
    Committer c = committer(p);
    Output deleted = output(GONE, 10);
    Output slow = output("acme.slow", 10);

    Committer.Retry retry = assertInstanceOf(Committer.Retry.class, commit(c, List.of(deleted, slow), 7));

    assertEquals(Map.of(deleted, Rejections.UNWRITABLE), retry.rejected(), "a live topic's time-out is the broker's");
    assertTrue(retry.details().get(deleted).startsWith("topic acme.deleted does not exist"));
  }

  @Test
  void aBrokerErrorRejectsNoRecordAndTheNextAttemptPublishesThemAll() {
    RefusingProducer p = RefusingProducer.transactional(MAX_BYTES, Set.of(DENIED));
    Committer c = committer(p);
    Output a = output("promptq.results", 10);
    Output b = output("promptq.results", 10);
    p.failNext.set(1);

    Committer.Retry retry = assertInstanceOf(Committer.Retry.class, commit(c, List.of(a, b), 7));
    assertTrue(retry.rejected().isEmpty());

    List<Output> again = List.of(a, b).stream().filter(o -> !retry.published().contains(o)).toList();
    assertInstanceOf(Committer.Committed.class, commit(c, again, 7));
    assertEquals(2, visible(p).size(), "each result visible once");
    assertEquals(7, committedOffsets(p).get(JOBS).offset());
  }
}
