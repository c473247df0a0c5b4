package dev.promptq.job;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;

/**
 * Reads and writes jobs and results as JSON.
 *
 * <p>Job parsing never throws on bad input: it returns {@link Decoded.Invalid} with a reason a
 * human can act on, which the worker puts on the dead-letter topic. Thread-safe.
 */
public final class JobCodec {

  /** Fields a job record may have; anything else is rejected so that typos do not pass silently. */
  static final List<String> JOB_FIELDS = List.of("id", "request", "route", "reply_to", "deadline", "metadata", "batch",
      "betas", "endpoint");

  /**
   * What a job record may be, at most. Immutable.
   *
   * @param maxJobBytes the record value's size ({@code job.max.bytes}, 512 KiB: well under the
   *     broker's default 1 MB message limit)
   * @param maxDepth nesting of objects and arrays ({@code job.max.depth}, 64)
   * @param maxMetadataBytes the {@code metadata} field, as JSON ({@code job.metadata.max.bytes}, 16 KiB)
   */
  public record Limits(int maxJobBytes, int maxDepth, int maxMetadataBytes) {
    public Limits {
      if (maxJobBytes < 1 || maxDepth < 4 || maxMetadataBytes < 0) {
        throw new IllegalArgumentException("job limits: job.max.bytes >= 1, job.max.depth >= 4, "
            + "job.metadata.max.bytes >= 0");
      }
    }

    public static Limits defaults() {
      return new Limits(512 * 1024, 64, 16 * 1024);
    }
  }

  private final ObjectMapper mapper;
  /** Results come from workers, not from anyone who can write a job: only the generic limits. */
  private final ObjectMapper resultMapper = newMapper();
  private final Limits limits;

  /** A codec with {@link Limits#defaults()}. */
  public JobCodec() {
    this(Limits.defaults());
  }

  public JobCodec(Limits limits) {
    this.limits = limits;
    this.mapper = newMapper(limits.maxDepth(), limits.maxJobBytes());
  }

  /** A mapper with the limits promptq applies to every JSON it reads. */
  public static ObjectMapper newMapper() {
    return newMapper(200, 20_000_000);
  }

