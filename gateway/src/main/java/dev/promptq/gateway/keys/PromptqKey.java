package dev.promptq.gateway.keys;

import dev.promptq.config.Globs;
import dev.promptq.job.RoutePolicy;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A promptq key as the control topic keeps it: never the key itself, only its SHA-256.
 *
 * @param id 12 hex characters, the part of the key that names it (not secret)
 * @param name the operator's name for it, unique among live keys
 * @param sha256 the hash of the key's secret part, hex
 * @param policies the route policies its jobs may take; the first is the default
 * @param models model name patterns it may call ({@code *} for any)
 * @param usdPerDay the API spend its jobs may reach per UTC day, or null for no limit
 * @param requestsPerMinute per gateway instance, 0 for no limit
 * @param createdAt when it was made
 * @param revokedAt when it was revoked, or null while it is live
 */
public record PromptqKey(String id, String name, String sha256, List<RoutePolicy> policies, String models,
    Double usdPerDay, int requestsPerMinute, Instant createdAt, Instant revokedAt) {

  public PromptqKey {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(sha256, "sha256");
    policies = policies == null || policies.isEmpty() ? List.of(RoutePolicy.SUBSCRIPTION_FIRST) : List.copyOf(policies);
    models = models == null || models.isBlank() ? "*" : models;
    if (usdPerDay != null && (usdPerDay.isNaN() || usdPerDay < 0)) {
      throw new IllegalArgumentException("usd per day must be >= 0: " + usdPerDay);
    }
    if (requestsPerMinute < 0) {
      throw new IllegalArgumentException("requests per minute must be >= 0: " + requestsPerMinute);
    }
  }

  public boolean live() {
    return revokedAt == null;
  }

  public boolean allowsModel(String model) {
    return Globs.parse(models).matches(model);
  }

  public PromptqKey revoked(Instant at) {
    return new PromptqKey(id, name, sha256, policies, models, usdPerDay, requestsPerMinute, createdAt, at);
  }

  /** Everything but the hash, for lists and logs. */
  @Override
  public String toString() {
    return "PromptqKey[id=" + id + ", name=" + name + ", policies=" + policies + ", models=" + models
        + ", usdPerDay=" + usdPerDay + ", rpm=" + requestsPerMinute + ", createdAt=" + createdAt
        + (revokedAt == null ? "" : ", revokedAt=" + revokedAt) + "]";
  }
}
