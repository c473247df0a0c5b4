package dev.promptq.worker.quota;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.promptq.testkit.time.ManualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Shares that follow demand: a worker without jobs lends its share to those with a backlog. */
class GroupDemandTest {
  private final ManualClock clock = new ManualClock(Instant.parse("2026-12-02T10:00:00Z"));

  @Test
  void aWorkerWithJobsTakesItsPartOfTheGroupsJobsWhateverItsPartitions() {
    GroupDemand d = new GroupDemand("w1", clock);
    d.applyRemote(new WorkerDemand("w2", 30, clock.instant()));
    d.applyRemote(new WorkerDemand("w3", 0, clock.instant()));
    assertEquals(0.25, d.share(0.25), 1e-9, "no jobs here: the partitions' share (nothing is called)");
    for (int i = 0; i < 10; i++) {
      d.add(1);
    }
    assertEquals(0.25, d.share(0.25), 1e-9, "10 of 40 jobs");
    d.applyRemote(new WorkerDemand("w2", 0, clock.instant()));
    assertEquals(1.0, d.share(0.25), 1e-9, "the others ran dry: this worker uses the whole pace");
  }

  @Test
  void aWorkerThatStoppedPublishingStopsCounting() {
    GroupDemand d = new GroupDemand("w1", clock);
    d.add(1);
    d.applyRemote(new WorkerDemand("w2", 3, Instant.parse("2020-01-01T00:00:00Z")));  // its clock is off: read now
    assertEquals(0.25, d.share(0.5), 1e-9);
    clock.advance(GroupDemand.FRESH.plusMillis(1));
    assertEquals(1.0, d.share(0.5), 1e-9);
  }

  @Test
  void itsOwnRecordsAreIgnoredAndStartingOrStoppingIsToldAtOnce() {
    GroupDemand d = new GroupDemand("w1", clock);
    AtomicInteger told = new AtomicInteger();
    d.onStartOrStop(told::incrementAndGet);
    d.applyRemote(new WorkerDemand("w1", 100, clock.instant()));
    d.add(1);
    d.add(1);
    d.add(-1);
    assertEquals(1, told.get(), "0 to 1 is a start; 1 to 2 and back is not news");
    assertEquals(1.0, d.share(0.1), 1e-9, "its own old record does not count against it");
    d.add(-1);
    assertEquals(2, told.get(), "1 to 0 is a stop");
    assertEquals(new WorkerDemand("w1", 0, clock.instant()), d.snapshot());
    clock.advance(Duration.ofSeconds(1));
  }
}
