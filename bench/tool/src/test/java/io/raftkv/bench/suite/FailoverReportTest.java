package io.raftkv.bench.suite;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FailoverReportTest {
    @Test
    void p50IsTheNearestRankMedianAndMaxTheWorst() {
        FailoverBenchmark.Report r = new FailoverBenchmark.Report(
                "raftkv",
                "raftkv 0.1",
                "t",
                "now",
                32,
                List.of(900.0, 200.0, 300.0, 250.0, 400.0),
                Map.of("UNAVAILABLE", 7L));
        assertThat(r.p50Ms()).isEqualTo(300.0);
        assertThat(r.maxMs()).isEqualTo(900.0);
        assertThat(r.toJson().getJsonArray("outageMs").size()).isEqualTo(5);
        assertThat(r.summary()).contains("p50 300.0 ms").contains("max 900.0 ms");
    }
}
