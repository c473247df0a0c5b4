package dev.promptq.producer.batch;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One line of a Message Batches request file: {@code {"custom_id": ..., "params": {...}}}.
 *
 * @param line the 1-based line number in its file
 */
public record BatchRequest(String customId, ObjectNode params, int line) {}
