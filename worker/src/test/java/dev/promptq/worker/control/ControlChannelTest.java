package dev.promptq.worker.control;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.promptq.job.Route;
import dev.promptq.worker.credentials.CredentialSettings;
import dev.promptq.worker.credentials.GroupCredentials;
import dev.promptq.worker.routing.RouteGates;
import dev.promptq.worker.routing.RouteNotice;
import dev.promptq.worker.routing.RouterSettings;
import dev.promptq.worker.spend.ApiSpend;
import dev.promptq.usage.PriceTable;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The control topic's reader without a broker: it recovers from any failure by itself. */
class ControlChannelTest {
  private static final String TOPIC = "promptq.control";
  private static final TopicPartition TP = new TopicPartition(TOPIC, 0);

  private final Clock clock = Clock.systemUTC();
  private final RouteGates gates = new RouteGates(RouterSettings.defaults(), clock, "w1");
  private final MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest");
  private final ControlChannel channel = new ControlChannel(TOPIC, consumer,
      new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer()), gates,
      new ApiSpend(PriceTable.defaults(), null, null, "w1", clock),
      new GroupCredentials(Optional.empty(), CredentialSettings.defaults(), gates.subscription(), clock, "w1"), "w1");

  @AfterEach
  void close() {
    channel.close();
    gates.close();
  }

  private void add(long offset, RouteNotice notice) {
    ControlRecords.Encoded e = new ControlRecords().encode(notice);
    consumer.schedulePollTask(() -> consumer.addRecord(new ConsumerRecord<>(TOPIC, 0, offset, e.key(), e.value())));
  }

  @Test
  void aReaderThatFailsReadsAgainByItselfAndAppliesWhatComesNext() {
    consumer.updateBeginningOffsets(Map.of(TP, 0L));
    consumer.updateEndOffsets(Map.of(TP, 0L));
    channel.start(Duration.ofSeconds(10));
    assertTrue(channel.reading());

    consumer.setPollException(new KafkaException("the broker went away"));
    add(0, new RouteNotice(Route.SUBSCRIPTION, Instant.now().plusSeconds(3600), "subscription_quota_spent", "w2",
        Instant.now()));

    await().atMost(Duration.ofSeconds(10)).until(() -> gates.isClosed(Route.SUBSCRIPTION));
    assertTrue(channel.reading());
  }

  @Test
  void endOffsetsThatTimeOutAtStartAreReadAgain() {
    consumer.updateBeginningOffsets(Map.of(TP, 0L));
    consumer.updateEndOffsets(Map.of(TP, 0L));
    consumer.setOffsetsException(new org.apache.kafka.common.errors.TimeoutException("end offsets"));

    channel.start(Duration.ofSeconds(10));

    assertTrue(channel.reading());
  }
}
