package dev.promptq.worker.consume;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class PartitionStateTest {
  private static final TopicPartition TP = new TopicPartition("jobs", 0);

  private static List<ProducerRecord<byte[], byte[]>> out(String v) {
    return List.of(new ProducerRecord<>("results", v.getBytes()));
  }

  @Test
  void commitsUpToTheLowestUnfinishedOffsetAndRecordsTheDoneOnesAbove() {
    PartitionState s = new PartitionState(TP, null);
    for (long o = 0; o < 5; o++) {
      s.polled(o);
    }
    s.completed(0, out("a"));
    s.completed(2, out("c"));
    s.completed(3, out("d"));

    OffsetAndMetadata point = s.commitPoint(() -> 5);

    assertEquals(1, point.offset());
    assertEquals(Set.of(2L, 3L), OffsetMetadata.decode(1, point.metadata()));
    assertEquals(3, s.takeOutputs().size());
    assertEquals(2, s.unfinished());
  }

  @Test
  void whenEverythingIsDoneTheCommitPointIsThePosition() {
    PartitionState s = new PartitionState(TP, null);
    s.polled(7);
    s.completed(7, List.of());
    // Position 9: offset 8 was a transaction marker, never returned by poll.
    OffsetAndMetadata point = s.commitPoint(() -> 9);
    assertEquals(new OffsetAndMetadata(9, ""), point);
  }

  @Test
  void nothingChangedMeansNothingToCommit() {
    PartitionState s = new PartitionState(TP, null);
    s.polled(0);
    assertNull(s.commitPoint(() -> 1));
    s.completed(0, List.of());
    long version = s.version();
    int done = s.doneUncommitted();
    assertEquals(new OffsetAndMetadata(1, ""), s.commitPoint(() -> 1));
    s.committed(version, done);
    assertNull(s.commitPoint(() -> 1));
    assertEquals(0, s.occupancy());
  }

  @Test
  void changesWhileACommitRunsAreLeftForTheNextCommit() {
    PartitionState s = new PartitionState(TP, null);
    s.polled(0);
    s.polled(1);
    s.completed(0, out("a"));
    long version = s.version();
    int done = s.doneUncommitted();
    OffsetAndMetadata first = s.commitPoint(() -> 2);
    assertEquals(1, s.takeOutputs().size());
    s.completed(1, out("b")); // while the first commit is running
    assertEquals(2, s.occupancy());

    assertEquals(1, first.offset());
    s.committed(version, done);

    assertTrue(s.uncommitted());
    assertEquals(1, s.occupancy(), "job 1 would run again after a crash");
    assertEquals(new OffsetAndMetadata(2, ""), s.commitPoint(() -> 2));
    assertEquals(1, s.takeOutputs().size());
  }

  @Test
  void outputsOfACommitThatDidNotHappenGoBackFirst() {
    PartitionState s = new PartitionState(TP, null);
    s.polled(0);
    s.polled(1);
    s.completed(0, out("a"));
    List<ProducerRecord<byte[], byte[]>> taken = s.takeOutputs();
    s.completed(1, out("b"));

    s.restoreOutputs(taken);

    assertEquals(List.of("a", "b"), s.takeOutputs().stream().map(r -> new String(r.value())).toList());
  }

  @Test
  void aNewOwnerSkipsWhatThePreviousOwnerFinishedAndKeepsRecordingIt() {
    OffsetAndMetadata previous = new OffsetAndMetadata(10, OffsetMetadata.encode(10, List.of(11L, 13L)));
    PartitionState s = new PartitionState(TP, previous);

    assertFalse(s.polled(10), "10 was not done");
    assertTrue(s.polled(11), "11 was done by the previous owner");
    assertFalse(s.polled(12));
    // 13 is not polled yet, but must stay recorded as done.
    OffsetAndMetadata point = s.commitPoint(() -> 13);
    assertEquals(10, point.offset());
    assertEquals(Set.of(11L, 13L), OffsetMetadata.decode(10, point.metadata()));

    s.completed(10, List.of());
    s.completed(12, List.of());
    assertTrue(s.polled(13));
    assertEquals(new OffsetAndMetadata(14, ""), s.commitPoint(() -> 14));
  }

  @Test
  void completingAJobTwiceIsABug() {
    PartitionState s = new PartitionState(TP, null);
    s.polled(0);
    s.completed(0, List.of());
    assertThrows(IllegalStateException.class, () -> s.completed(0, List.of()));
    assertThrows(IllegalStateException.class, () -> s.completed(5, List.of()));
  }

  @Test
  void perKeyOrderRunsOneJobPerKeyAtATimeInOrder() {
    PartitionState s = new PartitionState(TP, null);
    List<String> started = new ArrayList<>();
    s.runInKeyOrder("k".getBytes(), () -> started.add("k1"));
    s.runInKeyOrder("k".getBytes(), () -> started.add("k2"));
    s.runInKeyOrder("other".getBytes(), () -> started.add("o1"));
    s.runInKeyOrder(null, () -> started.add("null1"));
    assertEquals(List.of("k1", "o1", "null1"), started);

    s.keyDone("k".getBytes());
    assertEquals(List.of("k1", "o1", "null1", "k2"), started);
    s.keyDone("k".getBytes());
    s.runInKeyOrder("k".getBytes(), () -> started.add("k3"));
    assertEquals("k3", started.get(started.size() - 1), "the key is free again");
  }
}
