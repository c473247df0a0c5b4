package dev.promptq.worker.ops;

import java.util.List;

/** A worker's last errors, newest first, as published on the control topic. */
public record WorkerErrors(String worker, List<RecentErrors.Entry> errors) {}
