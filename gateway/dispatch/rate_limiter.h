// RateLimiter: token buckets per key (a destination, the whole gateway), where a send that
// finds the bucket empty reserves the next free slot instead of just waiting for the next
// token: the bucket goes into debt, so the thousandth row queued for a robot that takes 20 a
// minute is told to come back in 50 minutes, not in 3 seconds with the 999 others. Each
// deferred row is thus put back once, at its own time, and never churns. A limit with
// `per_second` also keeps the last per_second slots of the key, so that no window of one second
// holds more than that many. Thread-safe.
#pragma once

#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <unordered_map>

#include <optional>
#include <utility>
#include <vector>

#include "gateway/core/adapter.h"

namespace gridrelay {

// The bucket of the global limit (delivery.global_per_second), beside the destinations' keys.
inline constexpr const char* kGlobalRateKey = "*";
// The global limit as a RateLimit (no window of one second holds more than `per_second` sends);
// unlimited for 0.
RateLimit GlobalRateLimit(double per_second);

// Campaign rows draw on two budgets for each bucket (a destination, the global one): the bucket
// itself, which everything shares, and a campaign bucket of `share` of its rate, which only
// campaign rows use. A campaign row takes the shared bucket's token only when one is free at that
// moment (never going into debt, never reserving a future slot), so it can use no more than
// `share` of any budget and never delays a reply that reserves the rest; the planner
// (gateway/campaign) runs the same campaign buckets to tell when a campaign will finish.
std::string CampaignRateKey(const std::string& key);
RateLimit ShareOf(const RateLimit& limit, double share);

class RateLimiter {
 public:
  // Takes the next slot of `key`'s bucket and returns when it is: `now_micros` when a token is
  // there, else a time in the future (the slot is then held for the caller, who must send at
  // that time without reserving again). An unlimited limit always returns `now_micros`.
  int64_t Reserve(const std::string& key, const RateLimit& limit, int64_t now_micros);

  // Takes one token of every bucket in `budgets` at once if each has one free at `now_micros`
  // (without debt, and without passing a slot another caller reserved): returns nullopt then.
  // Otherwise takes nothing and returns the earliest time worth trying again.
  std::optional<int64_t> TryTakeAll(const std::vector<std::pair<std::string, RateLimit>>& budgets, int64_t now_micros);

 private:
  struct Bucket {
    double tokens = 0;
    int64_t updated = 0;
    std::deque<int64_t> recent;  // the last per_second slots handed out, oldest first
  };
  // REQUIRES: mu_ held. The bucket of `key`, refilled to `now`.
  Bucket& Refill(const std::string& key, const RateLimit& limit, int64_t now);
  // REQUIRES: mu_ held. When `b` next has a token free without debt (now when it has one).
  static int64_t FreeAt(const Bucket& b, const RateLimit& limit, int64_t now);

  std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace gridrelay
