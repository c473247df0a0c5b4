package dev.promptq.cli;

import dev.promptq.testkit.kafka.EmbeddedKafka;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "kafka", mixinStandardHelpOptions = true,
    description = {
      "Runs a single-node Apache Kafka broker (KRaft) on 127.0.0.1 until stopped (Ctrl-C).",
      "Data stays in --data-dir, so a restart keeps jobs and results. Several promptq processes on",
      "this machine can share it: point them at the printed bootstrap address."
    })
final class KafkaCommand implements Callable<Integer> {

  @Option(names = "--port", defaultValue = "9092", description = "Client port (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(names = "--data-dir", defaultValue = ".promptq/kafka",
      description = "Where the broker keeps its data (default: ${DEFAULT-VALUE}).")
  Path dataDir;

  @Override
  public Integer call() throws InterruptedException {
    EmbeddedKafka kafka = EmbeddedKafka.builder().port(port).dataDir(dataDir).build().start();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      kafka.close();
      stopped.countDown();
    }, "promptq-kafka-shutdown"));
    System.out.println("Kafka ready at " + kafka.bootstrapServers() + " (data in " + kafka.dataDir() + ")");
    System.out.flush();
    stopped.await();
    return 0;
  }
}
