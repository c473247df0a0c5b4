package dev.promptq.producer.batch;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.promptq.job.ApiError;
import dev.promptq.job.JobResult;
import dev.promptq.job.Outcome;
import dev.promptq.job.Route;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BatchOutputTest {
  private final ObjectMapper mapper = new ObjectMapper();

  @TempDir
  Path dir;

  private JobResult result(String id, Outcome outcome) throws Exception {
    return new JobResult(id, outcome, outcome == Outcome.SUCCEEDED ? Route.SUBSCRIPTION : null,
        outcome == Outcome.SUCCEEDED ? mapper.readTree("{\"id\":\"msg_1\",\"type\":\"message\"}") : null,
        outcome == Outcome.ERRORED ? new ApiError("invalid_request_error", "max_tokens: Field required", 400) : null,
        List.of(), null, null, "w", null, null, null);
  }

  @Test
  void writesLinesInTheMessageBatchesResultShape() throws Exception {
    Path f = dir.resolve("out.jsonl");
    try (BatchOutput out = BatchOutput.open(f)) {
      out.write("a", result("a", Outcome.SUCCEEDED));
      out.write("b", result("b", Outcome.ERRORED));
      out.write("c", result("c", Outcome.EXPIRED));
    }
    List<String> lines = Files.readAllLines(f);
    assertEquals("{\"custom_id\":\"a\",\"result\":{\"type\":\"succeeded\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\"}}}", lines.get(0));
    assertEquals("{\"custom_id\":\"b\",\"result\":{\"type\":\"errored\",\"error\":{\"type\":\"error\",\"error\":"
        + "{\"type\":\"invalid_request_error\",\"message\":\"max_tokens: Field required\"}}}}", lines.get(1));
    assertEquals("{\"custom_id\":\"c\",\"result\":{\"type\":\"expired\"}}", lines.get(2));
  }

  @Test
  void reopeningResumesAndDropsALineCutShortByACrash() throws Exception {
    Path f = dir.resolve("out.jsonl");
    try (BatchOutput out = BatchOutput.open(f)) {
      out.write("a", result("a", Outcome.SUCCEEDED));
      out.write("b", result("b", Outcome.SUCCEEDED));
    }
    Files.writeString(f, "{\"custom_id\":\"c\",\"resu", java.nio.file.StandardOpenOption.APPEND);

    try (BatchOutput out = BatchOutput.open(f)) {
      assertEquals(Set.of("a", "b"), out.answered());
      out.write("c", result("c", Outcome.SUCCEEDED));
    }
    List<String> lines = Files.readAllLines(f);
    assertEquals(3, lines.size());
    for (String line : lines) {
      mapper.readTree(line); // every line is whole JSON
    }
  }
}
