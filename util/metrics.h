// Metrics: counters and latency histograms, rendered in the Prometheus text format.
// Gauges that live elsewhere (the store's tickets, outbox and inbox counts) are read at scrape
// time and passed to Render. Domain-free: the metric names are declared here in one place,
// the values come from the rooms that count them. Thread-safe.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>


namespace gridrelay {

using Labels = std::vector<std::pair<std::string, std::string>>;

// A gauge read from elsewhere at scrape time (the store's counts): one series per value.
struct Gauge {
  std::string name;
  std::string help;
  std::string label;                      // the one label that tells the series apart
  std::map<std::string, int64_t> values;  // label value -> gauge value
};

class Metrics {
 public:
  Metrics();

  void Inc(const std::string& name, const Labels& labels = {}, double by = 1);
  // Records one observation, in seconds, in the histogram `name`.
  void Observe(const std::string& name, double seconds, const Labels& labels = {});

  // The current value of a counter (0 if never touched). For tests and the bench.
  double Counter(const std::string& name, const Labels& labels = {}) const;
  // The number of observations in a histogram.
  uint64_t HistogramCount(const std::string& name, const Labels& labels = {}) const;

  // The Prometheus text format: every counter and histogram, then `gauges`.
  std::string Render(const std::vector<Gauge>& gauges = {}) const;

 private:
  struct Histogram {
    std::vector<uint64_t> buckets;  // cumulative counts are computed at render time
    uint64_t count = 0;
    double sum = 0;
  };
  static std::string Key(const Labels& labels);

  mutable std::mutex mu_;
  std::map<std::string, std::map<std::string, double>> counters_;       // name -> labels -> value
  std::map<std::string, std::map<std::string, Histogram>> histograms_;  // name -> labels -> histogram
};

// Metric names, in one place.
namespace metric {
inline constexpr const char* kReceived = "gridrelay_messages_received_total";
inline constexpr const char* kDuplicates = "gridrelay_messages_duplicate_total";
inline constexpr const char* kRejected = "gridrelay_webhook_rejected_total";
inline constexpr const char* kClassified = "gridrelay_messages_classified_total";
inline constexpr const char* kTriage = "gridrelay_messages_triage_total";
inline constexpr const char* kTicketsCreated = "gridrelay_tickets_created_total";
inline constexpr const char* kDeliveryAttempts = "gridrelay_delivery_attempts_total";
inline constexpr const char* kDeliveryFailures = "gridrelay_delivery_failures_total";
inline constexpr const char* kDeliveryDead = "gridrelay_delivery_dead_total";
inline constexpr const char* kDeliveryDeferred = "gridrelay_delivery_rate_limited_total";
inline constexpr const char* kReloads = "gridrelay_config_reloads_total";
inline constexpr const char* kIngestLatency = "gridrelay_ingest_latency_seconds";
inline constexpr const char* kEndToEndLatency = "gridrelay_end_to_end_latency_seconds";
// A deadline counted past the last year of calendar.yaml (plain weekends only): add next year.
inline constexpr const char* kPastCalendarEnd = "gridrelay_deadlines_past_calendar_end_total";
// Tickets escalated, by the level they reached ("beyond_district" when there is none above).
inline constexpr const char* kEscalations = "gridrelay_escalations_total";
// Instant anti-fraud warnings, by outcome: group, quiet (to the grid worker), repeat (suppressed
// within the window, counted on the first).
inline constexpr const char* kWarnings = "gridrelay_warnings_total";
}  // namespace metric

}  // namespace gridrelay
