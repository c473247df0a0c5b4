package dev.promptq.worker.control;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.promptq.worker.ops.WorkerActivity;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ControlRecordsTest {
  private static final Instant NOW = Instant.parse("2026-12-02T10:00:00Z");

  @Test
  void aWorkersActivityTravelsWithTheSubscriptionsWindows() {
    WorkerActivity a = new WorkerActivity("w1", 3, 1, Map.of("backoff", 1), 40, Map.of("subscription", 7L), "live",
        List.of("api"), Map.of("5h", new WorkerActivity.Window(0.42, NOW.plusSeconds(3600)),
            "7d", new WorkerActivity.Window(0.9, null, 12.5, 30, 0.5)), "7d", NOW);
    ControlRecords records = new ControlRecords();
    ControlRecords.Encoded e = records.encode(a);
    assertEquals(a, records.decode(e.key(), e.value()).orElseThrow());
  }

  @Test
  void aWorkersUseOfAWindowTravelsWhole() {
    dev.promptq.worker.quota.WindowUsage u = new dev.promptq.worker.quota.WindowUsage("7d", "w1",
        NOW.minusSeconds(3600), 1.25, 0.4, 0.0125, NOW);
    ControlRecords records = new ControlRecords();
    ControlRecords.Encoded e = records.encode(u);
    assertEquals("window/7d/w1", new String(e.key(), java.nio.charset.StandardCharsets.UTF_8));
    assertEquals(u, records.decode(e.key(), e.value()).orElseThrow());
    dev.promptq.worker.quota.WindowUsage untold = new dev.promptq.worker.quota.WindowUsage("7d", "w1",
        NOW.minusSeconds(3600), 1.25, 0.4, Double.NaN, NOW);
    ControlRecords.Encoded older = records.encode(untold);
    assertEquals(untold, records.decode(older.key(), older.value()).orElseThrow(), "no average told: NaN");
  }

  @Test
  void aWorkersDemandTravelsWhole() {
    dev.promptq.worker.quota.WorkerDemand d = new dev.promptq.worker.quota.WorkerDemand("w2", 17, 64, 0.25, NOW);
    ControlRecords records = new ControlRecords();
    ControlRecords.Encoded e = records.encode(d);
    assertEquals("demand/w2", new String(e.key(), java.nio.charset.StandardCharsets.UTF_8));
    assertEquals(d, records.decode(e.key(), e.value()).orElseThrow());
  }
}
