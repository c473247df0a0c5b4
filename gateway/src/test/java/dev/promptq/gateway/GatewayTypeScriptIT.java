package dev.promptq.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.promptq.gateway.keys.KeyAdmin;
import dev.promptq.job.JobCodec;
import dev.promptq.job.RoutePolicy;
import dev.promptq.testkit.junit.SharedKafka;
import dev.promptq.testkit.kafka.EmbeddedKafka;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Anthropic's official TypeScript SDK ({@code @anthropic-ai/sdk}, pinned in
 * {@code src/test/typescript-sdk/package-lock.json}, installed with {@code npm ci} into
 * {@code target/typescript-sdk}) against the gateway: {@code check.mjs} makes every call and
 * prints what it saw. Skipped without npm, except under {@code CI=true}.
 */
@ExtendWith(SharedKafka.class)
class GatewayTypeScriptIT {

  @Test
  void theTypeScriptSdkCallsEveryEndpointAndReadsTypedErrors(EmbeddedKafka kafka) throws Exception {
    Path dir = install();
    try (GatewayRig rig = new GatewayRig(kafka)) {
      rig.startWorker();
      String key = rig.key("typescript", "claude-haiku-*", RoutePolicy.SUBSCRIPTION_FIRST, RoutePolicy.API_ONLY);
      String limited = rig.admin.create(new KeyAdmin.Grant("ts-one-a-minute", List.of(RoutePolicy.SUBSCRIPTION_FIRST),
          "*", null, 1)).key();
      Gateway gateway = rig.startGateway("gw-ts", Clock.systemUTC());

      ProcessBuilder pb = new ProcessBuilder(executable("node").toString(), "check.mjs").directory(dir.toFile())
          .redirectError(dir.resolve("check.err").toFile());
      pb.environment().put("GATEWAY_URL", gateway.baseUrl());
      pb.environment().put("PROMPTQ_KEY", key);
      pb.environment().put("PROMPTQ_LIMITED_KEY", limited);
      Process p = pb.start();
      byte[] stdout = p.getInputStream().readAllBytes();
      assertTrue(p.waitFor(2, TimeUnit.MINUTES), "check.mjs finished");
      String err = Files.readString(dir.resolve("check.err"));
      assertEquals(0, p.exitValue(), () -> "check.mjs failed:\n" + err);
      JsonNode seen = JobCodec.newMapper().readTree(new String(stdout, StandardCharsets.UTF_8));

      assertEquals("message", seen.path("create").path("type").asText());
      assertTrue(seen.path("create").path("hasText").asBoolean());
      assertTrue(seen.path("stream").path("sameContent").asBoolean(), seen.toString());
      assertTrue(seen.path("stream").path("sameStop").asBoolean(), seen.toString());
      assertTrue(seen.path("stream").path("textEvents").asInt() >= 1, seen.toString());
      assertTrue(seen.path("countTokens").asInt() > 0, seen.toString());
      assertEquals("message", seen.path("beta").asText(), seen.toString());
      assertTrue(rig.betasSeen.contains("betas from typescript | oauth-2025-04-20,context-1m-2025-08-07"),
          rig.betasSeen.toString());

      JsonNode errors = seen.path("errors");
      assertEquals("BadRequestError:400", errors.path("badRequest").asText());
      assertEquals("AuthenticationError:401", errors.path("unauthorized").asText());
      assertEquals("none", errors.path("firstOfMinute").asText());
      assertEquals("RateLimitError:429", errors.path("rateLimited").asText());
      assertEquals("OverloadedError:529", errors.path("overloaded").asText());

      JsonNode batches = seen.path("batches");
      assertEquals("in_progress", batches.path("created").asText());
      assertEquals("ended", batches.path("ended").asText());
      assertEquals(1, batches.path("counts").path("succeeded").asInt());
      assertEquals(1, batches.path("counts").path("errored").asInt());
      assertEquals("succeeded", batches.path("results").path("ts-0").asText());
      assertEquals("errored", batches.path("results").path("ts-1").asText());
      assertTrue(batches.path("listedWithPaging").asBoolean(), seen.toString());
      assertTrue(batches.path("cancel").asBoolean(), seen.toString());
      assertEquals("message_batch_deleted", batches.path("deleted").asText());
    }
  }

  /** {@code npm ci} of the pinned SDK into {@code target/typescript-sdk}, once; later runs reuse it. */
  private static Path install() throws IOException, InterruptedException {
    Path dir = Path.of(System.getProperty("promptq.test.tmp", "target")).resolve("typescript-sdk");
    Files.createDirectories(dir);
    for (String f : List.of("package.json", "package-lock.json", "check.mjs")) {
      Files.copy(Path.of("src/test/typescript-sdk", f), dir.resolve(f), StandardCopyOption.REPLACE_EXISTING);
    }
    if (Files.isDirectory(dir.resolve("node_modules/@anthropic-ai/sdk"))) {
      return dir;
    }
    Path npm = executable("npm");
    Path log = dir.resolve("npm-ci.log");
    Process p = new ProcessBuilder(npm.toString(), "ci", "--no-audit", "--no-fund", "--loglevel=warn")
        .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    if (!p.waitFor(5, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      Assertions.fail("npm ci of @anthropic-ai/sdk took over 5 minutes");
    }
    Assertions.assertEquals(0, p.exitValue(), () -> "npm ci of @anthropic-ai/sdk failed:\n" + read(log));
    return dir;
  }

  /** {@code name} on PATH; the test is skipped without it, and fails under {@code CI=true}. */
  private static Path executable(String name) {
    Optional<Path> found = Arrays.stream(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
        .map(d -> Path.of(d, name)).filter(Files::isExecutable).findFirst();
    if (found.isEmpty()) {
      if ("true".equals(System.getenv("CI"))) {
        Assertions.fail("CI=true but " + name + " is not on PATH: the TypeScript SDK test needs it");
      }
      Assumptions.abort(name + " is not on PATH: the TypeScript SDK cannot be installed");
    }
    return found.get();
  }

  private static String read(Path log) {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }
}
