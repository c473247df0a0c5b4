package dev.promptq.cli;

import dev.promptq.testkit.kafka.EmbeddedKafka;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "kafka", mixinStandardHelpOptions = true,
    description = {
      "Runs a single-node Kafka broker (KRaft) on 127.0.0.1 until stopped.",
      "",
      "Apache Kafka's own server, in this process. Data stays in --data-dir, so a restart keeps jobs "
          + "and results. Several promptq processes on this machine can share it: point them at the "
          + "printed bootstrap address."
    })
final class KafkaCommand implements Callable<Integer> {

  @picocli.CommandLine.Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Option(names = "--port", defaultValue = "9092", description = "Client port (default: ${DEFAULT-VALUE}; 0 picks a free one).")
  int port;

  @Option(names = "--data-dir", defaultValue = ".promptq/kafka",
      description = "Where the broker keeps its data (default: ${DEFAULT-VALUE}).")
  Path dataDir;

  @Override
  public Integer call() throws InterruptedException {
    EmbeddedKafka kafka = EmbeddedKafka.builder().port(port).dataDir(dataDir).build().start();
    GracefulStop stop = GracefulStop.onSignals(kafka::close);
    spec.commandLine().getOut().println("Kafka ready at " + kafka.bootstrapServers() + " (data in " + kafka.dataDir() + ")");
    spec.commandLine().getOut().flush();
    stop.awaitSignalAndDone();
    return 0;
  }
}