  private static ObjectMapper newMapper(int maxDepth, int maxStringLength) {
    JsonMapper mapper = JsonMapper.builder()
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
        .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
        .build();
    mapper.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
        .maxNestingDepth(maxDepth)
        .maxStringLength(maxStringLength)
        .maxNumberLength(100)
        .build());
    return mapper;
  }


  public ObjectMapper mapper() {
    return mapper;
  }

  /** The outcome of reading one job record. */
  public sealed interface Decoded {
    /** A well-formed job. */
    record Valid(Job job) implements Decoded {}

    /**
     * A record that is not a job.
     *
     * @param reason what is wrong, for the dead-letter record
     * @param id the record's {@code id} when it could be read, else null (for a best-effort reply)
     */
    record Invalid(String reason, String id) implements Decoded {}
  }

  /** Reads a job from a record value. Never throws on bad input. */
  public Decoded decodeJob(byte[] value) {
    if (value == null) {
      return new Decoded.Invalid("empty record (null value)", null);
    }
    if (value.length > limits.maxJobBytes()) {
      return new Decoded.Invalid("record of " + value.length + " bytes exceeds job.max.bytes ("
          + limits.maxJobBytes() + ")", null);
    }
    String text;
    try {
      text = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(java.nio.ByteBuffer.wrap(value))
          .toString();
    } catch (CharacterCodingException e) {
      return new Decoded.Invalid("record value is not UTF-8", null);
    }
    JsonNode root;
    try {
      root = mapper.readTree(text);
    } catch (JsonProcessingException e) {
      return new Decoded.Invalid("invalid JSON: " + jsonProblem(e), null);
    }
    if (root == null || root.isMissingNode()) {
      return new Decoded.Invalid("empty record", null);
    }
    if (!root.isObject()) {
      return new Decoded.Invalid("a job must be a JSON object, got " + kind(root), null);
    }
    return decodeJobNode((ObjectNode) root);
  }

  /** Reads a job from a parsed JSON object. Never throws on bad input. */
  public Decoded decodeJobNode(ObjectNode root) {
    JsonNode idNode = root.get("id");
    if (idNode == null || idNode.isNull()) {
      return new Decoded.Invalid("missing field: id", null);
    }
    if (!idNode.isTextual()) {
      return new Decoded.Invalid("id must be a string, got " + kind(idNode), null);
    }
    String id = idNode.textValue();
    if (!Job.ID_PATTERN.matcher(id).matches()) {
      return new Decoded.Invalid("invalid id (must be 1-64 of [A-Za-z0-9_-]): " + abbreviate(id), null);
    }
    Iterator<String> names = root.fieldNames();
    while (names.hasNext()) {
      String name = names.next();
      if (!JOB_FIELDS.contains(name)) {
        return new Decoded.Invalid("unknown field: " + abbreviate(name) + " (allowed: " + String.join(", ", JOB_FIELDS)
            + ")", id);
      }
    }
    JsonNode request = root.get("request");
    if (request == null || request.isNull()) {
      return new Decoded.Invalid("missing field: request", id);
    }
    if (!request.isObject()) {
      return new Decoded.Invalid("request must be a JSON object (a Messages API body), got " + kind(request), id);
    }
    RoutePolicy policy = RoutePolicy.SUBSCRIPTION_FIRST;
    JsonNode route = root.get("route");
    if (route != null && !route.isNull()) {
      if (!route.isTextual()) {
        return new Decoded.Invalid("route must be a string, got " + kind(route), id);
      }
      try {
        policy = RoutePolicy.fromWireName(route.textValue());
      } catch (IllegalArgumentException e) {
        return new Decoded.Invalid(abbreviate(e.getMessage()), id);
      }
    }
    String replyTo = null;
    JsonNode replyNode = root.get("reply_to");
    if (replyNode != null && !replyNode.isNull()) {
      if (!replyNode.isTextual() || !TopicNames.isLegal(replyNode.textValue())) {
        return new Decoded.Invalid("reply_to must be a legal topic name, got " + abbreviate(replyNode.toString()), id);
      }
      replyTo = replyNode.textValue();
    }
    Instant deadline = null;
    JsonNode deadlineNode = root.get("deadline");
    if (deadlineNode != null && !deadlineNode.isNull()) {
      if (!deadlineNode.isTextual()) {
        return new Decoded.Invalid("deadline must be an ISO-8601 instant string, got " + kind(deadlineNode), id);
      }
      try {
        deadline = Instant.parse(deadlineNode.textValue());
      } catch (DateTimeParseException e) {
        return new Decoded.Invalid("deadline is not an ISO-8601 instant: " + abbreviate(deadlineNode.textValue()), id);
      }
    }
    JsonNode metadata = root.get("metadata");
    if (metadata != null && metadata.isNull()) {
      metadata = null;
    }
    if (metadata != null) {
      int size = bytes(metadata).length;
      if (size > limits.maxMetadataBytes()) {
        return new Decoded.Invalid("metadata of " + size + " bytes exceeds job.metadata.max.bytes ("
            + limits.maxMetadataBytes() + ")", id);
      }
    }
    String batch = null;
    JsonNode batchNode = root.get("batch");
    if (batchNode != null && !batchNode.isNull()) {
      if (!batchNode.isTextual() || !Job.ID_PATTERN.matcher(batchNode.textValue()).matches()) {
        return new Decoded.Invalid("batch must be 1-64 of [A-Za-z0-9_-], got " + abbreviate(batchNode.toString()), id);
      }
      batch = batchNode.textValue();
    }
    List<String> betas = new ArrayList<>();
    JsonNode betasNode = root.get("betas");
    if (betasNode != null && !betasNode.isNull()) {
      if (!betasNode.isArray()) {
        return new Decoded.Invalid("betas must be an array of strings, got " + kind(betasNode), id);
      }
      for (JsonNode b : betasNode) {
        betas.add(b.isTextual() ? b.textValue() : null);
      }
      Optional<String> problem = Job.betaProblem(betas);
      if (problem.isPresent()) {
        return new Decoded.Invalid("betas: " + problem.get(), id);
      }
    }
    Endpoint endpoint = Endpoint.MESSAGES;
    JsonNode endpointNode = root.get("endpoint");
    if (endpointNode != null && !endpointNode.isNull()) {
      try {
        endpoint = Endpoint.fromWireName(endpointNode.isTextual() ? endpointNode.textValue() : endpointNode.toString());
      } catch (IllegalArgumentException e) {
        return new Decoded.Invalid(e.getMessage(), id);
      }
    }
    Optional<String> shape = RequestShape.problem(request, endpoint);
    if (shape.isPresent()) {
      return new Decoded.Invalid(shape.get(), id);
    }
    return new Decoded.Valid(new Job(id, (ObjectNode) request, policy, replyTo, deadline, metadata, batch, betas,
        endpoint));
  }

  /** Writes a job as a record value. */
  public byte[] encodeJob(Job job) {
    return bytes(jobToNode(job));
  }

  public ObjectNode jobToNode(Job job) {
    ObjectNode node = mapper.createObjectNode();
    node.put("id", job.id());
    node.set("request", job.request());
    node.put("route", job.route().wireName());
    if (job.replyTo() != null) {
      node.put("reply_to", job.replyTo());
    }
    if (job.deadline() != null) {
      node.put("deadline", job.deadline().toString());
    }
    if (job.metadata() != null) {
      node.set("metadata", job.metadata());
    }
    if (job.batch() != null) {
      node.put("batch", job.batch());
    }
    if (!job.betas().isEmpty()) {
      job.betas().forEach(node.putArray("betas")::add);
    }
    if (job.endpoint() != Endpoint.MESSAGES) {
      node.put("endpoint", job.endpoint().wireName());
    }
    return node;
  }

  /** Writes a result as a record value. */
  public byte[] encodeResult(JobResult result) {
    return bytes(resultToNode(result));
  }

  public ObjectNode resultToNode(JobResult r) {
    return ResultJson.toNode(mapper.createObjectNode(), r);
  }

  /**
   * Reads a result written by {@link #encodeResult}.
   *
   * @throws IllegalArgumentException if the bytes are not a result
   */
  public JobResult decodeResult(byte[] value) {
    JsonNode n;
    try {
      n = resultMapper.readTree(value);
    } catch (IOException e) {
      throw new IllegalArgumentException("not a result: " + e.getMessage(), e);
    }
    return ResultJson.fromNode(n);
  }

  /** Serializes any tree to compact UTF-8 JSON. */
  public byte[] bytes(JsonNode node) {
    try {
      return mapper.writeValueAsBytes(node);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Jackson's message without its source excerpt, plus the line and column. */
  static String jsonProblem(JsonProcessingException e) {
    String message = jsonProblemWithoutLocation(e);
    return e.getLocation() == null ? message
        : message + " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
  }

  /**
   * What Jackson says is wrong with a JSON text, in one line of at most 160 characters, without its
   * internals (the source excerpt and marker positions it appends).
   */
  public static String jsonProblemWithoutLocation(JsonProcessingException e) {
    String message = String.valueOf(e.getOriginalMessage()).replaceAll("\\s*\\(start marker at \\[Source:.*", "")
        .replaceAll("\\s*\\[Source:.*", "");
    message = message.replace('\n', ' ');
    return message.length() <= 160 ? message : message.substring(0, 157) + "...";
  }

  static String kind(JsonNode node) {
    return switch (node.getNodeType()) {
      case ARRAY -> "an array";
      case BOOLEAN -> "a boolean";
      case NUMBER -> "a number";
      case STRING -> "a string";
      case OBJECT -> "an object";
      case NULL -> "null";
      default -> node.getNodeType().name().toLowerCase();
    };
  }

  static String abbreviate(String s) {
    return s.length() <= 80 ? s : s.substring(0, 77) + "...";
  }
}
