#include "gateway/core/time_units.h"
#include "gateway/dispatch/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace gridrelay {

// At most `per_second` sends in any window of one second, in bursts of up to that many: a burst of
// one would space the sends 1/per_second apart, which a gateway-wide cap does not mean (and
// which lets a campaign row, which never waits for a token in debt, pass only one at a time).
RateLimit GlobalRateLimit(double per_second) {
  const int whole = static_cast<int>(std::floor(per_second));
  return RateLimit{per_second * 60, std::max(1, whole), whole >= 1 ? whole : 0};
}

std::string CampaignRateKey(const std::string& key) { return key + "#campaign"; }

RateLimit ShareOf(const RateLimit& limit, double share) {
  if (limit.per_minute <= 0) return limit;
  RateLimit out = limit;
  out.per_minute = limit.per_minute * share;
  out.burst = std::max(1, static_cast<int>(std::floor(limit.burst * share)));
  if (limit.per_second > 0) out.per_second = std::max(1, static_cast<int>(std::floor(limit.per_second * share)));
  return out;
}

RateLimiter::Bucket& RateLimiter::Refill(const std::string& key, const RateLimit& limit, int64_t now) {
  const double per_micro = limit.per_minute / 60e6;
  const double burst = std::max(1, limit.burst);
  if (buckets_.size() > 100000) {
    // Forget buckets that have refilled completely: they behave exactly like new ones.
    std::erase_if(buckets_, [&](const auto& kv) {
      return kv.second.tokens + static_cast<double>(now - kv.second.updated) * per_micro >= burst &&
             (kv.second.recent.empty() || kv.second.recent.back() + kMicrosPerSecond <= now);
    });
  }
  auto [it, fresh] = buckets_.try_emplace(key, Bucket{burst, now});
  Bucket& b = it->second;
  if (!fresh && now > b.updated) {
    b.tokens = std::min(burst, b.tokens + static_cast<double>(now - b.updated) * per_micro);
    b.updated = now;
  }
  return b;
}

int64_t RateLimiter::Reserve(const std::string& key, const RateLimit& limit, int64_t now) {
  if (limit.per_minute <= 0) return now;
  const double per_micro = limit.per_minute / 60e6;
  std::lock_guard lock(mu_);
  Bucket& b = Refill(key, limit, now);
  b.tokens -= 1;  // may go into debt: that is the reservation
  int64_t slot = b.tokens >= 0 ? now : now + static_cast<int64_t>(std::ceil(-b.tokens / per_micro));
  if (limit.per_second > 0) {
    // The slot per_second sends ago must be at least a second before this one.
    if (!b.recent.empty()) slot = std::max(slot, b.recent.back());  // slots never go backwards
    if (static_cast<int>(b.recent.size()) >= limit.per_second) slot = std::max(slot, b.recent.front() + kMicrosPerSecond);
    b.recent.push_back(slot);
    while (static_cast<int>(b.recent.size()) > limit.per_second) b.recent.pop_front();
  }
  return slot;
}

int64_t RateLimiter::FreeAt(const Bucket& b, const RateLimit& limit, int64_t now) {
  const double per_micro = limit.per_minute / 60e6;
  int64_t at = b.tokens >= 1 ? now : now + static_cast<int64_t>(std::ceil((1 - b.tokens) / per_micro));
  if (limit.per_second > 0 && !b.recent.empty()) {
    at = std::max(at, b.recent.back());
    if (static_cast<int>(b.recent.size()) >= limit.per_second) at = std::max(at, b.recent.front() + kMicrosPerSecond);
  }
  return at;
}

std::optional<int64_t> RateLimiter::TryTakeAll(const std::vector<std::pair<std::string, RateLimit>>& budgets,
                                               int64_t now) {
  std::lock_guard lock(mu_);
  int64_t free_at = now;
  for (const auto& [key, limit] : budgets) {
    if (limit.per_minute <= 0) continue;
    free_at = std::max(free_at, FreeAt(Refill(key, limit, now), limit, now));
  }
  if (free_at > now) return free_at;
  for (const auto& [key, limit] : budgets) {
    if (limit.per_minute <= 0) continue;
    Bucket& b = buckets_.at(key);
    b.tokens -= 1;
    if (limit.per_second > 0) {
      b.recent.push_back(now);
      while (static_cast<int>(b.recent.size()) > limit.per_second) b.recent.pop_front();
    }
  }
  return std::nullopt;
}

}  // namespace gridrelay
