package dev.promptq.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.promptq.job.Job;
import dev.promptq.job.JobResult;
import dev.promptq.job.Route;
import dev.promptq.testkit.junit.SharedKafka;
import dev.promptq.testkit.kafka.EmbeddedKafka;
import dev.promptq.testkit.sim.AnthropicSimulator;
import dev.promptq.worker.quota.QuotaSettings;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A plan whose programmatic use draws on a dollar credit: spent to within the calls in flight, then the API. */
@ExtendWith(SharedKafka.class)
class SubscriptionCreditIT {

  @Test
  void theCreditIsSpentToWithinTheCallsInFlightThenJobsTakeTheApi(EmbeddedKafka kafka) {
    double credit = 0.003;  // a call of these jobs costs about $0.00006: about 50 calls
    int maxInFlight = 8;
    try (TestPipeline p = new TestPipeline(kafka, AnthropicSimulator.builder().oauthToken(TestPipeline.OAUTH_TOKEN)
        .apiKey(TestPipeline.API_KEY).latency(Duration.ofMillis(20)).subscriptionCredit(credit))) {
      for (String w : new String[] {"w1", "w2", "w3"}) {
        p.startWorker(p.workerConfig(w).maxInFlight(maxInFlight)
            .quota(QuotaSettings.none().withCredit(new QuotaSettings.Credit(credit, 1))).build());
      }
      p.awaitGroupFormed();
      Set<String> ids = new LinkedHashSet<>();
      for (int i = 0; i < 200; i++) {
        ObjectNode request = p.request("credit " + i);
        request.put("model", "claude-haiku-4-5");
        p.client().submit(Job.of("credit-" + i, request));
        ids.add("credit-" + i);
      }
      p.client().flush();
      Map<String, JobResult> results = p.assertExactlyOneResultEach(ids);
      assertTrue(results.values().stream().allMatch(JobResult::succeeded));
      long bySubscription = results.values().stream().filter(r -> r.route() == Route.SUBSCRIPTION).count();
      long refused = p.sim.calls().stream().filter(c -> c.route() == Route.SUBSCRIPTION && c.status() == 402).count();
      double perCall = p.sim.creditUsedUsd() / bySubscription;
      System.out.printf("credit: %.5f of %.5f USD spent in %d subscription calls, %d answered 402, %d jobs by the API%n",
          p.sim.creditUsedUsd(), credit, bySubscription, refused, 200 - bySubscription);
      assertTrue(p.sim.creditUsedUsd() >= credit, "the credit was spent");
      assertTrue(p.sim.creditUsedUsd() <= credit + 3 * maxInFlight * perCall,
          "to within the calls in flight: " + p.sim.creditUsedUsd());
      assertTrue(refused <= 3 * maxInFlight, "calls started after the credit ran out are few: " + refused);
      assertEquals(200 - bySubscription, results.values().stream().filter(r -> r.route() == Route.API).count());
    }
  }
}
