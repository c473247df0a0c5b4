package dev.promptq.producer.batch;

import dev.promptq.job.Job;
import dev.promptq.job.JobResult;
import dev.promptq.job.Outcome;
import dev.promptq.job.RoutePolicy;
import dev.promptq.producer.PromptQClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;

/**
 * Runs a batch: publishes one job per request not yet answered in the output, writes each result
 * line as it arrives, and returns when every request has its line.
 */
public final class BatchRun {

  /**
   * Counts by outcome and by the route that answered, the API spend, plus requests skipped because
   * the output already answered them.
   *
   * @param routes results by the route that gave them ({@code none} for a result no route gave)
   * @param apiCostUsd what the batch's API calls cost, in USD, at the workers' prices
   */
  public record Summary(int submitted, int skipped, Map<Outcome, Integer> outcomes, Map<String, Integer> routes,
      double apiCostUsd) {
    public int count(Outcome o) {
      return outcomes.getOrDefault(o, 0);
    }
  }

  private final PromptQClient client;
  private final RoutePolicy policy;
  private final Duration timeout;
  private final String batchId;

  /**
   * @param policy the route policy of every job of the batch
   * @param timeout how long to wait for the whole batch
   * @param batchId the {@code batch} of every job (per-batch API budgets), or null
   */
  public BatchRun(PromptQClient client, RoutePolicy policy, Duration timeout, String batchId) {
    this.client = client;
    this.policy = policy;
    this.timeout = timeout;
    this.batchId = batchId;
  }

  /**
   * A batch id made from a file name: its name without extension, characters outside
   * {@code [A-Za-z0-9_-]} replaced by {@code _}, at most 64 characters.
   */
  public static String batchIdOf(java.nio.file.Path file) {
    String name = file.getFileName().toString();
    int dot = name.lastIndexOf('.');
    String stem = (dot > 0 ? name.substring(0, dot) : name).replaceAll("[^A-Za-z0-9_-]", "_");
    return stem.isEmpty() ? "batch" : stem.substring(0, Math.min(64, stem.length()));
  }

  /**
   * Runs {@code requests}, appending to {@code output}.
   *
   * @param onStart called once with (total requests, already answered)
   * @param onResult called after each result line is written
   * @throws IOException if the output cannot be written
   * @throws java.util.concurrent.TimeoutException (wrapped in CompletionException) if results are late
   */
  public Summary run(List<BatchRequest> requests, BatchOutput output, java.util.function.BiConsumer<Integer, Integer> onStart,
      Consumer<JobResult> onResult) throws IOException {
    var answered = output.answered();
    List<CompletableFuture<JobResult>> futures = new ArrayList<>();
    int skipped = 0;
    for (BatchRequest r : requests) {
      if (answered.contains(r.customId())) {
        skipped++;
      }
    }
    onStart.accept(requests.size(), skipped);
    Map<Outcome, Integer> counts = new EnumMap<>(Outcome.class);
    Map<String, Integer> routes = new java.util.TreeMap<>();
    double[] cost = new double[1];
    for (BatchRequest r : requests) {
      if (answered.contains(r.customId())) {
        continue;
      }
      Job job = Job.of(r.customId(), r.params()).withRoute(policy).withBatch(batchId);
      futures.add(client.submitAndAwait(job, timeout).thenApply(result -> {
        try {
          output.write(r.customId(), result);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
        synchronized (counts) {
          counts.merge(result.outcome(), 1, Integer::sum);
          routes.merge(result.route() == null ? "none" : result.route().wireName(), 1, Integer::sum);
          cost[0] += result.apiCostUsd();
        }
        onResult.accept(result);
        return result;
      }));
    }
    client.flush();
    try {
      CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof UncheckedIOException io) {
        throw io.getCause();
      }
      throw e;
    }
    synchronized (counts) {
      return new Summary(futures.size(), skipped, Map.copyOf(counts), Map.copyOf(routes), cost[0]);
    }
  }
}
