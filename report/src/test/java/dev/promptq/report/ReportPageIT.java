package dev.promptq.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.promptq.usage.PriceTable;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The HTML report in a real browser (Debian's headless Chromium): the page renders from a file
 * without a server or the internet, and every chart is drawn: each series' colour covers far more
 * of the screenshot than its legend square could. The screenshot is kept in
 * {@code target/report/report.png}.
 */
class ReportPageIT {
  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  /** A legend square is 14 x 14 pixels; a drawn series covers several times that. */
  private static final int DRAWN = 4 * 14 * 14;

  @Test
  void aBrowserDrawsEveryChartOfTheReport() throws Exception {
    Assumptions.assumeTrue(Files.isExecutable(CHROMIUM), "no " + CHROMIUM + " (Debian package chromium; .ci/run "
        + "installs it where it can): the browser test of the HTML report is skipped");
    GeneratedMonth month = new GeneratedMonth(30, 200, 11);
    Ledger ledger = new Ledger(PriceTable.defaults(), Grouping.DAY, GeneratedMonth.START,
        Instant.parse("2026-12-01T00:00:00Z"));
    month.records.forEach(ledger::add);
    UsageReport report = ledger.report(new Plan(200.0, 5), Instant.parse("2026-12-01T00:00:00Z"));
    Path dir = Files.createDirectories(Path.of("target", "report"));
    Path html = dir.resolve("report.html").toAbsolutePath();
    Files.writeString(html, ReportHtml.of(report, "promptq.usage"), StandardCharsets.UTF_8);
    Path png = dir.resolve("report.png").toAbsolutePath();
    Files.deleteIfExists(png);

    List<String> command = new ArrayList<>(List.of(CHROMIUM.toString(), "--headless", "--no-sandbox", "--disable-gpu",
        "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--hide-scrollbars", "--user-data-dir=" + Files.createTempDirectory("chromium"),
        "--window-size=1000,2300", "--screenshot=" + png, html.toUri().toString()));
    Process p = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(dir.resolve("chromium.log").toFile()).start();
    assertTrue(p.waitFor(90, TimeUnit.SECONDS), "chromium did not finish in 90 s");
    assertEquals(0, p.exitValue(), log(dir));
    BufferedImage image = ImageIO.read(png.toFile());
    assertEquals(1000, image.getWidth());

    Map<Integer, Integer> pixels = new HashMap<>();
    for (int y = 0; y < image.getHeight(); y++) {
      for (int x = 0; x < image.getWidth(); x++) {
        pixels.merge(image.getRGB(x, y) & 0xffffff, 1, Integer::sum);
      }
    }
    Map<String, String> series = Map.of(
        "daily subscription bars", ReportHtml.SUBSCRIPTION,
        "daily API bars", ReportHtml.API,
        "cumulative value line", ReportHtml.CUMULATIVE,
        "plan's price line", ReportHtml.PLAN,
        "5h window line", ReportHtml.WINDOWS[0],
        "7d window line", ReportHtml.WINDOWS[1],
        "top batches", ReportHtml.BATCHES);
    series.forEach((name, color) -> {
      int n = pixels.getOrDefault(Integer.parseInt(color.substring(1), 16), 0);
      assertTrue(n >= DRAWN, name + " (" + color + "): " + n + " pixels in the screenshot " + png);
    });
  }

  private static String log(Path dir) {
    try {
      return Files.readString(dir.resolve("chromium.log"));
    } catch (IOException e) {
      return e.toString();
    }
  }
}
