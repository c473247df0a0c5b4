package dev.promptq.gateway;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.anthropic.client.AnthropicClient;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.errors.UnauthorizedException;
import com.anthropic.errors.BadRequestException;
import com.anthropic.errors.OverloadedException;
import com.anthropic.errors.PermissionDeniedException;
import com.anthropic.errors.RateLimitException;
import com.anthropic.helpers.MessageAccumulator;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.anthropic.models.models.ModelInfo;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.promptq.gateway.keys.KeyAdmin;
import dev.promptq.job.Job;
import dev.promptq.kafka.ReplyHeaders;
import dev.promptq.producer.ClientConfig;
import dev.promptq.producer.PromptQClient;
import dev.promptq.job.RoutePolicy;
import dev.promptq.testkit.junit.SharedKafka;
import dev.promptq.testkit.kafka.EmbeddedKafka;
import dev.promptq.testkit.kafka.TopicReader;
import dev.promptq.testkit.sim.AnthropicSimulator;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Anthropic's official Java SDK, with strict response validation, against a gateway in front of a
 * real worker, a real broker and the simulator: what the SDK sends must be understood, and what
 * the gateway answers must read as the Messages API's answers and errors.
 */
@ExtendWith(SharedKafka.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GatewayIT {
  private static final String MODEL = "claude-haiku-4-5";

  private GatewayRig rig;
  private AnthropicSimulator sim;
  private Gateway gateway;
  private KeyAdmin admin;
  private String key;
  private String limitedKey;
  private AnthropicClient client;

  @BeforeAll
  void start(EmbeddedKafka kafka) {
    rig = new GatewayRig(kafka);
    sim = rig.sim;
    admin = rig.admin;
    rig.startWorker();
    key = rig.key("backend", "claude-haiku-*", RoutePolicy.SUBSCRIPTION_FIRST, RoutePolicy.API_ONLY);
    limitedKey = admin.create(new KeyAdmin.Grant("one-a-minute", List.of(RoutePolicy.SUBSCRIPTION_FIRST), "*", null, 1))
        .key();
    gateway = rig.startGateway("gw-test", Clock.systemUTC());
    client = sdk(key);
  }

  private AnthropicClient sdk(String apiKey) {
    return rig.sdk(gateway, apiKey);
  }

  @AfterAll
  void stop() {
    rig.close();
  }

  private static MessageCreateParams params(String prompt) {
    return MessageCreateParams.builder().model(MODEL).maxTokens(100).addUserMessage(prompt).build();
  }

  @Test
  void aMessageComesBackAsTheWorkersAnswerAndCountsForTheKey() {
    int before = sim.calls().size();
    Message m = client.messages().create(params("hello through the gateway"));
    assertFalse(m.content().isEmpty());
    assertTrue(m.content().get(0).asText().text().length() > 0);
    assertTrue(m.usage().inputTokens() > 0);
    assertEquals(before + 1, sim.calls().size(), "one call for one request");
    await().atMost(Duration.ofSeconds(10)).until(() -> admin.book().find("backend")
        .map(k -> admin.book().use(k.id(), java.time.LocalDate.now(java.time.ZoneOffset.UTC)).requests() >= 1)
        .orElse(false));
  }

  @Test
  void aStreamedAnswerAccumulatesToTheSameMessageAsAPlainOne() {
    Message plain = client.messages().create(params("stream me the same answer"));
    MessageAccumulator acc = MessageAccumulator.create();
    List<String> types = new ArrayList<>();
    try (StreamResponse<RawMessageStreamEvent> stream = client.messages().createStreaming(params("stream me the same answer"))) {
      stream.stream().forEach(e -> {
        acc.accumulate(e);
        types.add(e.isMessageStart() ? "message_start" : e.isMessageStop() ? "message_stop" : "other");
      });
    }
    Message streamed = acc.message();
    assertEquals("message_start", types.get(0));
    assertEquals("message_stop", types.get(types.size() - 1));
    assertEquals(plain.content().toString(), streamed.content().toString());
    assertEquals(plain.stopReason(), streamed.stopReason());
    assertEquals(plain.usage().outputTokens(), streamed.usage().outputTokens());
    assertEquals(plain.model(), streamed.model());
  }

  @Test
  void errorsReachTheSdkAsItsTypedExceptions() {
    BadRequestException bad = assertThrows(BadRequestException.class,
        () -> client.messages().create(params("[sim:invalid_request] refuse me")));
    assertEquals(400, bad.statusCode());

    AnthropicClient wrong = sdk("pqk_000000000000_" + "A".repeat(43));
    assertThrows(UnauthorizedException.class, () -> wrong.messages().create(params("who am I")));

    assertThrows(PermissionDeniedException.class, () -> client.messages()
        .create(MessageCreateParams.builder().model("claude-opus-4-6").maxTokens(10).addUserMessage("not mine").build()));

    AnthropicClient limited = sdk(limitedKey);
    limited.messages().create(params("my one request this minute"));
    RateLimitException r = assertThrows(RateLimitException.class,
        () -> limited.messages().create(params("one too many")));
    assertEquals(1, r.headers().values("retry-after").size(), "retry-after is sent");

    OverloadedException o = assertThrows(OverloadedException.class, () -> client.messages().create(params(
        "[sim:overloaded] every answer overloaded").toBuilder().putAdditionalHeader("promptq-route", "api_only").build()));
    assertEquals(529, o.statusCode());
  }

  @Test
  void aRevokedKeyIsRefusedByTheRunningGateway() {
    var made = admin.create(new KeyAdmin.Grant("short-lived", List.of(RoutePolicy.SUBSCRIPTION_FIRST), "*", null, 0));
    AnthropicClient c = sdk(made.key());
    await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> c.messages().create(params("while live")) != null);
    admin.revoke("short-lived");
    await().atMost(Duration.ofSeconds(10)).until(() -> {
      try {
        c.messages().create(params("after revocation"));
        return false;
      } catch (UnauthorizedException e) {
        return true;
      }
    });
  }

  @Test
  void theBetasACallerAsksForReachTheApiWithTheCall() {
    com.anthropic.models.beta.messages.BetaMessage m = client.beta().messages().create(
        com.anthropic.models.beta.messages.MessageCreateParams.builder().model(MODEL).maxTokens(50)
            .addUserMessage("a call with betas").addBeta("context-1m-2025-08-07")
            .addBeta("interleaved-thinking-2025-05-14").build());
    assertFalse(m.content().isEmpty());
    assertTrue(rig.betasSeen.contains("a call with betas | oauth-2025-04-20,context-1m-2025-08-07,"
        + "interleaved-thinking-2025-05-14"), rig.betasSeen.toString());
  }

  @Test
  void givenACertificateAndKeyTheGatewaySpeaksHttpsToTheSdk(@TempDir Path dir) throws Exception {
    TestCertificate cert = TestCertificate.make(dir);
    Gateway https = rig.startGateway(GatewayConfig.fromSettings(dev.promptq.config.Settings.of(Map.of(
        "bootstrap.servers", rig.kafka.bootstrapServers(), "topic.prefix", rig.topics.jobs().replace(".jobs", ""),
        "gateway.secret", GatewayRig.GATEWAY_SECRET, "gateway.port", "0", "gateway.instance.id", "gw-tls",
        "gateway.tls.cert", cert.cert().toString(), "gateway.tls.key", cert.key().toString()))), Clock.systemUTC());
    assertTrue(https.baseUrl().startsWith("https://127.0.0.1:"), https.baseUrl());
    javax.net.ssl.X509TrustManager trust = cert.trust();
    javax.net.ssl.SSLContext tls = javax.net.ssl.SSLContext.getInstance("TLS");
    tls.init(null, new javax.net.ssl.TrustManager[] {trust}, null);
    AnthropicClient overTls = com.anthropic.client.okhttp.AnthropicOkHttpClient.builder().apiKey(key)
        .baseUrl(https.baseUrl()).sslSocketFactory(tls.getSocketFactory()).trustManager(trust)
        .responseValidation(true).maxRetries(0).timeout(Duration.ofSeconds(60)).build();
    try {
      Message m = overTls.messages().create(params("hello over https"));
      assertFalse(m.content().isEmpty());
    } finally {
      overTls.close();
    }
    HttpClient plain = HttpClient.newHttpClient();
    assertThrows(java.io.IOException.class, () -> plain.send(HttpRequest.newBuilder(URI.create(https.baseUrl()
        .replace("https://", "http://") + "/v1/models")).build(), HttpResponse.BodyHandlers.ofString()),
        "no plain HTTP on the HTTPS port");
  }

  @Test
  void tlsSettingsThatCannotWorkAreRefusedByName(@TempDir Path dir) throws Exception {
    TestCertificate cert = TestCertificate.make(dir);
    Map<String, String> base = Map.of("bootstrap.servers", "127.0.0.1:9", "gateway.secret", GatewayRig.GATEWAY_SECRET);
    IllegalArgumentException half = assertThrows(IllegalArgumentException.class, () -> GatewayConfig.fromSettings(
        dev.promptq.config.Settings.of(with(base, "gateway.tls.cert", cert.cert().toString()))));
    assertTrue(half.getMessage().startsWith("gateway.tls.key: not set"), half.getMessage());
    Path pkcs1 = dir.resolve("rsa.pem");
    Files.writeString(pkcs1, TestCertificate.pem("RSA PRIVATE KEY", new byte[] {1, 2, 3}));
    IllegalArgumentException wrongKind = assertThrows(IllegalArgumentException.class, () -> GatewayConfig.fromSettings(
        dev.promptq.config.Settings.of(with(with(base, "gateway.tls.cert", cert.cert().toString()), "gateway.tls.key",
            pkcs1.toString()))));
    assertTrue(wrongKind.getMessage().contains("openssl pkcs8 -topk8 -nocrypt"), wrongKind.getMessage());
    IllegalArgumentException notACert = assertThrows(IllegalArgumentException.class, () -> GatewayConfig.fromSettings(
        dev.promptq.config.Settings.of(with(with(base, "gateway.tls.cert", cert.key().toString()), "gateway.tls.key",
            cert.key().toString()))));
    assertTrue(notACert.getMessage().startsWith("gateway.tls.cert:"), notACert.getMessage());
  }

  private static Map<String, String> with(Map<String, String> m, String k, String v) {
    Map<String, String> copy = new java.util.HashMap<>(m);
    copy.put(k, v);
    return copy;
  }

  @Test
  void tokensAreCountedOnTheApiRouteThroughTheWorkers() {
    int calls = sim.calls().size();
    int counts = sim.tokenCounts();
    com.anthropic.models.messages.MessageTokensCount n = client.messages().countTokens(
        com.anthropic.models.messages.MessageCountTokensParams.builder().model(MODEL)
            .addUserMessage("how many tokens is this sentence?").build());
    assertTrue(n.inputTokens() > 0, n.toString());
    assertEquals(counts + 1, sim.tokenCounts());
    assertEquals(calls, sim.calls().size(), "a count is not a message");
  }

  @Test
  void modelsAreListedFromConfiguration() {
    List<ModelInfo> models = new ArrayList<>();
    client.models().list().autoPager().forEach(models::add);
    assertTrue(models.stream().anyMatch(m -> m.id().equals("claude-opus-4-6")), models.toString());
    assertTrue(models.stream().noneMatch(m -> m.id().equals("claude-sonnet-4-5")), "a retired model is not listed");
  }

  @Test
  void requestsOutsideTheBoundsAreRefusedInTheApisWords() throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    HttpResponse<String> noVersion = http.send(HttpRequest.newBuilder(URI.create(gateway.baseUrl() + "/v1/messages"))
        .header("x-api-key", key).POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(400, noVersion.statusCode());
    assertTrue(noVersion.body().contains("anthropic-version"), noVersion.body());

    String huge = "{\"model\":\"" + MODEL + "\",\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":\""
        + "x".repeat(600 * 1024) + "\"}]}";
    HttpResponse<String> tooLarge = http.send(HttpRequest.newBuilder(URI.create(gateway.baseUrl() + "/v1/messages"))
        .header("x-api-key", key).header("anthropic-version", "2023-06-01")
        .POST(HttpRequest.BodyPublishers.ofString(huge)).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(413, tooLarge.statusCode());
    assertTrue(tooLarge.body().contains("request_too_large"), tooLarge.body());

    String deep = "{\"model\":\"" + MODEL + "\",\"max_tokens\":10,\"messages\":" + "[".repeat(200) + "]".repeat(200) + "}";
    HttpResponse<String> tooDeep = http.send(HttpRequest.newBuilder(URI.create(gateway.baseUrl() + "/v1/messages"))
        .header("authorization", "Bearer " + key).header("anthropic-version", "2023-06-01")
        .POST(HttpRequest.BodyPublishers.ofString(deep)).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(400, tooDeep.statusCode(), tooDeep.body());

    HttpResponse<String> badBeta = http.send(HttpRequest.newBuilder(URI.create(gateway.baseUrl() + "/v1/messages"))
        .header("x-api-key", key).header("anthropic-version", "2023-06-01").header("anthropic-beta", "files-api, a;b")
        .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(400, badBeta.statusCode(), badBeta.body());
    assertTrue(badBeta.body().contains("anthropic-beta"), badBeta.body());

    HttpResponse<String> count = http.send(HttpRequest.newBuilder(URI.create(gateway.baseUrl()
        + "/v1/messages/count_tokens")).header("x-api-key", key).header("anthropic-version", "2023-06-01")
        .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(400, count.statusCode());
    assertTrue(count.body().contains("request.model"), count.body());
  }

  @Test
  void plantedKeysAndCredentialsAppearInNoOutput() throws Exception {
    client.messages().create(params("a request to search for"));
    assertThrows(BadRequestException.class, () -> client.messages().create(params("[sim:invalid_request] again")));
    List<String> outputs = new ArrayList<>();
    for (String topic : List.of(rig.topics.interactive(), rig.topics.gatewayReplies(), rig.topics.control(), rig.topics.usage())) {
      for (ConsumerRecord<byte[], byte[]> r : TopicReader.readAll(rig.kafka.bootstrapServers(), topic, 1,
          Duration.ofMillis(300), Duration.ofSeconds(30))) {
        outputs.add(text(r.key()) + " " + text(r.value()));
        for (Header h : r.headers()) {
          outputs.add(h.key() + "=" + text(h.value()));
        }
      }
    }
    HttpResponse<String> metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
        + gateway.opsAddress().orElseThrow().getPort() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
    assertTrue(metrics.body().contains("promptq_gateway_requests_total{key=\"backend\""), "usage per key is metered");
    outputs.add(metrics.body());
    outputs.add(admin.list().toString());
    outputs.add(gateway.config().toString());
    Path log = Path.of(System.getProperty("promptq.test.tmp", "target"), "test.log");
    outputs.add(Files.readString(log, StandardCharsets.ISO_8859_1));
    String keySecret = key.substring(key.lastIndexOf('_') + 1);
    for (String output : outputs) {
      for (String planted : List.of(key, keySecret, limitedKey, GatewayRig.OAUTH.reveal(), GatewayRig.API_KEY.reveal(),
          GatewayRig.GATEWAY_SECRET)) {
        assertFalse(output.contains(planted), "a planted secret leaked into: "
            + output.substring(0, Math.min(200, output.length())));
      }
    }
  }

  @Test
  void aJobFromAnyOtherProducerCannotAnswerIntoTheGatewaysReplyTopics() throws Exception {
    ObjectNode request = (ObjectNode) new ObjectMapper().readTree("{\"model\":\"" + MODEL + "\",\"max_tokens\":10,"
        + "\"messages\":[{\"role\":\"user\",\"content\":\"a forged answer\"}]}");
    int before = sim.calls().size();
    try (PromptQClient other = PromptQClient.create(new ClientConfig(rig.kafka.bootstrapServers(), rig.topics,
        ClientConfig.DEFAULT_JOB_PARTITIONS, Map.of()))) {
      other.submit(Job.of("forged-reply", request).withReplyTo(rig.topics.gatewayReplies())).get();
      other.submit(Job.of("msgbatch_forged_0", request).withReplyTo(rig.topics.gatewayBatchResults())).get();
    }
    List<String> reasons = new ArrayList<>();
    for (ConsumerRecord<byte[], byte[]> r : TopicReader.readAll(rig.kafka.bootstrapServers(), rig.topics.deadLetters(),
        2, Duration.ofMillis(300), Duration.ofSeconds(30))) {
      reasons.add(ReplyHeaders.text(r.headers(), ReplyHeaders.DLQ_REASON));
    }
    assertEquals(2, reasons.stream().filter(r -> r.contains("does not carry the gateway's seal")).count(), reasons.toString());
    assertEquals(before, sim.calls().size(), "neither job was run");
    for (String topic : List.of(rig.topics.gatewayReplies(), rig.topics.gatewayBatchResults())) {
      for (ConsumerRecord<byte[], byte[]> r : TopicReader.readAll(rig.kafka.bootstrapServers(), topic, 0,
          Duration.ofMillis(300), Duration.ofSeconds(30))) {
        assertFalse(text(r.key()).contains("forged"), "a forged job answered into " + topic);
      }
    }
  }

  private static String text(byte[] b) {
    return b == null ? "" : new String(b, StandardCharsets.ISO_8859_1);
  }

}
