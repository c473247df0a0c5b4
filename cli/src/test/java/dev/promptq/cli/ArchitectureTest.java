package dev.promptq.cli;

import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The architecture's rules, checked on every build (docs/ARCHITECTURE.md, "Rooms and doors"): no
 * package cycles, no class over 350 lines, and no public type that no other module uses except the
 * documented entry points. Reads every module's compiled classes, so it runs in the module built
 * last.
 */
class ArchitectureTest {
  /** The modules, in build order; each one's classes lie in {@code <module>/target/classes}. */
  private static final List<String> MODULES = List.of("common", "testkit", "producer", "worker", "gateway", "report", "bench", "cli");

  /** Public although no other module uses them: what a user or a tool starts from (ARCHITECTURE.md). */
  private static final Set<String> ENTRY_POINTS = Set.of(
      // the ./promptq command's main class
      "dev.promptq.cli.PromptQ",
      // a batch file's lines: the cli uses them only as List<BatchRequest>, which bytecode does not show
      "dev.promptq.producer.batch.BatchRequest",
      // the simulator's custom answers: other modules' tests pass lambdas, which bytecode does not show as a use
      "dev.promptq.testkit.sim.Responder",
      // the failure table's first half: the Claude Code transport's tests check its answers against it
      "dev.promptq.worker.routing.AnswerClassifier",
      "dev.promptq.worker.routing.Verdict");

  private static final int MAX_LINES = 350;

  private static Path root;
  private static JavaClasses main;
  private static JavaClasses all;

  @BeforeAll
  static void importModules() {
    root = Path.of("").toAbsolutePath().getParent();
    List<Path> mainDirs = MODULES.stream().map(m -> root.resolve(m).resolve("target/classes")).toList();
    List<Path> testDirs = MODULES.stream().map(m -> root.resolve(m).resolve("target/test-classes"))
        .filter(Files::isDirectory).toList();
    for (Path d : mainDirs) {
      assertTrue(Files.isDirectory(d), d + " is missing: build every module first (./mvnw verify from the root)");
    }
    ClassFileImporter importer = new ClassFileImporter();
    main = importer.importPaths(mainDirs);
    all = importer.importPaths(Stream.concat(mainDirs.stream(), testDirs.stream()).toList());
  }

  @Test
  void noPackageDependsOnItselfThroughAnother() {
    slices().matching("dev.promptq.(**)").should().beFreeOfCycles().check(main);
  }

  @Test
  void noClassInMainSourcesIsLongerThan350Lines() throws IOException {
    Map<String, Long> tooLong = new TreeMap<>();
    for (String m : MODULES) {
      Path src = root.resolve(m).resolve("src/main/java");
      try (Stream<Path> files = Files.walk(src)) {
        for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
          long lines = lines(f);
          if (lines > MAX_LINES) {
            tooLong.put(root.relativize(f).toString(), lines);
          }
        }
      }
    }
    assertEquals(Map.of(), tooLong, "classes over " + MAX_LINES + " lines: split them by concern");
  }

  /**
   * Package-private by default: a public type is a door of its package, so some code outside the
   * package uses it: another module (main or test code), or the main code of another package of
   * its own module. A type only its own package (and tests) use is package-private.
   */
  @Test
  void aPublicTypeIsUsedOutsideItsPackageOrIsADocumentedEntryPoint() {
    Set<String> unused = new TreeSet<>();
    for (JavaClass c : all) {
      if (!c.getModifiers().contains(JavaModifier.PUBLIC) || !c.isTopLevelClass() || !isMain(c)
          || ENTRY_POINTS.contains(c.getName())) {
        continue;
      }
      String module = moduleOf(c);
      boolean door = usersOf(c).stream().anyMatch(user -> !moduleOf(user).equals(module)
          || (isMain(user) && !user.getPackageName().equals(c.getPackageName())));
      if (!door) {
        unused.add(module + ": " + c.getName());
      }
    }
    assertEquals(Set.of(), unused, "public types nothing outside their package uses: make them package-private, "
        + "or document them as entry points");
  }

  /** The top-level classes that use {@code c} or a type nested in it. */
  private static Set<JavaClass> usersOf(JavaClass c) {
    Set<JavaClass> users = new java.util.HashSet<>();
    for (JavaClass t : all) {
      if (topLevel(t).equals(c)) {
        for (Dependency d : t.getDirectDependenciesToSelf()) {
          JavaClass user = topLevel(d.getOriginClass());
          if (!user.equals(c)) {
            users.add(user);
          }
        }
      }
    }
    return users;
  }

  private static JavaClass topLevel(JavaClass c) {
    JavaClass t = c;
    while (t.getEnclosingClass().isPresent()) {
      t = t.getEnclosingClass().get();
    }
    return t;
  }

  private static boolean isMain(JavaClass c) {
    return location(c).contains("/target/classes/");
  }

  private static String moduleOf(JavaClass c) {
    String loc = location(c);
    for (String m : MODULES) {
      if (loc.contains("/" + m + "/target/")) {
        return m;
      }
    }
    return "?";
  }

  private static String location(JavaClass c) {
    return c.getSource().map(s -> s.getUri().toString()).orElse("");
  }

  private static long lines(Path f) {
    try (Stream<String> lines = Files.lines(f)) {
      return lines.count();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
