#include "gateway/dispatcher.h"

#include <algorithm>
#include <chrono>

namespace gridrelay {

int64_t BackoffMicros(int attempt, const DeliveryOptions& o, double jitter01) {
  const int shift = std::clamp(attempt - 1, 0, 30);
  int64_t base_ms = o.backoff_initial_ms;
  for (int i = 0; i < shift && base_ms < o.backoff_max_ms; ++i) base_ms *= 2;
  base_ms = std::min(base_ms, o.backoff_max_ms);
  const double ms = static_cast<double>(base_ms) * (0.5 + 0.5 * std::clamp(jitter01, 0.0, 1.0));
  return static_cast<int64_t>(ms * 1000);
}

Dispatcher::Dispatcher(Store* store, const Clock* clock, Metrics* metrics, RuntimeFn runtime,
                       DeliveryOptions options, LogFn log)
    : store_(store),
      clock_(clock),
      metrics_(metrics),
      runtime_(std::move(runtime)),
      options_(options),
      log_(std::move(log)) {}

Dispatcher::~Dispatcher() { Stop(); }

std::string Dispatcher::RateKey(const Adapter& adapter, const OutboundMessage& message) {
  return message.channel + "|" + adapter.DestinationKey(message);
}

void Dispatcher::Start() {
  std::lock_guard lock(mu_);
  stopping_ = false;
  if (!threads_.empty()) return;
  std::random_device rd;
  for (int i = 0; i < options_.workers; ++i) {
    unsigned seed = rd();
    threads_.emplace_back([this, seed] { Run(seed); });
  }
}

void Dispatcher::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
  threads_.clear();
}

void Dispatcher::Wake() {
  {
    std::lock_guard lock(mu_);
    ++wakeups_;
  }
  cv_.notify_all();
}

void Dispatcher::Run(unsigned seed) {
  std::mt19937 rng(seed);
  while (true) {
    uint64_t seen;
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
      seen = wakeups_;
    }
    const int64_t now = clock_->NowMicros();
    auto leased = store_->LeaseOutbox(now, kLeaseBatch, now + int64_t{options_.lease_seconds} * 1000000);
    if (leased.ok() && !leased->empty()) {
      std::shared_ptr<const Runtime> rt = runtime_();
      std::vector<OutboxOutcome> outcomes;
      outcomes.reserve(leased->size());
      for (OutboxEntry& e : *leased) outcomes.push_back(DeliverOne(e, *rt, rng));
      // One transaction for the batch. If it fails, the leases expire and the rows are sent
      // again: at-least-once, with the same idempotency keys.
      Status s = store_->RecordOutcomes(outcomes, clock_->NowMicros());
      if (!s.ok() && log_) log_("error", "could not record delivery outcomes", {{"error", s.ToString()}});
      continue;
    }
    if (!leased.ok() && log_) log_("error", "outbox lease failed", {{"error", leased.status().ToString()}});
    // Nothing due: sleep until the next row is due, a wake-up, or a second at most.
    int64_t wait_us = 1000000;
    if (auto next = store_->NextOutboxDue(); next.ok() && next->has_value())
      wait_us = std::clamp<int64_t>(**next - clock_->NowMicros(), 1000, 1000000);
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, std::chrono::microseconds(wait_us), [&] { return stopping_ || wakeups_ != seen; });
  }
}

OutboxOutcome Dispatcher::DeliverOne(OutboxEntry& e, const Runtime& rt, std::mt19937& rng) {
  OutboundMessage& m = e.message;
  const Labels channel_label = {{"channel", m.channel}};
  const Adapter* adapter = rt.FindAdapter(m.channel);
  const int64_t now = clock_->NowMicros();
  OutboxOutcome out;
  out.id = m.id;
  out.attempts = e.attempts;
  if (!adapter) {
    out.kind = OutboxOutcome::Kind::kDead;
    out.error = "channel '" + m.channel + "' is not configured";
    metrics_->Inc(metric::kDeliveryDead, channel_label);
    return out;
  }
  // Rate limits: the destination's and the whole gateway's. A row that finds them spent
  // reserves its own slot and is put back until then; waiting is not an attempt.
  bool holds_slot = false;
  {
    std::lock_guard lock(reservations_mu_);
    auto it = reservations_.find(m.id);
    if (it != reservations_.end() && it->second <= now) {
      holds_slot = true;
      reservations_.erase(it);
    }
  }
  if (!holds_slot) {
    const std::string rate_key = e.rate_key.empty() ? RateKey(*adapter, m) : e.rate_key;
    int64_t slot = limiter_.Reserve(rate_key, adapter->DestinationRateLimit(), now);
    if (options_.global_per_second > 0)
      slot = std::max(slot, limiter_.Reserve("*", RateLimit{options_.global_per_second * 60, 1}, now));
    if (slot > now) {
      {
        std::lock_guard lock(reservations_mu_);
        reservations_[m.id] = slot;
      }
      out.kind = OutboxOutcome::Kind::kRetry;
      out.next_attempt_at = slot;
      out.error = e.last_error;
      metrics_->Inc(metric::kDeliveryDeferred, channel_label);
      return out;
    }
  }
  out.attempts = e.attempts + 1;
  m.attempt = out.attempts;
  metrics_->Inc(metric::kDeliveryAttempts, channel_label);
  Status sent = adapter->Send(m);
  if (sent.ok()) {
    out.kind = OutboxOutcome::Kind::kSent;
    return out;
  }
  out.error = sent.ToString();
  const bool retry = sent.IsTransient() && out.attempts < options_.max_attempts;
  metrics_->Inc(metric::kDeliveryFailures, {{"channel", m.channel}, {"retry", retry ? "yes" : "no"}});
  if (retry) {
    std::uniform_real_distribution<double> jitter(0.0, 1.0);
    out.kind = OutboxOutcome::Kind::kRetry;
    out.next_attempt_at = clock_->NowMicros() + BackoffMicros(out.attempts, options_, jitter(rng));
    if (log_) log_("warn", "delivery failed, will retry",
                   {{"outbox_id", m.id}, {"channel", m.channel}, {"attempt", out.attempts}, {"error", out.error}});
  } else {
    out.kind = OutboxOutcome::Kind::kDead;
    metrics_->Inc(metric::kDeliveryDead, channel_label);
    if (log_) log_("error", "delivery dead-lettered",
                   {{"outbox_id", m.id}, {"channel", m.channel}, {"attempt", out.attempts}, {"error", out.error}});
  }
  return out;
}

}  // namespace gridrelay
