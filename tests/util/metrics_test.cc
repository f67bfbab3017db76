// Tests for util/metrics: the Prometheus text format.
#include <doctest/doctest.h>

#include "util/metrics.h"

namespace gridrelay::testing {

TEST_SUITE("metrics") {
  TEST_CASE("counters, histograms and gauges render in the Prometheus text format") {
    Metrics m;
    m.Inc(metric::kReceived, {{"channel", "demo"}});
    m.Inc(metric::kReceived, {{"channel", "demo"}});
    m.Observe(metric::kIngestLatency, 0.0007);
    std::string text = m.Render({{"gridrelay_tickets", "Tickets by status.", "status", {{"dispatched", 3}}},
                                 {"gridrelay_outbox", "Outbox rows by status.", "status", {{"dead", 0}}}});
    CHECK(text.find("# TYPE gridrelay_messages_received_total counter") != std::string::npos);
    CHECK(text.find("gridrelay_messages_received_total{channel=\"demo\"} 2") != std::string::npos);
    CHECK(text.find("gridrelay_ingest_latency_seconds_bucket{le=\"0.001\"} 1") != std::string::npos);
    CHECK(text.find("gridrelay_ingest_latency_seconds_bucket{le=\"0.0005\"} 0") != std::string::npos);
    CHECK(text.find("gridrelay_ingest_latency_seconds_count 1") != std::string::npos);
    CHECK(text.find("gridrelay_tickets{status=\"dispatched\"} 3") != std::string::npos);
    CHECK(text.find("gridrelay_outbox{status=\"dead\"} 0") != std::string::npos);
    CHECK(m.Counter(metric::kReceived, {{"channel", "demo"}}) == 2);
  }
}

}  // namespace gridrelay::testing
