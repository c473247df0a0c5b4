package dev.promptq.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code promptq} command: one jar, several subcommands. */
@Command(
    name = "promptq",
    mixinStandardHelpOptions = true,
    versionProvider = PromptQ.Version.class,
    description = "Claude prompt jobs through Kafka: subscription first, API key as fallback.",
    subcommands = {
      DemoCommand.class,
      KafkaCommand.class,
      SimCommand.class,
      StatusCommand.class,
      WorkerCommand.class,
      GatewayCommand.class,
      KeysCommand.class,
      BatchCommand.class,
      BenchCommand.class,
      CredentialsCommand.class,
      ReportCommand.class,
      CommandLine.HelpCommand.class
    })
public final class PromptQ implements Runnable {

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    String format = System.getenv("PROMPTQ_LOG_FORMAT");
    if (format != null && !format.equals("text") && !format.equals("json")) {
      System.err.println("promptq: PROMPTQ_LOG_FORMAT: " + format + " (expected text or json)");
      System.exit(2);
    }
    System.exit(run(args));
  }

  /** Runs the command line and returns its exit code. */
  public static int run(String... args) {
    return commandLine().execute(args);
  }

  /** The command line with promptq's error handling; tests set its out and err writers. */
  public static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new PromptQ());
    cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
      if (e instanceof UsageError || e instanceof IllegalArgumentException) {
        commandLine.getErr().println(commandLine.getCommandSpec().qualifiedName() + ": " + e.getMessage());
        return 2;
      }
      if (e instanceof BrokerCheck.Unreachable) {
        commandLine.getErr().println(commandLine.getCommandSpec().qualifiedName() + ": " + e.getMessage());
        return 1;
      }
      throw e;
    });
    cl.setParameterExceptionHandler((e, args) -> {
      CommandLine c = e.getCommandLine();
      // picocli says "Value for option option '--set' ..."; say it once
      c.getErr().println(c.getCommandSpec().qualifiedName() + ": " + String.valueOf(e.getMessage())
          .replace("option option '", "option '"));
      if (e instanceof CommandLine.UnmatchedArgumentException u && !u.getSuggestions().isEmpty()) {
        c.getErr().println("Did you mean " + String.join(" or ", u.getSuggestions()) + "?");
      }
      c.getErr().println("Try '" + c.getCommandSpec().qualifiedName() + " --help' for the options.");
      return 2;
    });
    return cl;
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** A problem with the user's input, reported as one line and exit code 2. */
  static final class UsageError extends RuntimeException {
    UsageError(String message) {
      super(message);
    }
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = PromptQ.class.getPackage().getImplementationVersion();
      return new String[] {"promptq " + (v == null ? "dev" : v)};
    }
  }
}
