package dev.promptq.gateway.keys;

import java.time.LocalDate;
import java.util.Objects;

/**
 * One gateway instance's use of one key on one UTC day: requests answered and their API spend
 * (what the results' attempts cost; the subscription costs nothing per call).
 */
record KeyUsage(String keyId, LocalDate day, String instance, long requests, double usd) {
  public KeyUsage {
    Objects.requireNonNull(keyId, "keyId");
    Objects.requireNonNull(day, "day");
    Objects.requireNonNull(instance, "instance");
  }

  KeyUsage plus(long moreRequests, double moreUsd) {
    return new KeyUsage(keyId, day, instance, requests + moreRequests, usd + moreUsd);
  }
}
