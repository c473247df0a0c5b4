package dev.promptq.worker.quota;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.promptq.testkit.time.ManualClock;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Shares that follow demand: a worker without jobs lends its share to those holding some. */
class GroupDemandTest {
  private final ManualClock clock = new ManualClock(Instant.parse("2026-12-02T10:00:00Z"));

  private GroupDemand demand(int maxJobs) {
    GroupDemand d = new GroupDemand("w1", clock);
    d.maxJobs(maxJobs);
    return d;
  }

  @Test
  void theWorkersHoldingJobsShareByWeightAndIdleOnesLendTheirShare() {
    GroupDemand d = demand(32);
    d.applyRemote(new WorkerDemand("w2", 30, 32, 0.5, clock.instant()));
    d.applyRemote(new WorkerDemand("w3", 0, 0, 0.25, clock.instant()));
    assertEquals(0.25, d.share(0.25), 1e-9, "no jobs here: the partitions' share (nothing is called)");
    d.add(1);
    assertEquals(0.5, d.share(0.25), 1e-9, "w1 and w2 hold jobs, w3 none: half each, whatever the partitions");
    d.add(20);
    assertEquals(0.5, d.share(0.25), 1e-9, "the weight is the worker's, not its job count (which is stale when read)");
    d.applyRemote(new WorkerDemand("w2", 0, 0, 0.5, clock.instant()));
    assertEquals(1.0, d.share(0.25), 1e-9, "the others ran dry: this worker uses the whole pace");
    d.applyRemote(new WorkerDemand("w3", 4, 96, 0.25, clock.instant()));
    assertEquals(0.25, d.share(0.25), 1e-9, "w3 holds three times the jobs at once: three times the weight");
  }

  @Test
  void partitionsNoFreshFigureCoversCountAsHoldingJobs() {
    GroupDemand d = demand(10);
    d.add(6);
    assertEquals(1.0 / 3, d.share(1.0 / 3), 1e-9, "nobody heard from yet: the partitions' share");
    d.applyRemote(new WorkerDemand("w2", 0, 0, 1.0 / 3, clock.instant()));
    assertEquals(0.5, d.share(1.0 / 3), 1e-9, "w2 is idle; the third worker, unheard, may be as busy as this one");
    d.applyRemote(new WorkerDemand("w3", 0, 0, 1.0 / 3, Instant.parse("2020-01-01T00:00:00Z")));
    assertEquals(1.0, d.share(1.0 / 3), 1e-9, "both idle (w3's clock is off: its figure is dated when read)");
    clock.advance(GroupDemand.FRESH.plusMillis(1));
    assertEquals(1.0 / 3, d.share(1.0 / 3), 1e-9, "figures gone stale count as unheard again");
  }

  @Test
  void startingIsToldAtOnceAndAWorkerBetweenTwoPollsKeepsItsWeightForAMoment() {
    GroupDemand d = demand(8);
    AtomicInteger told = new AtomicInteger();
    d.onStart(told::incrementAndGet);
    d.applyRemote(new WorkerDemand("w1", 100, 8, 0.5, clock.instant()));
    d.add(1);
    d.add(1);
    d.add(-1);
    assertEquals(1, told.get(), "0 to 1 is a start; 1 to 2 and back is not news");
    assertEquals(0.5, d.share(0.5), 1e-9, "its own old record neither counts against it nor covers the rest");
    d.add(-1);
    assertEquals(new WorkerDemand("w1", 0, 8, 0.5, clock.instant()), d.snapshot(0.5), "just ran out: still weighed");
    clock.advance(java.time.Duration.ofMillis(500));
    d.add(1);
    assertEquals(1, told.get(), "back within a second: the group never saw it stop");
    d.add(-1);
    clock.advance(GroupDemand.HOLD.plusMillis(1));
    assertEquals(new WorkerDemand("w1", 0, 0, 0.5, clock.instant()), d.snapshot(0.5), "a second without jobs: no weight");
    d.add(1);
    assertEquals(2, told.get(), "a start the group must hear of at once");
    assertEquals(new WorkerDemand("w1", 0, 0, 0, clock.instant()), d.snapshot(0.5).leaving(),
        "leaving: no jobs, no weight, no partitions");
  }
}
