#include "util/metrics.h"

#include <cstdio>
#include <sstream>

namespace gridrelay {
namespace {

// Latency buckets (seconds): from 100 µs (an ack with group commit) to 10 s.
const double kBuckets[] = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                           0.05,   0.1,     0.25,   0.5,   1,      2.5,   5,     10};

const std::map<std::string, std::string>& Help() {
  static const std::map<std::string, std::string> help = {
      {metric::kReceived, "Messages committed to the inbox, by channel."},
      {metric::kDuplicates, "Re-deliveries of an already committed message (answered 200, not processed again)."},
      {metric::kRejected, "Webhook requests refused, by channel and reason."},
      {metric::kClassified, "Messages classified, by category."},
      {metric::kTriage, "Messages from groups that map to no grid, put in triage."},
      {metric::kTicketsCreated, "Tickets opened, by category."},
      {metric::kDeliveryAttempts, "Outbound send attempts, by channel."},
      {metric::kDeliveryFailures, "Failed outbound send attempts, by channel and whether they will be retried."},
      {metric::kDeliveryDead, "Outbound messages moved to dead letter, by channel."},
      {metric::kDeliveryDeferred, "Sends postponed by a rate limit, by channel."},
      {metric::kReloads, "Configuration reloads, by result."},
      {metric::kIngestLatency, "Time from a webhook request's arrival to its acknowledgement."},
      {metric::kEndToEndLatency, "Time from a message's commit to its routing (ticket created or not)."},
  };
  return help;
}

std::string FormatValue(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.15g", v);
  return buf;
}

std::string EscapeLabel(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

}  // namespace

Metrics::Metrics() = default;

std::string Metrics::Key(const Labels& labels) {
  std::string key;
  for (const auto& [k, v] : labels) {
    if (!key.empty()) key += ',';
    key += k + "=\"" + EscapeLabel(v) + "\"";
  }
  return key;
}

void Metrics::Inc(const std::string& name, const Labels& labels, double by) {
  std::string key = Key(labels);
  std::lock_guard lock(mu_);
  counters_[name][key] += by;
}

void Metrics::Observe(const std::string& name, double seconds, const Labels& labels) {
  std::string key = Key(labels);
  std::lock_guard lock(mu_);
  Histogram& h = histograms_[name][key];
  if (h.buckets.empty()) h.buckets.assign(std::size(kBuckets), 0);
  for (size_t i = 0; i < std::size(kBuckets); ++i) {
    if (seconds <= kBuckets[i]) {
      h.buckets[i]++;
      break;
    }
  }
  h.count++;
  h.sum += seconds;
}

double Metrics::Counter(const std::string& name, const Labels& labels) const {
  std::lock_guard lock(mu_);
  auto it = counters_.find(name);
  if (it == counters_.end()) return 0;
  auto v = it->second.find(Key(labels));
  return v == it->second.end() ? 0 : v->second;
}

uint64_t Metrics::HistogramCount(const std::string& name, const Labels& labels) const {
  std::lock_guard lock(mu_);
  auto it = histograms_.find(name);
  if (it == histograms_.end()) return 0;
  auto v = it->second.find(Key(labels));
  return v == it->second.end() ? 0 : v->second.count;
}

std::string Metrics::Render(const std::vector<Gauge>& gauges) const {
  std::ostringstream out;
  auto header = [&](const std::string& name, const char* type) {
    auto h = Help().find(name);
    if (h != Help().end()) out << "# HELP " << name << ' ' << h->second << '\n';
    out << "# TYPE " << name << ' ' << type << '\n';
  };
  auto series = [](const std::string& name, const std::string& labels) {
    return labels.empty() ? name : name + "{" + labels + "}";
  };
  {
    std::lock_guard lock(mu_);
    for (const auto& [name, values] : counters_) {
      header(name, "counter");
      for (const auto& [labels, v] : values) out << series(name, labels) << ' ' << FormatValue(v) << '\n';
    }
    for (const auto& [name, values] : histograms_) {
      header(name, "histogram");
      for (const auto& [labels, h] : values) {
        uint64_t cumulative = 0;
        std::string sep = labels.empty() ? "" : ",";
        for (size_t i = 0; i < std::size(kBuckets); ++i) {
          cumulative += h.buckets[i];
          out << name << "_bucket{" << labels << sep << "le=\"" << FormatValue(kBuckets[i]) << "\"} " << cumulative
              << '\n';
        }
        out << name << "_bucket{" << labels << sep << "le=\"+Inf\"} " << h.count << '\n';
        out << series(name + "_sum", labels) << ' ' << FormatValue(h.sum) << '\n';
        out << series(name + "_count", labels) << ' ' << h.count << '\n';
      }
    }
  }
  for (const Gauge& g : gauges) {
    out << "# HELP " << g.name << ' ' << g.help << '\n' << "# TYPE " << g.name << " gauge\n";
    for (const auto& [k, v] : g.values)
      out << g.name << '{' << g.label << "=\"" << EscapeLabel(k) << "\"} " << v << '\n';
  }
  return out.str();
}

}  // namespace gridrelay
