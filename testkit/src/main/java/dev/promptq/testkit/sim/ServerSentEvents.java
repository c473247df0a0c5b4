package dev.promptq.testkit.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.promptq.job.JobCodec;

/**
 * A Messages answer as the real API streams it: {@code message_start} (the message without
 * content, input usage), per content block {@code content_block_start}, {@code ping} (after the
 * first), {@code content_block_delta}s ({@code text_delta}), {@code content_block_stop}, then
 * {@code message_delta} (stop reason, output usage) and {@code message_stop}.
 */
final class ServerSentEvents {
  /** Characters per {@code text_delta}: several deltas per answer, as a client meets them. */
  private static final int DELTA_CHARS = 16;
  private static final ObjectMapper MAPPER = JobCodec.newMapper();

  private ServerSentEvents() {}

  static String of(JsonNode message) {
    StringBuilder out = new StringBuilder();
    ObjectNode start = message.deepCopy();
    start.putArray("content");
    start.putNull("stop_reason");
    start.putNull("stop_sequence");
    ObjectNode startUsage = start.putObject("usage");
    JsonNode usage = message.path("usage");
    usage.fields().forEachRemaining(e -> startUsage.set(e.getKey(), e.getValue()));
    startUsage.put("output_tokens", 1);
    ObjectNode ms = MAPPER.createObjectNode().put("type", "message_start");
    ms.set("message", start);
    event(out, "message_start", ms);
    int index = 0;
    for (JsonNode block : message.path("content")) {
      ObjectNode cbs = MAPPER.createObjectNode().put("type", "content_block_start").put("index", index);
      cbs.putObject("content_block").put("type", "text").put("text", "");
      event(out, "content_block_start", cbs);
      if (index == 0) {
        event(out, "ping", MAPPER.createObjectNode().put("type", "ping"));
      }
      String text = block.path("text").asText("");
      for (int i = 0; i < text.length(); i += DELTA_CHARS) {
        ObjectNode d = MAPPER.createObjectNode().put("type", "content_block_delta").put("index", index);
        d.putObject("delta").put("type", "text_delta").put("text", text.substring(i, Math.min(text.length(), i + DELTA_CHARS)));
        event(out, "content_block_delta", d);
      }
      event(out, "content_block_stop", MAPPER.createObjectNode().put("type", "content_block_stop").put("index", index));
      index++;
    }
    ObjectNode md = MAPPER.createObjectNode().put("type", "message_delta");
    md.putObject("delta").put("stop_reason", message.path("stop_reason").asText("end_turn")).putNull("stop_sequence");
    md.putObject("usage").put("output_tokens", usage.path("output_tokens").asLong());
    event(out, "message_delta", md);
    event(out, "message_stop", MAPPER.createObjectNode().put("type", "message_stop"));
    return out.toString();
  }

  private static void event(StringBuilder out, String name, JsonNode data) {
    out.append("event: ").append(name).append('\n').append("data: ").append(data).append("\n\n");
  }
}
