package dev.promptq.job;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.Map;

/**
 * A finished Messages API answer as the API streams it (server-sent events), so that clients'
 * stream readers (the SDKs' {@code stream} helpers, Claude Code) read it as a stream:
 * {@code message_start} (the message without content, input usage), then per content block
 * {@code content_block_start} (the block, emptied), {@code ping} after the first block's start,
 * {@code content_block_delta}s, {@code content_block_stop}; then {@code message_delta} (stop
 * reason and sequence, output usage) and {@code message_stop}.
 *
 * <p>Deltas by block type: {@code text} as {@code text_delta}s, {@code thinking} as
 * {@code thinking_delta}s then one {@code signature_delta}, {@code tool_use} and
 * {@code server_tool_use} as {@code input_json_delta}s of the input's JSON. Any other block
 * ({@code redacted_thinking}, tool results) starts whole and has no delta.
 *
 * <p>The whole answer exists before the first event: the text arrives at once, not token by token.
 * Stateless and thread-safe.
 */
public final class MessageEvents {
  private static final ObjectMapper MAPPER = JobCodec.newMapper();

  private MessageEvents() {}

  /**
   * The events of {@code message}, each {@code event: <type>\ndata: <json>\n\n}.
   *
   * @param chunkChars characters per delta (at least 1)
   */
  public static String of(JsonNode message, int chunkChars) {
    if (chunkChars < 1) {
      throw new IllegalArgumentException("chunkChars < 1: " + chunkChars);
    }
    StringBuilder out = new StringBuilder();
    event(out, "message_start", MAPPER.createObjectNode().put("type", "message_start").set("message", start(message)));
    int index = 0;
    for (JsonNode block : message.path("content")) {
      block(out, index, block, chunkChars);
      index++;
    }
    ObjectNode md = MAPPER.createObjectNode().put("type", "message_delta");
    ObjectNode delta = md.putObject("delta");
    delta.set("stop_reason", message.path("stop_reason").isMissingNode() ? null : message.get("stop_reason"));
    delta.set("stop_sequence", message.path("stop_sequence").isMissingNode() ? null : message.get("stop_sequence"));
    md.putObject("usage").put("output_tokens", message.path("usage").path("output_tokens").asLong());
    event(out, "message_delta", md);
    event(out, "message_stop", MAPPER.createObjectNode().put("type", "message_stop"));
    return out.toString();
  }

  /** The message as {@code message_start} carries it: no content, no stop yet, one output token. */
  private static ObjectNode start(JsonNode message) {
    ObjectNode start = message.deepCopy();
    start.putArray("content");
    start.putNull("stop_reason");
    start.putNull("stop_sequence");
    ObjectNode usage = start.putObject("usage");
    for (Iterator<Map.Entry<String, JsonNode>> it = message.path("usage").fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      usage.set(e.getKey(), e.getValue());
    }
    usage.put("output_tokens", 1);
    return start;
  }

  private static void block(StringBuilder out, int index, JsonNode block, int chunk) {
    String type = block.path("type").asText("");
    ObjectNode empty = block.deepCopy();
    switch (type) {
      case "text" -> empty.put("text", "");
      case "thinking" -> {
        empty.put("thinking", "");
        empty.put("signature", "");
      }
      case "tool_use", "server_tool_use" -> empty.putObject("input");
      default -> { } // starts whole
    }
    ObjectNode cbs = MAPPER.createObjectNode().put("type", "content_block_start").put("index", index);
    cbs.set("content_block", empty);
    event(out, "content_block_start", cbs);
    if (index == 0) {
      event(out, "ping", MAPPER.createObjectNode().put("type", "ping"));
    }
    switch (type) {
      case "text" -> deltas(out, index, "text_delta", "text", block.path("text").asText(""), chunk);
      case "thinking" -> {
        deltas(out, index, "thinking_delta", "thinking", block.path("thinking").asText(""), chunk);
        delta(out, index, "signature_delta", "signature", block.path("signature").asText(""));
      }
      case "tool_use", "server_tool_use" -> {
        JsonNode input = block.path("input");
        deltas(out, index, "input_json_delta", "partial_json", input.isMissingNode() ? "{}" : input.toString(), chunk);
      }
      default -> { }
    }
    event(out, "content_block_stop", MAPPER.createObjectNode().put("type", "content_block_stop").put("index", index));
  }

  private static void deltas(StringBuilder out, int index, String type, String field, String text, int chunk) {
    for (int i = 0; i < text.length(); i += chunk) {
      int end = Math.min(text.length(), i + chunk);
      if (end < text.length() && Character.isHighSurrogate(text.charAt(end - 1))) {
        end++; // never split a surrogate pair
      }
      delta(out, index, type, field, text.substring(i, end));
      i = end - chunk;
    }
  }

  private static void delta(StringBuilder out, int index, String type, String field, String value) {
    ObjectNode d = MAPPER.createObjectNode().put("type", "content_block_delta").put("index", index);
    d.putObject("delta").put("type", type).put(field, value);
    event(out, "content_block_delta", d);
  }

  private static void event(StringBuilder out, String name, JsonNode data) {
    out.append("event: ").append(name).append('\n').append("data: ").append(data).append("\n\n");
  }
}
