package dev.promptq.worker.claudecli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * A Messages request as Claude Code's headless mode takes it: one user turn of text (on stdin),
 * a text system prompt (a file), the model (an argument), {@code max_tokens} and the thinking
 * budget (environment). Anything else cannot go through the CLI; {@link #from} says what.
 *
 * @param prompt the user turn's text
 * @param system the system prompt, or empty for none
 * @param model the model name
 * @param maxTokens {@code max_tokens}
 * @param thinkingBudget {@code thinking.budget_tokens}, 0 for no thinking
 */
record CliRequest(String prompt, Optional<String> system, String model, long maxTokens, long thinkingBudget) {

  /** Top-level fields the CLI path carries. */
  static final Set<String> CARRIED = Set.of("model", "messages", "max_tokens", "system", "thinking", "stream");
  /** Fields of a text block the CLI path carries ({@code cache_control} is a hint, the CLI sets its own). */
  private static final Set<String> TEXT_BLOCK_FIELDS = Set.of("type", "text", "cache_control");
  /** A model name that cannot be read as an option. */
  private static final Pattern MODEL = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:@/\\[\\]-]{0,199}");

  /** What {@link #from} found. */
  sealed interface Mapping {}

  record Expressible(CliRequest request) implements Mapping {}

  /** @param reason what in the request the CLI cannot carry, for the job's result */
  record Inexpressible(String reason) implements Mapping {}

  /** Maps a (shape-checked) Messages request, or says what in it the CLI cannot carry. */
  static Mapping from(ObjectNode request) {
    Set<String> extra = new TreeSet<>();
    for (Iterator<String> it = request.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!CARRIED.contains(f)) {
        extra.add(f);
      }
    }
    if (!extra.isEmpty()) {
      return no(String.join(", ", extra) + (extra.size() == 1 ? " is" : " are")
          + " not carried by Claude Code's headless mode");
    }
    if (request.path("stream").asBoolean(false)) {
      return no("stream: true");
    }
    String model = request.path("model").asText("");
    if (!MODEL.matcher(model).matches()) {
      return no("the model name cannot be passed to Claude Code as an argument");
    }
    JsonNode messages = request.path("messages");
    if (messages.size() != 1) {
      return no(messages.size() + " messages: Claude Code takes one user turn (no earlier turns, no prefilled "
          + "assistant turn)");
    }
    JsonNode turn = messages.get(0);
    if (!turn.path("role").asText().equals("user")) {
      return no("messages.0 is not a user turn");
    }
    Optional<String> prompt = text(turn.get("content"));
    if (prompt.isEmpty()) {
      return no(whyNotText(turn.get("content"), "messages.0.content"));
    }
    if (prompt.get().isBlank()) {
      return no("an empty prompt");
    }
    Optional<String> system = Optional.empty();
    if (request.hasNonNull("system")) {
      system = text(request.get("system"));
      if (system.isEmpty()) {
        return no(whyNotText(request.get("system"), "system"));
      }
    }
    long thinking = 0;
    JsonNode t = request.get("thinking");
    if (t != null && !t.isNull()) {
      String type = t.path("type").asText("");
      if (type.equals("enabled") && t.path("budget_tokens").canConvertToLong() && t.size() == 2) {
        thinking = t.get("budget_tokens").asLong();
      } else if (!(type.equals("disabled") && t.size() == 1)) {
        return no("thinking " + (type.isEmpty() ? t.toString() : "type " + type)
            + ": Claude Code sets a thinking budget only");
      }
    }
    return new Expressible(new CliRequest(prompt.get(), system, model, request.path("max_tokens").asLong(), thinking));
  }

  /** A string, or exactly one text block without other fields. */
  private static Optional<String> text(JsonNode content) {
    if (content == null) {
      return Optional.empty();
    }
    if (content.isTextual()) {
      return Optional.of(content.asText());
    }
    if (content.isArray() && content.size() == 1) {
      JsonNode block = content.get(0);
      if (block.path("type").asText().equals("text") && block.path("text").isTextual()) {
        for (Iterator<String> it = block.fieldNames(); it.hasNext(); ) {
          if (!TEXT_BLOCK_FIELDS.contains(it.next())) {
            return Optional.empty();
          }
        }
        return Optional.of(block.get("text").asText());
      }
    }
    return Optional.empty();
  }

  private static String whyNotText(JsonNode content, String at) {
    if (content == null || !content.isArray()) {
      return at + " is neither text nor a list of blocks";
    }
    List<String> kinds = new ArrayList<>();
    for (int i = 0; i < content.size(); i++) {
      String type = content.get(i).path("type").asText("?");
      if (!type.equals("text")) {
        kinds.add(at + "." + i + " has type " + type);
      }
    }
    if (!kinds.isEmpty()) {
      return String.join(", ", kinds) + ": Claude Code takes text only";
    }
    if (content.size() != 1) {
      return at + " has " + content.size() + " text blocks: Claude Code takes one";
    }
    return at + ".0 has fields besides type, text and cache_control";
  }

  private static Inexpressible no(String reason) {
    return new Inexpressible(reason);
  }
}
