#include "gateway/dispatch/dispatcher.h"

#include <algorithm>
#include <chrono>

#include "gateway/core/time_units.h"
#include "util/utf8.h"

namespace gridrelay {

int64_t BackoffMicros(int attempt, const DeliveryOptions& o, double jitter01) {
  const int shift = std::clamp(attempt - 1, 0, 30);
  int64_t base_ms = o.backoff_initial_ms;
  for (int i = 0; i < shift && base_ms < o.backoff_max_ms; ++i) base_ms *= 2;
  base_ms = std::min(base_ms, o.backoff_max_ms);
  const double ms = static_cast<double>(base_ms) * (0.5 + 0.5 * std::clamp(jitter01, 0.0, 1.0));
  return static_cast<int64_t>(ms * 1000);
}

Dispatcher::Dispatcher(OutboxStore* store, const Clock* clock, Metrics* metrics, RuntimeFn runtime,
                       DeliveryOptions options, LogFn log)
    : store_(store),
      clock_(clock),
      metrics_(metrics),
      runtime_(std::move(runtime)),
      options_(options),
      log_(std::move(log)),
      loop_("dispatcher", clock, options.workers, [this](int worker) { return Step(worker); }) {
  std::random_device rd;
  for (int i = 0; i < options_.workers; ++i) rngs_.emplace_back(rd());
}

Dispatcher::~Dispatcher() { Stop(); }

void Dispatcher::Start() { loop_.Start(); }

void Dispatcher::Stop() {
  loop_.Stop();  // passes in flight finish their sends
  // One last try to record what was sent; what stays unrecorded is sent again after a restart.
  std::vector<OutboxOutcome> pending;
  {
    std::lock_guard lock(store_mu_);
    pending.swap(unrecorded_);
  }
  if (!pending.empty()) {
    Status s = store_->RecordOutcomes(pending, clock_->NowMicros());
    if (!s.ok() && log_)
      log_("error", "delivery outcomes lost at shutdown; those rows will be sent again",
           {{"rows", pending.size()}, {"error", s.ToString()}});
  }
}

void Dispatcher::Wake() {
  wakes_.fetch_add(1, std::memory_order_relaxed);
  loop_.Wake();
}

size_t Dispatcher::unrecorded() const {
  std::lock_guard lock(store_mu_);
  return unrecorded_.size();
}

int64_t Dispatcher::StoreBackoffLocked(const Status& error) {
  ++store_failures_;
  // 100 ms doubling to 10 s: a full disk is not hammered, and recovery is noticed quickly.
  const int64_t delay_ms = std::min<int64_t>(int64_t{100} << std::min(store_failures_ - 1, 7), 10000);
  store_retry_at_ = clock_->NowMicros() + delay_ms * 1000;
  // Logged when the backoff grows, not on every pass.
  if (log_ && (store_failures_ & (store_failures_ - 1)) == 0)
    log_("error", "outbox store failed; delivery backs off",
         {{"error", error.ToString()}, {"failures", store_failures_}, {"retry_in_ms", delay_ms},
          {"unrecorded_outcomes", unrecorded_.size()}});
  return store_retry_at_;
}

std::optional<int64_t> Dispatcher::FlushUnrecorded() {
  std::vector<OutboxOutcome> pending;
  {
    std::lock_guard lock(store_mu_);
    const int64_t now = clock_->NowMicros();
    if (now < store_retry_at_) return store_retry_at_;
    if (flushing_) return now + kFlushWaitMicros;
    if (unrecorded_.empty()) return std::nullopt;
    pending.swap(unrecorded_);
    flushing_ = true;
  }
  Status s = store_->RecordOutcomes(pending, clock_->NowMicros());
  std::lock_guard lock(store_mu_);
  flushing_ = false;
  if (!s.ok()) {
    unrecorded_.insert(unrecorded_.begin(), pending.begin(), pending.end());
    return StoreBackoffLocked(s);
  }
  store_failures_ = 0;
  return std::nullopt;
}

int64_t Dispatcher::Step(int worker) {
  // Nothing is leased while outcomes wait to be recorded: their rows' leases may have ended in
  // the store, and leasing now would send them again.
  if (auto wait = FlushUnrecorded()) return *wait;
  const int64_t now = clock_->NowMicros();
  std::string channel;
  StatusOr<std::vector<OutboxEntry>> leased = std::vector<OutboxEntry>{};
  LeaseFilter filter;
  filter.one_channel = true;
  const uint64_t wakes_at_lease = wakes_.load(std::memory_order_relaxed);
  {
    std::lock_guard held_lock(held_mu_);
    for (const auto& [c, n] : held_)
      if (n >= options_.channel_concurrency) filter.skip_channels.push_back(c);
    leased = store_->LeaseOutbox(now, kLeaseBatch, now + options_.lease_seconds * kMicrosPerSecond, filter);
    if (leased.ok() && !leased->empty()) {
      channel = leased->front().message.channel;
      ++held_[channel];
    }
  }
  if (!leased.ok()) {
    std::lock_guard lock(store_mu_);
    return StoreBackoffLocked(leased.status());
  }
  if (!leased->empty()) {
    std::shared_ptr<const Runtime> rt = runtime_();
    std::vector<OutboxOutcome> outcomes;
    outcomes.reserve(leased->size());
    for (OutboxEntry& e : *leased) {
      if (e.campaign_id != 0 && !outcomes.empty() && wakes_.load(std::memory_order_relaxed) != wakes_at_lease) {
        // Newer rows were committed: this campaign row goes back, due now, so that the next
        // lease takes whatever is more urgent first.
        outcomes.push_back({e.message.id, OutboxOutcome::Kind::kRetry, e.attempts, clock_->NowMicros(), e.last_error});
        continue;
      }
      outcomes.push_back(DeliverOne(e, *rt, rngs_[static_cast<size_t>(worker)]));
    }
    bool was_full = false;
    {
      std::lock_guard held_lock(held_mu_);
      was_full = held_[channel] >= options_.channel_concurrency;
      if (--held_[channel] <= 0) held_.erase(channel);
    }
    if (was_full) loop_.Wake();  // senders that had to leave this channel alone may take it now
    // One transaction for the batch. If it fails, the outcomes are kept and recorded before
    // anything is leased again: at-least-once, never a storm.
    Status s = store_->RecordOutcomes(outcomes, clock_->NowMicros());
    std::lock_guard lock(store_mu_);
    if (!s.ok()) {
      unrecorded_.insert(unrecorded_.end(), outcomes.begin(), outcomes.end());
      return StoreBackoffLocked(s);
    }
    store_failures_ = 0;
    return 0;  // more may be due
  }
  {
    std::lock_guard lock(store_mu_);
    store_failures_ = 0;
  }
  // Nothing due (or only rows of busy channels): sleep until the next row is due, a wake-up, or
  // a second at most.
  int64_t wake_at = clock_->NowMicros() + kMicrosPerSecond;
  if (auto next = store_->NextOutboxDue(); next.ok() && next->has_value()) wake_at = std::min(wake_at, **next);
  // Rows of busy channels are due but not ours to take: the sender that frees a channel wakes
  // the others, so there is no need to poll for them in a tight loop.
  const int64_t min_wait = filter.skip_channels.empty() ? 1000 : 50000;
  return std::max(wake_at, clock_->NowMicros() + min_wait);
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
  const std::string rate_key = e.rate_key.empty() ? RateKey(*adapter, m) : e.rate_key;
  const RateLimit dest_limit = adapter->DestinationRateLimit();
  const RateLimit global_limit = GlobalRateLimit(options_.global_per_second);
  auto defer = [&](int64_t slot, bool reserved) {
    if (reserved) {
      std::lock_guard lock(reservations_mu_);
      reservations_[m.id] = slot;
    }
    out.kind = OutboxOutcome::Kind::kRetry;
    out.next_attempt_at = slot;
    out.error = e.last_error;
    metrics_->Inc(metric::kDeliveryDeferred, channel_label);
    return out;
  };
  bool holds_slot = false;
  {
    std::lock_guard lock(reservations_mu_);
    auto it = reservations_.find(m.id);
    if (it != reservations_.end() && it->second <= now) {
      holds_slot = true;
      reservations_.erase(it);
    }
  }
  if (e.campaign_id != 0) {
    // A campaign row takes a token of its campaign buckets (its share of each budget) and of
    // the shared buckets at the moment it is sent, only when every one is free then: it never
    // reserves ahead, so a late send cannot crowd a window, and it never takes what replies,
    // warnings and acknowledgements reserved (rate_limiter.h). The plan spaced its rows already.
    const double share = options_.campaign_share;
    std::vector<std::pair<std::string, RateLimit>> budgets = {{CampaignRateKey(rate_key), ShareOf(dest_limit, share)},
                                                              {rate_key, dest_limit}};
    if (options_.global_per_second > 0) {
      budgets.push_back({CampaignRateKey(kGlobalRateKey), ShareOf(global_limit, share)});
      budgets.push_back({kGlobalRateKey, global_limit});
    }
    if (auto free_at = limiter_.TryTakeAll(budgets, now)) return defer(*free_at, false);
  } else if (!holds_slot) {
    int64_t slot = limiter_.Reserve(rate_key, dest_limit, now);
    if (options_.global_per_second > 0) slot = std::max(slot, limiter_.Reserve(kGlobalRateKey, global_limit, now));
    if (slot > now) return defer(slot, true);
  }
  out.attempts = e.attempts + 1;
  m.attempt = out.attempts;
  metrics_->Inc(metric::kDeliveryAttempts, channel_label);
  Status sent = adapter->Send(m);
  if (sent.ok()) {
    out.kind = OutboxOutcome::Kind::kSent;
    return out;
  }
  // A receiver's answer is outside text: stored and shown only as valid UTF-8, and bounded.
  out.error = TruncateUtf8(SanitizeUtf8(sent.ToString()), kMaxErrorBytes, "…");
  // Retries run on a time horizon, not a count: a platform that is down for hours gets every
  // row once it is back, with at most backoff_max_ms between tries. The last try is at the
  // horizon's end.
  const int64_t after = clock_->NowMicros();
  const int64_t horizon_end =
      (e.retry_from > 0 ? e.retry_from : e.created_at) + options_.retry_horizon_seconds * kMicrosPerSecond;
  const bool within_count = options_.max_attempts <= 0 || out.attempts < options_.max_attempts;
  const bool retry = sent.IsTransient() && within_count && after < horizon_end;
  metrics_->Inc(metric::kDeliveryFailures, {{"channel", m.channel}, {"retry", retry ? "yes" : "no"}});
  if (retry) {
    std::uniform_real_distribution<double> jitter(0.0, 1.0);
    out.kind = OutboxOutcome::Kind::kRetry;
    out.next_attempt_at = std::min(after + BackoffMicros(out.attempts, options_, jitter(rng)), horizon_end);
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
