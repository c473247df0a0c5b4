package dev.promptq.worker.consume;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

class AtLeastOnceCommitterTest extends CommitterContract {
  private final MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest");

  @Override
  Committer committer(RefusingProducer producer) {
    consumer.assign(List.of(JOBS));
    return new AtLeastOnceCommitter(producer, consumer, CommitterContract::gone);
  }

  @Override
  List<ProducerRecord<byte[], byte[]>> visible(RefusingProducer producer) {
    return producer.history();
  }

  @Override
  Map<TopicPartition, OffsetAndMetadata> committedOffsets(RefusingProducer producer) {
    Map<TopicPartition, OffsetAndMetadata> c = consumer.committed(java.util.Set.of(JOBS));
    Map<TopicPartition, OffsetAndMetadata> out = new HashMap<>();
    c.forEach((tp, o) -> {
      if (o != null) {
        out.put(tp, o);
      }
    });
    return out;
  }
}
