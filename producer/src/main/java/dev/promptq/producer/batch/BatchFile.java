package dev.promptq.producer.batch;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.promptq.job.Job;
import dev.promptq.job.JobCodec;
import dev.promptq.job.RequestShape;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Reads Message Batches request files (JSON Lines), checking every line before anything is sent. */
public final class BatchFile {
  private BatchFile() {}

  /**
   * Reads and checks every line of {@code file}. Blank lines are skipped.
   *
   * @throws BatchFileException {@code "FILE:LINE: what is wrong"} for the first bad line, or when
   *     the file cannot be read
   */
  public static List<BatchRequest> read(Path file) throws BatchFileException {
    ObjectMapper mapper = JobCodec.newMapper();
    List<BatchRequest> requests = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String text;
      int line = 0;
      while ((text = in.readLine()) != null) {
        line++;
        if (text.isBlank()) {
          continue;
        }
        String at = file + ":" + line + ": ";
        JsonNode node;
        try {
          node = mapper.readTree(text);
        } catch (JsonProcessingException e) {
          throw new BatchFileException(at + "not valid JSON" + (e.getLocation() == null ? "" : " at column "
              + e.getLocation().getColumnNr()) + ": " + JobCodec.jsonProblemWithoutLocation(e));
        }
        if (!node.isObject()) {
          throw new BatchFileException(at + "expected a JSON object {\"custom_id\", \"params\"}");
        }
        JsonNode id = node.get("custom_id");
        if (id == null || !id.isTextual()) {
          throw new BatchFileException(at + "missing custom_id (a string)");
        }
        if (!Job.ID_PATTERN.matcher(id.asText()).matches()) {
          throw new BatchFileException(at + "custom_id must be 1-64 of [A-Za-z0-9_-]: " + id.asText());
        }
        if (!seen.add(id.asText())) {
          throw new BatchFileException(at + "duplicate custom_id: " + id.asText());
        }
        JsonNode params = node.get("params");
        if (params == null || !params.isObject()) {
          throw new BatchFileException(at + "missing params (a Messages API request object)");
        }
        Optional<String> shape = RequestShape.problem(params);
        if (shape.isPresent()) {
          throw new BatchFileException(at + "params: " + shape.get().replaceFirst("^request\\.", ""));
        }
        requests.add(new BatchRequest(id.asText(), (ObjectNode) params, line));
      }
    } catch (IOException e) {
      throw new BatchFileException(file + ": cannot read (" + e.getMessage() + ")", e);
    }
    return requests;
  }
}
