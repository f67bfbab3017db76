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

#include "gateway/core/adapter.h"

namespace gridrelay {

class RateLimiter {
 public:
  // Takes the next slot of `key`'s bucket and returns when it is: `now_micros` when a token is
  // there, else a time in the future (the slot is then held for the caller, who must send at
  // that time without reserving again). An unlimited limit always returns `now_micros`.
  int64_t Reserve(const std::string& key, const RateLimit& limit, int64_t now_micros);

 private:
  struct Bucket {
    double tokens = 0;
    int64_t updated = 0;
    std::deque<int64_t> recent;  // the last per_second slots handed out, oldest first
  };
  std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace gridrelay
