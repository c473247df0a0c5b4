package dev.promptq.worker.consume;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.promptq.config.Globs;
import dev.promptq.config.Secret;
import dev.promptq.kafka.GatewaySeal;
import dev.promptq.kafka.ReplyHeaders;
import dev.promptq.kafka.Topics;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

class ReplyPolicyTest {
  private static final Topics TOPICS = Topics.defaults();
  private static final GatewaySeal SEAL = GatewaySeal.fromBase64(Secret.of(GatewaySeal.newSecret()));
  private static final ReplyPolicy POLICY = new ReplyPolicy(Globs.parse("promptq.results,promptq.*"), TOPICS,
      Optional.of(SEAL));

  private static ConsumerRecord<byte[], byte[]> job(String value, GatewaySeal sealedBy) {
    ConsumerRecord<byte[], byte[]> r = new ConsumerRecord<>(TOPICS.jobs(), 0, 0L, null,
        value.getBytes(StandardCharsets.UTF_8));
    r.headers().add(ReplyHeaders.CORRELATION_ID, "c-1".getBytes(StandardCharsets.UTF_8));
    r.headers().add(ReplyHeaders.REPLY_PARTITION, ByteBuffer.allocate(4).putInt(2).array());
    if (sealedBy != null) {
      sealedBy.seal(r.value(), r.headers());
    }
    return r;
  }

  @Test
  void aJobTheGatewaySealedMayAnswerIntoTheGatewaysReplyTopics() {
    ConsumerRecord<byte[], byte[]> r = job("{\"id\":\"gw1\",\"reply_to\":\"promptq.results.gateway\"}", SEAL);
    assertEquals(Optional.empty(), POLICY.problem(TOPICS.gatewayReplies(), r));
    assertEquals(Optional.empty(), POLICY.problem(TOPICS.gatewayBatchResults(), r));
  }

  @Test
  void anUnsealedJobMayNotNameTheGatewaysReplyTopicsThoughTheyMatchTheAllowedPattern() {
    ConsumerRecord<byte[], byte[]> r = job("{\"id\":\"x\",\"reply_to\":\"promptq.results.gateway\"}", null);
    assertTrue(POLICY.problem(TOPICS.gatewayReplies(), r).orElseThrow().contains("does not carry the gateway's seal"));
    assertTrue(POLICY.problem(TOPICS.gatewayBatchResults(), r).isPresent());
    assertEquals(Optional.empty(), POLICY.problem(TOPICS.results(), r), "other topics are as before");
  }

  @Test
  void aSealedJobWhoseValueOrHeadersWereChangedIsRefused() {
    ConsumerRecord<byte[], byte[]> sealed = job("{\"id\":\"gw1\",\"request\":\"a\"}", SEAL);
    ConsumerRecord<byte[], byte[]> changedValue = job("{\"id\":\"gw1\",\"request\":\"b\"}", null);
    changedValue.headers().add(GatewaySeal.HEADER, sealed.headers().lastHeader(GatewaySeal.HEADER).value());
    assertTrue(POLICY.problem(TOPICS.gatewayReplies(), changedValue).isPresent());

    ConsumerRecord<byte[], byte[]> changedPartition = job("{\"id\":\"gw1\",\"request\":\"a\"}", SEAL);
    changedPartition.headers().remove(ReplyHeaders.REPLY_PARTITION);
    changedPartition.headers().add(ReplyHeaders.REPLY_PARTITION, ByteBuffer.allocate(4).putInt(5).array());
    assertTrue(POLICY.problem(TOPICS.gatewayBatchResults(), changedPartition).isPresent());
  }

  @Test
  void aSealMadeWithAnotherSecretIsRefused() {
    GatewaySeal other = GatewaySeal.fromBase64(Secret.of(GatewaySeal.newSecret()));
    ConsumerRecord<byte[], byte[]> r = job("{\"id\":\"gw1\"}", other);
    assertTrue(POLICY.problem(TOPICS.gatewayReplies(), r).isPresent());
  }

  @Test
  void aWorkerWithoutTheGatewaySecretRefusesTheGatewaysReplyTopicsAndSaysWhichSettingIsMissing() {
    ReplyPolicy without = new ReplyPolicy(Globs.parse("promptq.*"), TOPICS, Optional.empty());
    String why = without.problem(TOPICS.gatewayReplies(), job("{\"id\":\"gw1\"}", SEAL)).orElseThrow();
    assertTrue(why.contains("gateway.secret") && why.contains(GatewaySeal.SECRET_ENV), why);
  }

  @Test
  void aSecretThatIsNotBase64OrTooShortIsRefusedWithoutEchoingIt() {
    IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> GatewaySeal.fromBase64(Secret.of("not base64 %%% planted")));
    assertTrue(!e.getMessage().contains("planted"), e.getMessage());
    IllegalArgumentException shortOne = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> GatewaySeal.fromBase64(Secret.of("c2hvcnQ=")));
    assertTrue(shortOne.getMessage().contains("at least 16"), shortOne.getMessage());
  }
}
