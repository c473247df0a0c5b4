package dev.promptq.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class MessageEventsTest {
  private final ObjectMapper mapper = JobCodec.newMapper();

  private JsonNode message() throws Exception {
    return mapper.readTree("""
        {"id":"msg_1","type":"message","role":"assistant","model":"claude-opus-4-6",
         "content":[
           {"type":"thinking","thinking":"Let me think about 😀 this.","signature":"sig-abc"},
           {"type":"text","text":"The weather is fine today, thank you."},
           {"type":"tool_use","id":"toolu_1","name":"get_weather","input":{"city":"Paris","days":[1,2]}}],
         "stop_reason":"tool_use","stop_sequence":null,
         "usage":{"input_tokens":12,"output_tokens":34,"cache_read_input_tokens":0}}
        """);
  }

  private List<JsonNode> events(String sse, List<String> names) throws Exception {
    List<JsonNode> data = new ArrayList<>();
    for (String block : sse.split("\n\n")) {
      String[] lines = block.split("\n");
      assertTrue(lines[0].startsWith("event: "), block);
      names.add(lines[0].substring(7));
      data.add(mapper.readTree(lines[1].substring(6)));
    }
    return data;
  }

  @Test
  void eventsFollowTheApisOrderAndRebuildEveryBlock() throws Exception {
    List<String> names = new ArrayList<>();
    List<JsonNode> data = events(MessageEvents.of(message(), 5), names);
    assertEquals("message_start", names.get(0));
    assertEquals("content_block_start", names.get(1));
    assertEquals("ping", names.get(2));
    assertEquals(List.of("message_delta", "message_stop"), names.subList(names.size() - 2, names.size()));
    assertEquals(0, data.get(0).path("message").path("content").size());
    assertEquals(12, data.get(0).path("message").path("usage").path("input_tokens").asInt());

    // rebuild the blocks from the deltas, as a client's accumulator does
    StringBuilder thinking = new StringBuilder();
    StringBuilder text = new StringBuilder();
    StringBuilder json = new StringBuilder();
    String signature = null;
    for (JsonNode d : data) {
      if (!d.path("type").asText().equals("content_block_delta")) {
        continue;
      }
      JsonNode delta = d.path("delta");
      switch (delta.path("type").asText()) {
        case "thinking_delta" -> thinking.append(delta.path("thinking").asText());
        case "signature_delta" -> signature = delta.path("signature").asText();
        case "text_delta" -> text.append(delta.path("text").asText());
        case "input_json_delta" -> json.append(delta.path("partial_json").asText());
        default -> throw new AssertionError("unexpected delta " + delta);
      }
    }
    assertEquals("Let me think about 😀 this.", thinking.toString(), "no surrogate pair is split");
    assertEquals("sig-abc", signature);
    assertEquals("The weather is fine today, thank you.", text.toString());
    assertEquals(mapper.readTree("{\"city\":\"Paris\",\"days\":[1,2]}"), mapper.readTree(json.toString()));
    JsonNode toolStart = data.stream().filter(d -> d.path("content_block").path("type").asText().equals("tool_use"))
        .findFirst().orElseThrow();
    assertEquals(0, toolStart.path("content_block").path("input").size(), "a tool block starts with empty input");
    JsonNode last = data.get(data.size() - 2);
    assertEquals("tool_use", last.path("delta").path("stop_reason").asText());
    assertEquals(34, last.path("usage").path("output_tokens").asInt());
  }

  @Test
  void aMessageWithoutContentStillStartsAndStops() throws Exception {
    List<String> names = new ArrayList<>();
    events(MessageEvents.of(mapper.readTree("{\"id\":\"m\",\"content\":[],\"stop_reason\":\"end_turn\","
        + "\"usage\":{\"input_tokens\":1,\"output_tokens\":0}}"), 16), names);
    assertEquals(List.of("message_start", "message_delta", "message_stop"), names);
  }
}
