package dev.promptq.worker.routing;

import java.util.List;
import dev.promptq.config.Settings;
import dev.promptq.config.Globs;
import dev.promptq.job.ApiError;
import dev.promptq.job.Job;
import dev.promptq.job.RoutePolicy;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/**
 * What the operator allows a job to ask for, whoever wrote it: route policies
 * ({@code route.policies.allowed}; allow only {@code subscription_only} to forbid API spend),
 * a cap on {@code max_tokens} ({@code request.max.tokens.cap}) and the models
 * ({@code request.models.allowed}). A job asking for more is answered {@code errored} without a
 * call. Immutable.
 *
 * @param maxTokensCap null for no cap
 */
public record OperatorPolicy(Set<RoutePolicy> policies, Long maxTokensCap, Globs models) {

  public OperatorPolicy {
    policies = Set.copyOf(policies);
    if (policies.isEmpty()) {
      throw new IllegalArgumentException("route.policies.allowed: empty (allow at least one policy)");
    }
  }

  /** Everything allowed. */
  public static OperatorPolicy permissive() {
    return new OperatorPolicy(EnumSet.allOf(RoutePolicy.class), null, Globs.parse("*"));
  }

  /** Why {@code job} may not run, as its error, or empty if it may. */
  public Optional<ApiError> refusal(Job job) {
    if (!policies.contains(job.route())) {
      return Optional.of(new ApiError("route_policy_forbidden", "route policy " + job.route().wireName()
          + " is not allowed here (route.policies.allowed: " + String.join(",",
              policies.stream().map(RoutePolicy::wireName).sorted().toList()) + ")", 0));
    }
    long maxTokens = job.request().path("max_tokens").asLong();
    if (maxTokensCap != null && maxTokens > maxTokensCap) {
      return Optional.of(new ApiError("max_tokens_over_cap", "max_tokens " + maxTokens
          + " is over the cap of " + maxTokensCap + " (request.max.tokens.cap)", 0));
    }
    String model = job.request().path("model").asText();
    if (!models.matches(model)) {
      String shown = model.length() <= 100 ? model : model.substring(0, 97) + "...";
      return Optional.of(new ApiError("model_not_allowed", "model " + shown + " is not allowed here "
          + "(request.models.allowed: " + models + ")", 0));
    }
    return Optional.empty();
  }

  /** The keys {@link #fromSettings} reads. */
  public static final List<String> KEYS = List.of("route.policies.allowed", "request.max.tokens.cap",
      "request.models.allowed");

  /** Reads and validates {@link #KEYS}; unset, everything is allowed. */
  public static OperatorPolicy fromSettings(Settings s) {
    Set<RoutePolicy> policies = EnumSet.noneOf(RoutePolicy.class);
    for (String name : s.get("route.policies.allowed", "subscription_first,subscription_only,api_only,api_batch").split(",")) {
      try {
        policies.add(RoutePolicy.fromWireName(name.strip()));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("route.policies.allowed: " + name.strip() + " (" + e.getMessage() + ")");
      }
    }
    Long cap = s.get("request.max.tokens.cap").isPresent()
        ? s.getLong("request.max.tokens.cap", 0, 1, Long.MAX_VALUE) : null;
    return new OperatorPolicy(policies, cap, Globs.parse(s.get("request.models.allowed", "*")));
  }
}
