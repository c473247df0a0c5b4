package dev.promptq.worker.control;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.promptq.job.JobCodec;
import dev.promptq.job.Route;
import dev.promptq.worker.routing.RouteGates;
import dev.promptq.worker.routing.RouteNotice;
import dev.promptq.worker.spend.ApiSpend;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's side of the group's compacted control topic: publishes what this worker learns
 * (route notices, its API spend today) and applies what any member published, this one included,
 * to the {@link RouteGates} and the {@link ApiSpend}.
 *
 * <table>
 *   <tr><th>key</th><th>value</th></tr>
 *   <tr><td>{@code route/<route>}</td><td>{@code {"route","until","reason","reporter","at"}}: not to
 *       be used before {@code until}</td></tr>
 *   <tr><td>{@code spend/api/<scope>/<worker>}</td><td>{@code {"scope","worker","usd"}}: that
 *       worker's API spend in the scope ({@code day/<yyyy-mm-dd>} or {@code batch/<id>})</td></tr>
 * </table>
 * Unknown keys are skipped (the credentials of a later version live here too).
 *
 * <p>{@link #start} reads the topic to its end before returning, so a new worker knows the group's
 * state before its first call. Owns the thread {@code promptq-control-<worker>}, its consumer and
 * its producer; {@link #close()} stops them.
 */
public final class ControlChannel implements RouteNotice.Publisher, ApiSpend.Publisher, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ControlChannel.class);
  private static final String ROUTE = "route/";
  private static final String SPEND = "spend/api/";

  private final String topic;
  private final Consumer<byte[], byte[]> consumer;
  private final Producer<byte[], byte[]> producer;
  private final RouteGates gates;
  private final ApiSpend spend;
  private final ObjectMapper mapper = JobCodec.newMapper();
  private final Thread thread;
  private final CountDownLatch caughtUp = new CountDownLatch(1);
  private volatile boolean running = true;

  public ControlChannel(String topic, Consumer<byte[], byte[]> consumer, Producer<byte[], byte[]> producer,
      RouteGates gates, ApiSpend spend, String workerId) {
    this.topic = topic;
    this.consumer = consumer;
    this.producer = producer;
    this.gates = gates;
    this.spend = spend;
    this.thread = new Thread(this::readLoop, "promptq-control-" + workerId);
    this.thread.setDaemon(true);
  }

  /**
   * Starts reading and returns once everything published before now has been applied.
   *
   * @throws IllegalStateException if the topic cannot be read to its end within {@code timeout}
   */
  public void start(Duration timeout) {
    thread.start();
    try {
      if (!caughtUp.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new IllegalStateException("could not read the control topic " + topic + " within " + timeout);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while reading the control topic", e);
    }
  }

  @Override
  public void publish(RouteNotice n) {
    ObjectNode v = mapper.createObjectNode();
    v.put("route", n.route().wireName());
    v.put("until", n.until().toString());
    v.put("reason", n.reason());
    v.put("reporter", n.reporter());
    v.put("at", n.at().toString());
    send(ROUTE + n.route().wireName(), v);
  }

  @Override
  public void publish(String scope, String workerId, double usd) {
    send(SPEND + scope + "/" + workerId,
        mapper.createObjectNode().put("scope", scope).put("worker", workerId).put("usd", usd));
  }

  private void send(String key, JsonNode value) {
    try {
      producer.send(new ProducerRecord<>(topic, 0, key.getBytes(StandardCharsets.UTF_8),
          mapper.writeValueAsBytes(value)), (meta, e) -> {
            if (e != null) {
              log.warn("could not publish {} to the control topic: {}", key, e.toString());
            }
          });
    } catch (IOException | RuntimeException e) {
      log.warn("could not publish {} to the control topic: {}", key, e.toString());
    }
  }

  private void readLoop() {
    TopicPartition tp = new TopicPartition(topic, 0);
    try {
      consumer.assign(List.of(tp));
      consumer.seekToBeginning(List.of(tp));
      long end = consumer.endOffsets(List.of(tp), Duration.ofSeconds(30)).get(tp);
      while (running) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
          apply(r);
        }
        if (caughtUp.getCount() > 0 && consumer.position(tp) >= end) {
          caughtUp.countDown();
        }
      }
    } catch (WakeupException e) {
      // closing
    } catch (RuntimeException e) {
      if (running) {
        log.error("control topic reader stopped: {}", e.toString(), e);
      }
    } finally {
      consumer.close(Duration.ofSeconds(5));
    }
  }

  private void apply(ConsumerRecord<byte[], byte[]> r) {
    if (r.key() == null || r.value() == null) {
      return;
    }
    String key = new String(r.key(), StandardCharsets.UTF_8);
    try {
      JsonNode v = mapper.readTree(r.value());
      if (key.startsWith(ROUTE)) {
        RouteNotice n = new RouteNotice(Route.fromWireName(v.path("route").asText()),
            Instant.parse(v.path("until").asText()), v.path("reason").asText(), v.path("reporter").asText(),
            Instant.parse(v.path("at").asText()));
        if (gates.apply(n)) {
          log.warn("{} route held off until {} ({}, learned by worker {})", n.route().wireName(), n.until(),
              n.reason(), n.reporter());
        }
      } else if (key.startsWith(SPEND)) {
        spend.applyRemote(v.path("scope").asText(), v.path("worker").asText(), v.path("usd").asDouble());
      }
    } catch (IOException | RuntimeException e) {
      log.warn("skipping control record {}@{}: {}", key, r.offset(), e.toString());
    }
  }

  /** Stops the reader and flushes and closes the producer. */
  @Override
  public void close() {
    if (!running) {
      return;
    }
    running = false;
    consumer.wakeup();
    try {
      thread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    producer.close(Duration.ofSeconds(5));
  }

}
