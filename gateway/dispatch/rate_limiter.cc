#include "gateway/dispatch/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace gridrelay {

int64_t RateLimiter::Reserve(const std::string& key, const RateLimit& limit, int64_t now) {
  if (limit.per_minute <= 0) return now;
  const double per_micro = limit.per_minute / 60e6;
  const double burst = std::max(1, limit.burst);
  std::lock_guard lock(mu_);
  if (buckets_.size() > 100000) {
    // Forget buckets that have refilled completely: they behave exactly like new ones.
    std::erase_if(buckets_, [&](const auto& kv) {
      return kv.second.tokens + static_cast<double>(now - kv.second.updated) * per_micro >= burst &&
             (kv.second.recent.empty() || kv.second.recent.back() + 1000000 <= now);
    });
  }
  auto [it, fresh] = buckets_.try_emplace(key, Bucket{burst, now});
  Bucket& b = it->second;
  if (!fresh) {
    b.tokens = std::min(burst, b.tokens + static_cast<double>(now - b.updated) * per_micro);
    b.updated = now;
  }
  b.tokens -= 1;  // may go into debt: that is the reservation
  int64_t slot = b.tokens >= 0 ? now : now + static_cast<int64_t>(std::ceil(-b.tokens / per_micro));
  if (limit.per_second > 0) {
    // The slot per_second sends ago must be at least a second before this one.
    if (!b.recent.empty()) slot = std::max(slot, b.recent.back());  // slots never go backwards
    if (static_cast<int>(b.recent.size()) >= limit.per_second) slot = std::max(slot, b.recent.front() + 1000000);
    b.recent.push_back(slot);
    while (static_cast<int>(b.recent.size()) > limit.per_second) b.recent.pop_front();
  }
  return slot;
}

}  // namespace gridrelay
