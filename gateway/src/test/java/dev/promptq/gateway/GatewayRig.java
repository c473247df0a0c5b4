package dev.promptq.gateway;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import dev.promptq.config.Secret;
import dev.promptq.gateway.keys.KeyAdmin;
import dev.promptq.job.RoutePolicy;
import dev.promptq.kafka.GatewaySeal;
import dev.promptq.kafka.Topics;
import dev.promptq.testkit.junit.SharedKafka;
import dev.promptq.testkit.kafka.EmbeddedKafka;
import dev.promptq.testkit.sim.AnthropicSimulator;
import dev.promptq.testkit.sim.Directives;
import dev.promptq.testkit.sim.SimRequest;
import dev.promptq.testkit.sim.SimResponse;
import dev.promptq.worker.Worker;
import dev.promptq.worker.WorkerConfig;
import dev.promptq.worker.credentials.Credentials;
import dev.promptq.worker.routing.RouterSettings;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * One test class's deployment on the shared broker: its own topics, the simulator (answering
 * prompt directives), a worker group of one, a gateway and a key admin. The credentials and keys
 * are planted values the secret tests search for.
 */
final class GatewayRig implements AutoCloseable {
  static final Secret OAUTH = Secret.of("sk-ant-oat01-gateway-planted-" + UUID.randomUUID());
  static final Secret API_KEY = Secret.of("sk-ant-api03-gateway-planted-" + UUID.randomUUID());
  /** The secret the gateways seal their jobs with and the worker checks. */
  static final String GATEWAY_SECRET = GatewaySeal.newSecret();

  final EmbeddedKafka kafka;
  final Topics topics = SharedKafka.uniqueTopics();
  final String groupId = "g-" + UUID.randomUUID();
  final AnthropicSimulator sim;
  final KeyAdmin admin;
  /** Each call's first message and its {@code anthropic-beta} header, as the simulator received them. */
  final List<String> betasSeen = new CopyOnWriteArrayList<>();
  private final Directives directives = new Directives(Clock.systemUTC(), Duration.ofHours(1));
  private final List<Gateway> gateways = new ArrayList<>();
  private final List<AnthropicClient> clients = new ArrayList<>();
  private Worker worker;

  GatewayRig(EmbeddedKafka kafka) {
    this.kafka = kafka;
    this.sim = AnthropicSimulator.builder().oauthToken(OAUTH).apiKey(API_KEY)
        .responder(this::answer).build().start();
    this.admin = new KeyAdmin(kafka.bootstrapServers(), Map.of(), topics, Clock.systemUTC());
  }

  private Optional<SimResponse> answer(SimRequest r) {
    betasSeen.add(r.body().path("messages").path(0).path("content").asText() + " | "
        + String.join(",", r.headers().getOrDefault("anthropic-beta", List.of())));
    return directives.answer(r);
  }

  /** Starts the group's one worker, with fast retries. */
  Worker startWorker() {
    worker = Worker.start(WorkerConfig.builder(kafka.bootstrapServers()).topics(topics).groupId(groupId)
        .workerId("behind-the-gateway").anthropicBaseUrl(sim.baseUrl())
        .credentials(new Credentials(Optional.of(OAUTH), Optional.of(API_KEY))).jobPartitions(3)
        .gatewaySeal(GatewaySeal.fromBase64(Secret.of(GATEWAY_SECRET)))
        .router(new RouterSettings(2, Duration.ofMillis(10), Duration.ofMillis(100), 10, 5, Duration.ofSeconds(2),
            Duration.ofSeconds(1), Duration.ofMillis(300), 0.9))
        .build());
    return worker;
  }

  Gateway startGateway(String instance, Clock clock) {
    return startGateway(GatewayConfig.of(kafka.bootstrapServers(), topics, GATEWAY_SECRET).withInstanceId(instance)
        .withOpsPort(0), clock);
  }

  Gateway startGateway(GatewayConfig config, Clock clock) {
    Gateway g = Gateway.start(config, clock);
    gateways.add(g);
    return g;
  }

  /** A key allowed the given policies and models, without limits; the full key. */
  String key(String name, String models, RoutePolicy... policies) {
    return admin.create(new KeyAdmin.Grant(name, List.of(policies), models, null, 0)).key();
  }

  /** The official SDK on {@code gateway} with {@code apiKey}: strict validation, no retries. */
  AnthropicClient sdk(Gateway gateway, String apiKey) {
    AnthropicClient c = AnthropicOkHttpClient.builder().apiKey(apiKey).baseUrl(gateway.baseUrl())
        .responseValidation(true).maxRetries(0).timeout(Duration.ofSeconds(60)).build();
    clients.add(c);
    return c;
  }

  @Override
  public void close() {
    clients.forEach(AnthropicClient::close);
    gateways.forEach(Gateway::close);
    admin.close();
    if (worker != null) {
      worker.close(Duration.ofSeconds(5));
    }
    sim.close();
  }
}
