package dev.promptq.worker;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.promptq.job.Job;
import dev.promptq.job.JobCodec;
import dev.promptq.kafka.ReplyHeaders;
import dev.promptq.testkit.junit.SharedKafka;
import dev.promptq.testkit.kafka.EmbeddedKafka;
import dev.promptq.testkit.kafka.TopicReader;
import dev.promptq.testkit.sim.AnthropicSimulator;
import dev.promptq.testkit.sim.AnthropicSimulatorBuilder;
import dev.promptq.testkit.sim.SimResponse;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Jobs written by transactional producers (Spring with a transaction prefix, Kafka Streams, Flink)
 * leave a marker offset after each transaction, so the finished jobs behind one that waits are
 * never contiguous and their commit metadata grows by a few bytes per job. Past the broker's 4 KB
 * the commit is refused; before, every commit then failed until the head job finished.
 */
@ExtendWith(SharedKafka.class)
class CommitMetadataIT {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final int BEHIND = 2000;

  @Test
  void finishedJobsBehindAWaitingOneAreCommittedWithinTheMetadataBoundAndNoneRunsTwice(EmbeddedKafka kafka) {
    AnthropicSimulatorBuilder sim = AnthropicSimulator.builder().oauthToken(TestPipeline.OAUTH_TOKEN)
        .apiKey(TestPipeline.API_KEY).responder(request -> {
          String prompt = request.body().path("messages").path(0).path("content").asText();
          if (!prompt.equals("slow head")) {
            return Optional.empty();
          }
          ObjectNode m = MAPPER.createObjectNode().put("id", "msg_head").put("type", "message")
              .put("role", "assistant").put("model", request.body().path("model").asText());
          m.putArray("content").addObject().put("type", "text").put("text", "at last");
          m.put("stop_reason", "end_turn").putNull("stop_sequence");
          m.putObject("usage").put("input_tokens", 3).put("output_tokens", 2);
          return Optional.of(new SimResponse(200, Map.of(), m.toString(), Duration.ofSeconds(25), false));
        });
    try (TestPipeline p = new TestPipeline(kafka, sim)) {
      p.startWorker(p.workerConfig("w1").jobPartitions(1).maxInFlight(4000).build());
      p.awaitGroupFormed();
      Set<String> ids = new LinkedHashSet<>();
      JobCodec codec = new JobCodec();
      try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers",
          p.bootstrapServers(), "transactional.id", "spring-like-" + p.groupId), new ByteArraySerializer(),
          new ByteArraySerializer())) {
        producer.initTransactions();
        for (int i = 0; i <= BEHIND; i++) {
          String id = i == 0 ? "head" : "behind-" + i;
          ids.add(id);
          ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(p.topics.jobs(), ReplyHeaders.utf8(id),
              codec.encodeJob(Job.of(id, p.request(i == 0 ? "slow head" : "job " + i))));
          producer.beginTransaction();  // one transaction per job: a marker after each
          producer.send(r);
          producer.commitTransaction();
        }
      }

      // While the head waits, the jobs behind it are answered as far as the metadata can tell.
      await().atMost(Duration.ofSeconds(20)).until(() -> TopicReader.readAll(p.bootstrapServers(), p.topics.results(),
          500, Duration.ofMillis(200), Duration.ofSeconds(10)).size() >= 500);

      p.assertExactlyOneResultEach(ids);
      assertEquals(BEHIND + 1, p.sim.calls().size(), "no job ran twice");
    }
  }
}
