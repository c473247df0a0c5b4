package dev.promptq.worker;

import dev.promptq.worker.consume.Ordering;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.promptq.job.Job;
import dev.promptq.job.JobResult;
import dev.promptq.testkit.junit.SharedKafka;
import dev.promptq.testkit.kafka.EmbeddedKafka;
import dev.promptq.testkit.sim.AnthropicSimulator;
import dev.promptq.testkit.sim.AnthropicSimulatorBuilder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The at-least-once mode and per-key ordering. */
@ExtendWith(SharedKafka.class)
class DeliveryModesIT {

  @Test
  void atLeastOnceModeAnswersEveryJob(EmbeddedKafka kafka) {
    try (TestPipeline p = new TestPipeline(kafka)) {
      p.startWorker(p.workerConfig("alo").delivery(Delivery.AT_LEAST_ONCE).build());
      Set<String> ids = p.submitMany("alo", 300);
      p.assertExactlyOneResultEach(ids);
    }
  }

  @Test
  void keyOrderingRunsJobsOfOneKeyOneAfterAnotherInOrder(EmbeddedKafka kafka) {
    AnthropicSimulatorBuilder sim = AnthropicSimulator.builder().oauthToken(TestPipeline.OAUTH_TOKEN)
        .latency(Duration.ofMillis(200)); // long enough that two keys' first jobs surely overlap
    try (TestPipeline p = new TestPipeline(kafka, sim)) {
      p.startWorker(p.workerConfig("ordered").ordering(Ordering.KEY).build());
      p.awaitGroupFormed();
      Map<String, List<String>> idsByKey = new HashMap<>();
      Set<String> ids = new LinkedHashSet<>();
      for (int i = 0; i < 5; i++) {
        for (int k = 0; k < 5; k++) {
          String id = "key" + k + "-job" + i;
          p.client().submit(Job.of(id, p.request(id)), "key" + k);
          idsByKey.computeIfAbsent("key" + k, x -> new ArrayList<>()).add(id);
          ids.add(id);
        }
      }
      p.client().flush();

      Map<String, JobResult> results = p.assertExactlyOneResultEach(ids);

      boolean overlapAcrossKeys = false;
      for (List<String> sequence : idsByKey.values()) {
        for (int i = 1; i < sequence.size(); i++) {
          JobResult before = results.get(sequence.get(i - 1));
          JobResult after = results.get(sequence.get(i));
          assertFalse(after.startedAt().isBefore(before.finishedAt()),
              sequence.get(i) + " started before " + sequence.get(i - 1) + " finished");
        }
      }
      // Different keys do run at the same time: the ordering is per key, not global.
      JobResult a = results.get("key0-job0");
      JobResult b = results.get("key1-job0");
      overlapAcrossKeys = b.startedAt().isBefore(a.finishedAt()) && a.startedAt().isBefore(b.finishedAt());
      assertTrue(overlapAcrossKeys, "first jobs of two keys ran concurrently");
      assertEquals(25, p.sim.calls().size());
    }
  }
}
