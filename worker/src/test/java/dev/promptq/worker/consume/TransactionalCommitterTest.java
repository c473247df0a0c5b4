package dev.promptq.worker.consume;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.Test;

class TransactionalCommitterTest extends CommitterContract {

  @Override
  Committer committer(RefusingProducer producer) {
    return new TransactionalCommitter(() -> producer, CommitterContract::gone);
  }

  @Override
  List<ProducerRecord<byte[], byte[]>> visible(RefusingProducer producer) {
    return producer.history();
  }

  @Override
  Map<TopicPartition, OffsetAndMetadata> committedOffsets(RefusingProducer producer) {
    Map<TopicPartition, OffsetAndMetadata> all = new HashMap<>();
    producer.consumerGroupOffsetsHistory().forEach(byGroup -> byGroup.values().forEach(all::putAll));
    return all;
  }

  @Test
  void whenFencedTheProducerIsReplacedAndTheLoopRewinds() {
    List<RefusingProducer> made = new ArrayList<>();
    TransactionalCommitter c = new TransactionalCommitter(() -> {
      RefusingProducer p = RefusingProducer.transactional(MAX_BYTES, Set.of());
      made.add(p);
      return p;
    }, topic -> false);
    made.get(0).commitTransactionException = new ProducerFencedException("a newer worker with this id");

    assertInstanceOf(Committer.Rewind.class, c.publish(List.of(output("promptq.results", 1)),
        Map.of(JOBS, new OffsetAndMetadata(1, "")), GROUP));
    assertEquals(2, made.size());
    assertInstanceOf(Committer.Committed.class, c.publish(List.of(output("promptq.results", 1)),
        Map.of(JOBS, new OffsetAndMetadata(1, "")), GROUP));
  }

  @Test
  void aProducerThatCannotBeMadeWhileTheBrokerIsAwayIsMadeAgainLaterAndNothingThrows() {
    List<RefusingProducer> made = new ArrayList<>();
    TransactionalCommitter c = new TransactionalCommitter(() -> {
      RefusingProducer p = RefusingProducer.transactional(MAX_BYTES, Set.of());
      if (made.size() == 1 || made.size() == 2) {
        p.initTransactionException = new TimeoutException("Timeout expired after 20000ms while awaiting InitProducerId");
      }
      made.add(p);
      return p;
    }, topic -> false);
    made.get(0).commitTransactionException = new ProducerFencedException("fenced");
    Map<TopicPartition, OffsetAndMetadata> offsets = Map.of(JOBS, new OffsetAndMetadata(1, ""));

    assertInstanceOf(Committer.Rewind.class, c.publish(List.of(output("promptq.results", 1)), offsets, GROUP));
    assertInstanceOf(Committer.Retry.class, c.publish(List.of(output("promptq.results", 1)), offsets, GROUP),
        "no producer yet: nothing happened, try again");
    assertInstanceOf(Committer.Committed.class, c.publish(List.of(output("promptq.results", 1)), offsets, GROUP));
    assertEquals(4, made.size());
  }

  @Test
  void aCommitThatTimesOutHasAnUnknownOutcomeSoTheLoopRewinds() {
    RefusingProducer p = RefusingProducer.transactional(MAX_BYTES, Set.of());
    TransactionalCommitter c = new TransactionalCommitter(() -> p, topic -> false);
    p.commitTransactionException = new TimeoutException("Timeout expired after 20000ms while awaiting EndTxn");
    // What KafkaProducer throws: an IllegalStateException, not a KafkaException.
    p.abortTransactionException = new IllegalStateException("Cannot attempt operation `abortTransaction` because the "
        + "previous call to `commitTransaction` timed out and must be retried");

    assertInstanceOf(Committer.Rewind.class, c.publish(List.of(output("promptq.results", 1)),
        Map.of(JOBS, new OffsetAndMetadata(1, "")), GROUP));
  }
}
