package dev.promptq.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The test's Prometheus text parser accepts the format and refuses what is not. */
class PrometheusTextTest {

  @Test
  void readsTypedFamiliesEscapedLabelsAndSpecialValues() {
    PrometheusText.Exposition e = PrometheusText.parse("""
        # HELP jobs_total Jobs.
        # TYPE jobs_total counter
        jobs_total{route="a\\"b",x="1"} 3.0
        # TYPE lat_seconds histogram
        lat_seconds_bucket{le="+Inf"} 2 1700000000000
        lat_seconds_count 2
        lat_seconds_sum NaN
        """);
    assertEquals(3.0, e.value("jobs_total", Map.of("route", "a\"b", "x", "1")));
    assertEquals(2.0, e.value("lat_seconds_count", Map.of()));
    assertEquals("histogram", e.types().get("lat_seconds"));
  }

  @Test
  void refusesWhatIsNotTheFormat() {
    assertThrows(IllegalArgumentException.class, () -> PrometheusText.parse("untyped_sample 1\n"));
    assertThrows(IllegalArgumentException.class, () -> PrometheusText.parse("# TYPE a gauge\na{b=1} 2\n"));
    assertThrows(IllegalArgumentException.class, () -> PrometheusText.parse("# TYPE a gauge\na one\n"));
    assertThrows(IllegalArgumentException.class, () -> PrometheusText.parse("# TYPE a fancy\n"));
    assertThrows(IllegalArgumentException.class, () -> PrometheusText.parse("# TYPE a gauge\na{b=\"1\",b=\"2\"} 2\n"));
  }
}
