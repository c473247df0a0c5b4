package dev.promptq.testkit.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.promptq.job.JobCodec;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/** The simulator's success answer when no {@link Responder} answers: a real Messages response. Thread-safe. */
final class DefaultMessage {
  private final ObjectMapper mapper = JobCodec.newMapper();
  private final AtomicLong ids;

  /** @param ids the simulator's id counter, shared with its request ids */
  DefaultMessage(AtomicLong ids) {
    this.ids = ids;
  }

  /** The default answer: a deterministic assistant message about the last user turn. */
  ObjectNode message(ObjectNode body) {
    String prompt = lastUserText(body.get("messages"));
    String text = "Simulated answer to: " + (prompt.length() > 60 ? prompt.substring(0, 60) + "..." : prompt);
    long maxTokens = body.get("max_tokens").asLong();
    long outputTokens = Math.max(1, text.length() / 4);
    String stopReason = "end_turn";
    if (outputTokens > maxTokens) {
      outputTokens = maxTokens;
      text = text.substring(0, (int) Math.min(text.length(), maxTokens * 4));
      stopReason = "max_tokens";
    }
    ObjectNode m = mapper.createObjectNode();
    m.put("id", "msg_sim_" + ids.incrementAndGet());
    m.put("type", "message");
    m.put("role", "assistant");
    m.put("model", body.get("model").asText());
    ArrayNode content = m.putArray("content");
    content.addObject().put("type", "text").put("text", text);
    m.put("stop_reason", stopReason);
    m.putNull("stop_sequence");
    ObjectNode usage = m.putObject("usage");
    usage.put("input_tokens", Math.max(1, body.get("messages").toString().length() / 4));
    usage.put("cache_creation_input_tokens", 0);
    usage.put("cache_read_input_tokens", 0);
    usage.put("output_tokens", outputTokens);
    return m;
  }

  /**
   * The prompt of a request: the last text block of its last user turn (Claude Code puts context
   * blocks before the prompt), or "".
   */
  static String lastUserText(JsonNode messages) {
    List<String> texts = lastUserTexts(messages);
    return texts.isEmpty() ? "" : texts.get(texts.size() - 1);
  }

  /** Every text block of the last user turn of a request's {@code messages}, in order. */
  static List<String> lastUserTexts(JsonNode messages) {
    for (int i = messages.size() - 1; i >= 0; i--) {
      JsonNode m = messages.get(i);
      if (m.path("role").asText().equals("user")) {
        JsonNode c = m.get("content");
        if (c.isTextual()) {
          return List.of(c.asText());
        }
        List<String> texts = new ArrayList<>();
        for (JsonNode block : c) {
          if (block.path("type").asText().equals("text")) {
            texts.add(block.path("text").asText());
          }
        }
        return texts;
      }
    }
    return List.of();
  }
}
