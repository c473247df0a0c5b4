package dev.promptq.usage;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * What one finished job used: written by the worker to the usage topic in the same transaction as
 * the job's result, read by {@code promptq report}. Small on purpose (about 400 bytes), so a month
 * of millions of jobs reads in seconds; the result itself stays with whoever asked for it.
 *
 * @param id the job id
 * @param finishedAt when the job finished (also the record's timestamp)
 * @param outcome {@code succeeded}, {@code errored} or {@code expired}
 * @param route the route that answered ({@code subscription} or {@code api}), or null when none did
 * @param transport {@code http} or {@code claude_cli}
 * @param lane {@code sync} (the Messages API) or {@code batch} (Message Batches, half price)
 * @param model the answer's model, else the request's; may be null
 * @param tokens the answer's tokens ({@link Tokens#NONE} without an answer)
 * @param apiCostUsd what the worker counted as billed for the job's API calls, at its prices
 * @param cliCostUsd Claude Code's own estimate at list prices, for {@code claude_cli} calls; or null
 * @param batch the job's batch, or null
 * @param workerId the worker that ran the job
 * @param windows the subscription's utilisation per window ({@code 5h}, {@code 7d}, ...) as the
 *     worker last saw it in the subscription's answers; empty when it has seen none
 */
public record UsageRecord(String id, Instant finishedAt, String outcome, String route, String transport, String lane,
    String model, Tokens tokens, double apiCostUsd, Double cliCostUsd, String batch, String workerId,
    Map<String, Double> windows) {
  public static final String SYNC = "sync";
  public static final String BATCH = "batch";

  public UsageRecord {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(finishedAt, "finishedAt");
    Objects.requireNonNull(outcome, "outcome");
    transport = transport == null ? "http" : transport;
    lane = lane == null ? SYNC : lane;
    tokens = tokens == null ? Tokens.NONE : tokens;
    windows = windows == null ? Map.of() : Map.copyOf(windows);
  }

  /** A model id as the API names them; a job's request may name anything, which stays out of the record. */
  private static final java.util.regex.Pattern MODEL = java.util.regex.Pattern.compile("[A-Za-z0-9._:@/-]{1,128}");

  /**
   * The model a usage record names: the answer's, else the request's; null when neither names one
   * that looks like a model id.
   *
   * @param message the answer, or null
   */
  public static String modelOf(com.fasterxml.jackson.databind.JsonNode message,
      com.fasterxml.jackson.databind.JsonNode request) {
    String model = message != null && message.path("model").isTextual() ? message.get("model").asText()
        : request.path("model").isTextual() ? request.get("model").asText() : null;
    return model == null || !MODEL.matcher(model).matches() ? null : model;
  }

  /** True when the API key's account paid for the answer. */
  public boolean billed() {
    return "api".equals(route);
  }
}
