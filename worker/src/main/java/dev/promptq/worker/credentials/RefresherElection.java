package dev.promptq.worker.credentials;

import dev.promptq.kafka.ConsumerThread;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Elects the group's credentials refresher through Kafka: every worker that can refresh joins a
 * consumer group of its own on the one-partition control topic; the member that is assigned the
 * partition holds the role. Kafka's group coordinator gives the partition to one member at a time
 * and moves it only when that member leaves or stops heartbeating (its session timeout): the
 * assignment is cooperative and sticky, so members joining or coming back do not take it; the fixed
 * {@code transactional.id} of {@link Refresher} fences a member that was removed while stalled.
 *
 * <p>The partition is paused at once: the election reads nothing and commits nothing. Owns the
 * thread {@code promptq-election-<worker>} and its consumer; {@link #close()} stops the refresher,
 * then leaves the group, which hands the role to another member at once.
 */
public final class RefresherElection implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RefresherElection.class);

  private final Consumer<byte[], byte[]> consumer;
  private final String topic;
  private final Refresher refresher;
  private final ConsumerThread thread;

  /**
   * @param consumer a consumer whose {@code group.id} is the refresher group of this worker group
   */
  public RefresherElection(Consumer<byte[], byte[]> consumer, String topic, Refresher refresher, String workerId) {
    this.consumer = consumer;
    this.topic = topic;
    this.refresher = refresher;
    this.thread = new ConsumerThread("promptq-election-" + workerId, consumer, this::run);
  }

  public RefresherElection start() {
    thread.start();
    return this;
  }

  private void run() {
    try {
      consumer.subscribe(List.of(topic), new ConsumerRebalanceListener() {
        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
          if (!partitions.isEmpty()) {
            consumer.pause(partitions);
            refresher.becomeLeader();
          }
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
          if (!partitions.isEmpty()) {
            refresher.stepDown();
          }
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
          if (!partitions.isEmpty()) {
            refresher.stepDown();
          }
        }
      });
      long backoffMs = 100;
      while (thread.running()) {
        try {
          consumer.poll(Duration.ofSeconds(1));
          backoffMs = 100;
        } catch (WakeupException e) {
          // closing: the loop condition decides
        } catch (RuntimeException e) {
          // A failed poll (a broker away, a time-out) must not end the election for good: give the
          // role up (the group may elect another member meanwhile) and poll again after a backoff.
          log.warn("refresher election: {}; polling again in {} ms", e.toString(), backoffMs);
          refresher.stepDown();
          if (thread.stoppedWithin(backoffMs)) {
            break;
          }
          backoffMs = Math.min(30_000, backoffMs * 2);
        }
      }
    } catch (WakeupException e) {
      // closing
    } catch (RuntimeException e) {
      if (thread.running()) {
        log.error("refresher election could not join its group: {}", e.toString(), e);
        refresher.stepDown();
      }
    }
  }

  /**
   * Stops the refresher first (a refresh under way ends and its pair is published), and only then
   * leaves the election, so the member that takes the role over never overlaps this one.
   */
  @Override
  public void close() {
    if (!thread.running()) {
      return;
    }
    refresher.close();
    thread.close();
    refresher.stepDown();
  }
}
