package dev.promptq.producer.batch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class BatchFileTest {
  private static final String GOOD = "{\"custom_id\":\"a-1\",\"params\":{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}}";

  @TempDir
  Path dir;

  @Test
  void readsEveryRequestWithItsLineNumberSkippingBlankLines() throws Exception {
    Path f = dir.resolve("in.jsonl");
    Files.writeString(f, GOOD + "\n\n" + GOOD.replace("a-1", "a-2") + "\n");

    List<BatchRequest> requests = BatchFile.read(f);

    assertEquals(List.of("a-1", "a-2"), requests.stream().map(BatchRequest::customId).toList());
    assertEquals(List.of(1, 3), requests.stream().map(BatchRequest::line).toList());
    assertEquals("m", requests.get(0).params().path("model").asText());
  }

  @ParameterizedTest(name = "{1}")
  @CsvSource(delimiter = '|', value = {
      "{oops                                     | 2: not valid JSON",
      "[1]                                       | 2: expected a JSON object",
      "{\"params\":{}}                           | 2: missing custom_id",
      "{\"custom_id\":\"b\"}                     | 2: missing params",
      "{\"custom_id\":\"b\",\"params\":\"x\"}    | 2: missing params",
      "{\"custom_id\":\"has space\",\"params\":{}} | 2: custom_id must be 1-64 of [A-Za-z0-9_-]: has space",
      "{\"custom_id\":\"a-1\",\"params\":{}}     | 2: duplicate custom_id: a-1",
      "{\"custom_id\":\"b\",\"params\":{\"model\":\"m\"}} | 2: params: max_tokens must be a positive integer",
  })
  void aBadLineIsNamedByFileAndLineNumber(String secondLine, String expected) throws Exception {
    Path f = dir.resolve("in.jsonl");
    Files.writeString(f, GOOD + "\n" + secondLine.strip() + "\n");

    BatchFileException e = assertThrows(BatchFileException.class, () -> BatchFile.read(f));

    assertEquals(true, e.getMessage().startsWith(f + ":" + expected.strip()), e.getMessage());
  }

  @Test
  void aMissingFileIsNamed() {
    BatchFileException e = assertThrows(BatchFileException.class, () -> BatchFile.read(dir.resolve("nope.jsonl")));
    assertEquals(true, e.getMessage().startsWith(dir.resolve("nope.jsonl") + ": cannot read"));
  }

  @Test
  void malformedJsonIsNamedByLineAndColumnWithoutTheParsersInternals() throws Exception {
    Path f = dir.resolve("in.jsonl");
    Files.writeString(f, GOOD + "\n{\"custom_id\":\"b\",\"params\":{\"model\":\"m\"\n");
    BatchFileException e = org.junit.jupiter.api.Assertions.assertThrows(BatchFileException.class, () -> BatchFile.read(f));
    org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().startsWith(f + ":2: not valid JSON at column "),
        e.getMessage());
    org.junit.jupiter.api.Assertions.assertFalse(e.getMessage().contains("Source:") || e.getMessage().contains("REDACTED")
        || e.getMessage().contains("StreamReadFeature"), e.getMessage());
  }
}
