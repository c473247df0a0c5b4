package dev.promptq.testkit.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.promptq.job.JobCodec;
import dev.promptq.job.Route;
import dev.promptq.usage.PriceTable;
import dev.promptq.usage.Tokens;
import java.io.IOException;
import java.util.Map;

/**
 * The simulator's limits per route: the subscription's quota or usage windows and its credit for
 * programmatic use (402 {@code billing_error} once spent), and the API key's rate limits. Each admits a call or answers 429 with its headers, and settles an admitted call
 * with its answer, whose headers it adds. Either may be absent (no limit, no headers). Thread-safe.
 */
final class RouteLimits {
  /** The answer a call gets once admitted. */
  @FunctionalInterface
  interface Respond {
    SimResponse to(SimRequest request) throws IOException;
  }

  private final ObjectMapper mapper = JobCodec.newMapper();
  private final SubscriptionLimits subscription;
  private final ApiRateLimits api;
  private final PriceTable prices = PriceTable.defaults();
  /** The credit programmatic use of the subscription draws on (USD at list prices), or NaN without one. */
  private final double credit;
  private double creditUsed;

  RouteLimits(SubscriptionLimits subscription, ApiRateLimits api, double creditUsd) {
    this.subscription = subscription;
    this.api = api;
    this.credit = creditUsd;
  }

  /** What the subscription's successes cost at list prices so far (counted against the credit). */
  synchronized double creditUsed() {
    return creditUsed;
  }

  /** The subscription's limits, or null without. */
  SubscriptionLimits subscription() {
    return subscription;
  }

  /** @throws IllegalStateException when no subscription quota is configured */
  SubscriptionLimits requireSubscription() {
    if (subscription == null) {
      throw new IllegalStateException("no subscription quota configured");
    }
    return subscription;
  }

  /** Answers {@code request} for {@code model} within its route's limits. */
  SimResponse answer(SimRequest request, String model, Respond respond) throws IOException {
    if (request.route() == Route.API && api != null) {
      return api(request, respond);
    }
    if (request.route() == Route.SUBSCRIPTION && !Double.isNaN(credit)) {
      synchronized (this) {
        if (creditUsed >= credit) {
          return SimResponse.error(402, "billing_error", "Your plan's credit for programmatic use is spent; it "
              + "renews with your next billing cycle.");
        }
      }
      Respond inner = respond;
      respond = r -> counted(model, inner.to(r));
    }
    if (request.route() != Route.SUBSCRIPTION || subscription == null) {
      return respond.to(request);
    }
    SubscriptionLimits.Admission admission = subscription.admit(model);
    if (!admission.admitted()) {
      return SimResponse.error(429, "rate_limit_error",
          "This request would exceed your account's rate limit. Please try again later.", admission.headers());
    }
    SimResponse response = respond.to(request);
    Map<String, String> limits = subscription.settle(admission, model, response);
    return response.disconnect() ? response : response.withHeaders(limits);
  }

  /** Counts a subscription success against the credit at list prices. */
  private SimResponse counted(String model, SimResponse response) throws IOException {
    if (response.status() == 200) {
      JsonNode usage = mapper.readTree(response.body()).path("usage");
      Tokens t = Tokens.fromUsage(usage);
      double usd = prices.cost(model, t, false).orElseGet(() -> prices.cost("claude-sonnet-4-6", t, false).orElseThrow());
      synchronized (this) {
        creditUsed += usd;
      }
    }
    return response;
  }

  /** An api call under the API key's rate limits: admitted and settled, or a 429 with retry-after. */
  private SimResponse api(SimRequest request, Respond respond) throws IOException {
    ApiRateLimits.Admission admission = api.admit(request.body());
    if (admission.taken() == null) {
      return SimResponse.error(429, "rate_limit_error", "This request would exceed the rate limit for your "
          + "organization of input or output tokens or requests per minute. Please try again later.",
          admission.refusal());
    }
    SimResponse response = respond.to(request);
    JsonNode answer = response.status() == 200 ? mapper.readTree(response.body()) : mapper.createObjectNode();
    Map<String, String> limits = api.settle(admission.taken(), response.status(), answer);
    return response.disconnect() ? response : response.withHeaders(limits);
  }
}
