package dev.promptq.worker.consume;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class OffsetMetadataTest {

  @Test
  void nothingDoneIsAnEmptyString() {
    assertEquals("", OffsetMetadata.encode(10, List.of()));
    assertEquals(Set.of(), OffsetMetadata.decode(10, ""));
  }

  @Test
  void runsAndSingleOffsetsRoundTrip() {
    Set<Long> done = new TreeSet<>(List.of(11L, 12L, 13L, 20L, 22L, 23L, 1_000_000L));
    String m = OffsetMetadata.encode(10, done);
    assertTrue(m.startsWith("pq1:"), m);
    assertEquals(done, OffsetMetadata.decode(10, m));
  }

  @Test
  void foreignOrCorruptMetadataMeansNothingIsKnownDone() {
    assertEquals(Set.of(), OffsetMetadata.decode(0, "committed by someone else"));
    assertEquals(Set.of(), OffsetMetadata.decode(0, "pq1:!!!not base64"));
    assertEquals(Set.of(), OffsetMetadata.decode(0, null));
  }

  @Test
  void theWorstCaseTheLoopAllowsFitsTheBrokersLimit() {
    // At most MAX_UNFINISHED_PER_PARTITION holes within MAX_SPAN: alternate done and not done.
    Set<Long> done = new TreeSet<>();
    for (long o = 1; o < 2L * JobLoop.MAX_UNFINISHED_PER_PARTITION; o += 2) {
      done.add(o);
    }
    done.add(JobLoop.MAX_SPAN - 1);
    String m = OffsetMetadata.encode(0, done);
    assertTrue(m.length() <= OffsetMetadata.MAX_CHARS, "length " + m.length());
    assertEquals(done, OffsetMetadata.decode(0, m));
  }

  @Test
  void randomSetsRoundTrip() {
    Random random = new Random(42);
    for (int i = 0; i < 200; i++) {
      long base = random.nextInt(1_000_000);
      Set<Long> done = new TreeSet<>();
      for (int j = random.nextInt(300); j > 0; j--) {
        done.add(base + 1 + random.nextInt(5_000));
      }
      assertEquals(done, OffsetMetadata.decode(base, OffsetMetadata.encode(base, done)));
    }
  }
}
