package dev.promptq.worker.spend;

/** A worker's running API spend total in one scope ({@code day/<yyyy-mm-dd>} or {@code batch/<id>}). */
public record SpendTotal(String scope, String worker, double usd) {}
