package dev.promptq.worker.routing;

import dev.promptq.job.ApiError;

/** What an answer means for the job that got it. */
public sealed interface Verdict {

  /** The call answered the job. */
  record Success() implements Verdict {}

  /** The request itself is wrong: any route would refuse it too, so the job fails without fallback. */
  record RequestRejected(ApiError error) implements Verdict {}

  /** This route could not serve the job; the next route of the job's policy may. */
  record RouteFailed(ApiError error) implements Verdict {}
}
