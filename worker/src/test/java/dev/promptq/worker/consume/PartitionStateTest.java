package dev.promptq.worker.consume;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class PartitionStateTest {
  private static final TopicPartition TP = new TopicPartition("jobs", 0);
  private static final int MAX = OffsetMetadata.MAX_CHARS;

  private static List<Output> out(String v) {
    return List.of(Output.of(new ProducerRecord<>("results", v.getBytes())));
  }

  private static List<String> values(PartitionState.Prepared p) {
    return p.outputs().stream().map(o -> new String(o.record().value())).toList();
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

    PartitionState.Prepared p = s.prepare(() -> 5, MAX);

    assertEquals(1, p.point().offset());
    assertEquals(Set.of(2L, 3L), OffsetMetadata.decode(1, p.point().metadata()));
    assertEquals(List.of("a", "c", "d"), values(p));
    assertEquals(2, s.unfinished());
  }

  @Test
  void whenEverythingIsDoneTheCommitPointIsThePosition() {
    PartitionState s = new PartitionState(TP, null);
    s.polled(7);
    s.completed(7, List.of());
    // Position 9: offset 8 was a transaction marker, never returned by poll.
    assertEquals(new OffsetAndMetadata(9, ""), s.prepare(() -> 9, MAX).point());
  }

  @Test
  void aPositionThatCannotBeReadChangesNothing() {
    PartitionState s = new PartitionState(TP, null);
    s.polled(7);
    s.completed(7, out("a"));
    assertThrows(org.apache.kafka.common.errors.TimeoutException.class, () -> s.prepare(() -> {
      throw new org.apache.kafka.common.errors.TimeoutException("broker away");
    }, MAX));
    PartitionState.Prepared p = s.prepare(() -> 8, MAX);
    assertEquals(8, p.point().offset());
    assertEquals(List.of("a"), values(p), "nothing was lost by the failed attempt");
  }

  @Test
  void nothingChangedMeansNothingToCommit() {
    PartitionState s = new PartitionState(TP, null);
    s.polled(0);
    assertNull(s.prepare(() -> 1, MAX));
    s.completed(0, List.of());
    PartitionState.Prepared p = s.prepare(() -> 1, MAX);
    assertEquals(new OffsetAndMetadata(1, ""), p.point());
    s.committed(p);
    assertNull(s.prepare(() -> 1, MAX));
    assertEquals(0, s.occupancy());
  }

  @Test
  void changesWhileACommitRunsAreLeftForTheNextCommit() {
    PartitionState s = new PartitionState(TP, null);
    s.polled(0);
    s.polled(1);
    s.completed(0, out("a"));
    PartitionState.Prepared first = s.prepare(() -> 2, MAX);
    assertEquals(List.of("a"), values(first));
    s.completed(1, out("b")); // while the first commit is running
    assertEquals(2, s.occupancy());

    assertEquals(1, first.point().offset());
    s.committed(first);

    assertTrue(s.uncommitted());
    assertEquals(1, s.occupancy(), "job 1 would run again after a crash");
    PartitionState.Prepared second = s.prepare(() -> 2, MAX);
    assertEquals(new OffsetAndMetadata(2, ""), second.point());
    assertEquals(List.of("b"), values(second));
  }

  @Test
  void outputsOfACommitThatDidNotHappenGoBackRefusedOnesReplacedPublishedOnesLeftOut() {
    PartitionState s = new PartitionState(TP, null);
    s.polled(0);
    s.polled(1);
    s.polled(2);
    s.completed(0, out("a"));
    s.completed(1, out("too-large"));
    s.completed(2, out("out-already"));
    PartitionState.Prepared taken = s.prepare(() -> 3, MAX);

    s.restore(taken, o -> switch (new String(o.record().value())) {
      case "too-large" -> Output.of(new ProducerRecord<>("results", "small".getBytes()));
      case "out-already" -> null;
      default -> o;
    });

    assertEquals(List.of("a", "small"), values(s.prepare(() -> 3, MAX)));
  }

  @Test
  void aNewOwnerSkipsWhatThePreviousOwnerFinishedAndKeepsRecordingIt() {
    OffsetAndMetadata previous = new OffsetAndMetadata(10, OffsetMetadata.encode(10, List.of(11L, 13L)));
    PartitionState s = new PartitionState(TP, previous);

    assertFalse(s.polled(10), "10 was not done");
    assertTrue(s.polled(11), "11 was done by the previous owner");
    assertFalse(s.polled(12));
    // 13 is not polled yet, but must stay recorded as done.
    OffsetAndMetadata point = s.prepare(() -> 13, MAX).point();
    assertEquals(10, point.offset());
    assertEquals(Set.of(11L, 13L), OffsetMetadata.decode(10, point.metadata()));

    s.completed(10, List.of());
    s.completed(12, List.of());
    assertTrue(s.polled(13));
    assertEquals(new OffsetAndMetadata(14, ""), s.prepare(() -> 14, MAX).point());
  }

  /**
   * Jobs from transactional producers leave a marker after each record, so the done offsets
   * behind one waiting job are never contiguous: 3,000 of them need about 8 KB of metadata,
   * which the broker refuses (4 KB) as a fatal commit error.
   */
  @Test
  void theCommitMetadataNeverExceedsItsBoundAndJobsBeyondItWaitWithTheirResults() {
    PartitionState s = new PartitionState(TP, null);
    s.polled(0);  // waits at the head, e.g. for a quota reset hours away
    for (long o = 2; o < 6002; o += 2) {  // odd offsets: transaction markers
      s.polled(o);
      s.completed(o, out("r" + o));
    }

    PartitionState.Prepared p = s.prepare(() -> 6003, MAX);

    assertTrue(p.point().metadata().length() <= MAX, p.point().metadata().length() + " chars");
    assertTrue(s.metadataChars() > JobLoop.PAUSE_METADATA_CHARS, "the loop stops fetching from this partition");
    Set<Long> described = OffsetMetadata.decode(0, p.point().metadata());
    assertEquals(new TreeSet<>(p.taken().keySet()), new TreeSet<>(described),
        "exactly the jobs whose results go out are described as done");
    assertTrue(described.size() > 500 && described.size() < 3000, described.size() + " described");
    s.committed(p);
    assertNull(s.prepare(() -> 6003, MAX), "the rest wait, unpublished, until they fit");

    s.completed(0, out("head"));
    List<Long> all = new ArrayList<>();
    for (PartitionState.Prepared next; (next = s.prepare(() -> 6003, MAX)) != null; ) {
      all.addAll(next.taken().keySet());
      assertTrue(next.point().metadata().length() <= MAX);
      s.committed(next);
    }
    assertEquals(1 + 3000 - described.size(), all.size(), "the head and every held job are published once");
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

  @Test
  void aHandedBackPartitionStartsNoJobWaitingForItsKey() {
    PartitionState s = new PartitionState(TP, null);
    List<String> started = new ArrayList<>();
    s.runInKeyOrder("k".getBytes(), () -> started.add("k1"));
    s.runInKeyOrder("k".getBytes(), () -> started.add("k2"));
    s.handBack();
    s.keyDone("k".getBytes());
    assertEquals(List.of("k1"), started);
    assertTrue(s.handedBack());
  }
}
