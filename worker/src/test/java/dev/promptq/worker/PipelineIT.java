package dev.promptq.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.promptq.job.Job;
import dev.promptq.job.JobResult;
import dev.promptq.job.Outcome;
import dev.promptq.job.Route;
import dev.promptq.kafka.ReplyHeaders;
import dev.promptq.testkit.junit.SharedKafka;
import dev.promptq.testkit.kafka.EmbeddedKafka;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Jobs travel through a real broker, a worker group and the simulator, and come back once each. */
@ExtendWith(SharedKafka.class)
class PipelineIT {

  @Test
  void aThousandJobsThroughTwoWorkersGetExactlyOneResultEach(EmbeddedKafka kafka) {
    try (TestPipeline p = new TestPipeline(kafka)) {
      p.startWorker("w1");
      p.startWorker("w2");
      p.awaitGroupFormed();

      List<CompletableFuture<JobResult>> futures = new ArrayList<>();
      for (int i = 0; i < 1000; i++) {
        futures.add(p.client().submitAndAwait(Job.of("job-" + i, p.request("prompt " + i)), Duration.ofMinutes(2)));
      }
      futures.forEach(CompletableFuture::join);

      List<ConsumerRecord<byte[], byte[]>> records = p.readAll(p.topics.results(), 1000);
      assertEquals(1000, records.size(), "results on the topic");
      Set<String> ids = new HashSet<>();
      Map<String, Integer> byWorker = new HashMap<>();
      for (ConsumerRecord<byte[], byte[]> r : records) {
        JobResult result = p.codec.decodeResult(r.value());
        assertTrue(ids.add(result.id()), "answered twice: " + result.id());
        assertEquals(Outcome.SUCCEEDED, result.outcome());
        assertEquals(Route.SUBSCRIPTION, result.route(), "route that served " + result.id());
        assertEquals("subscription", ReplyHeaders.text(r.headers(), ReplyHeaders.ROUTE));
        assertEquals(result.id(), ReplyHeaders.text(r.headers(), ReplyHeaders.JOB_ID));
        assertNotNull(result.message().path("content").get(0).path("text").asText(null));
        byWorker.merge(result.workerId(), 1, Integer::sum);
      }
      assertEquals(1000, ids.size());
      assertEquals(Set.of("w1", "w2"), byWorker.keySet(), "both members served jobs: " + byWorker);
      assertEquals(1000, p.sim.successes(Route.SUBSCRIPTION));
      assertEquals(0, p.sim.successes(Route.API));
    }
  }

  @Test
  void jobsAwaitedWithAnOrderingKeyLandOnTheKeysPartitionAndGetTheirResults(EmbeddedKafka kafka) {
    try (TestPipeline p = new TestPipeline(kafka)) {
      p.startWorker("w1");
      p.awaitGroupFormed();
      List<CompletableFuture<JobResult>> futures = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        futures.add(p.client().submitAndAwait(Job.of("keyed-" + i, p.request("keyed " + i)), "one-key",
            Duration.ofMinutes(2)));
      }
      futures.forEach(f -> assertTrue(f.join().succeeded()));
      Set<Integer> partitions = new HashSet<>();
      p.readAll(p.topics.jobs(), 20).forEach(r -> partitions.add(r.partition()));
      assertEquals(1, partitions.size(), "one key, one partition: " + partitions);
    }
  }
}
