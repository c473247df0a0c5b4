package dev.promptq.worker.control;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.promptq.job.Route;
import dev.promptq.kafka.TopicSetup;
import dev.promptq.kafka.Topics;
import dev.promptq.testkit.junit.SharedKafka;
import dev.promptq.testkit.kafka.EmbeddedKafka;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** What one member learns reaches every member through the control topic, new members included. */
@ExtendWith(SharedKafka.class)
class ControlChannelIT {
  private final Topics topics = SharedKafka.uniqueTopics();
  private final List<AutoCloseable> toClose = new ArrayList<>();

  private record Member(RouteGates gates, ApiSpend spend, ControlChannel channel) {}

  private Member join(EmbeddedKafka kafka, String workerId) {
    RouteGates gates = new RouteGates(RouterSettings.defaults(), Clock.systemUTC(), workerId);
    ApiSpend spend = new ApiSpend(PriceTable.defaults(), 1.0, null, workerId, Clock.systemUTC());
    ControlChannel channel = new ControlChannel(topics.control(),
        new KafkaConsumer<>(Map.of("bootstrap.servers", kafka.bootstrapServers(), "fetch.max.wait.ms", 50),
            new ByteArrayDeserializer(), new ByteArrayDeserializer()),
        new KafkaProducer<>(Map.of("bootstrap.servers", kafka.bootstrapServers()),
            new ByteArraySerializer(), new ByteArraySerializer()),
        gates, spend, new GroupCredentials(Optional.empty(), CredentialSettings.defaults(), gates.subscription(), Clock.systemUTC(),
            workerId), workerId);
    spend.publishTo(channel);
    channel.start(Duration.ofSeconds(30));
    toClose.add(channel);
    toClose.add(gates);
    return new Member(gates, spend, channel);
  }

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable c : toClose) {
      c.close();
    }
  }

  private void createTopics(EmbeddedKafka kafka) {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
      TopicSetup.ensure(admin, topics, TopicSetup.Spec.defaults(), Duration.ofSeconds(30));
    }
  }

  @Test
  void aRouteNoticeReachesTheOtherMembersWithinMoments(EmbeddedKafka kafka) {
    createTopics(kafka);
    Member a = join(kafka, "a");
    Member b = join(kafka, "b");
    Member c = join(kafka, "c");

    long start = System.nanoTime();
    RouteNotice notice = new RouteNotice(Route.SUBSCRIPTION, Instant.now().plusSeconds(600),
        "subscription_quota_spent", "a", Instant.now());
    a.gates().apply(notice);
    a.channel().publish(notice);
    await().atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(5))
        .until(() -> b.gates().isClosed(Route.SUBSCRIPTION) && c.gates().isClosed(Route.SUBSCRIPTION));
    System.out.printf("route notice reached two other members in %d ms%n", (System.nanoTime() - start) / 1_000_000);
    assertTrue(!b.gates().isClosed(Route.API), "only the named route");
  }

  @Test
  void aNewMemberKnowsTheGroupStateBeforeItStarts(EmbeddedKafka kafka) {
    createTopics(kafka);
    Member a = join(kafka, "a");
    a.channel().publish(new RouteNotice(Route.SUBSCRIPTION, Instant.now().plusSeconds(600), "route_refused", "a",
        Instant.now()));
    a.spend().record(0.75, null);
    await().atMost(Duration.ofSeconds(10)).until(() -> a.gates().isClosed(Route.SUBSCRIPTION));

    Member late = join(kafka, "late");  // start() returns once the topic is read to its end
    assertTrue(late.gates().isClosed(Route.SUBSCRIPTION));
    assertEquals("route_refused", ((RouteGates.Blocked) late.gates().enter(Route.SUBSCRIPTION)).reason());
    assertEquals(0.75, late.spend().spentToday(), 1e-9);
  }

  @Test
  void spendAddsUpAcrossMembers(EmbeddedKafka kafka) {
    createTopics(kafka);
    Member a = join(kafka, "a");
    Member b = join(kafka, "b");
    a.spend().record(0.6, null);
    b.spend().record(0.5, null);
    await().atMost(Duration.ofSeconds(10)).until(() -> a.spend().spentBudget(null).isPresent()
        && b.spend().spentBudget(null).isPresent());
    assertEquals(1.1, a.spend().spentToday(), 1e-9);
  }
}
