// RateLimiter: token buckets per key (a destination, a sending account, the whole gateway).
// A send takes a token from every bucket it passes through; when one is empty the caller is
// told how long to wait, and the outbox row is put back until then (it does not count as an
// attempt). Thread-safe.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

#include "gateway/core/adapter.h"

namespace gridrelay {

class RateLimiter {
 public:
  // Takes one token from `key`'s bucket if it has one and returns 0; otherwise takes nothing
  // and returns the microseconds until a token is available. An unlimited limit always passes.
  int64_t TryAcquire(const std::string& key, const RateLimit& limit, int64_t now_micros);

 private:
  struct Bucket {
    double tokens = 0;
    int64_t updated = 0;
  };
  std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace gridrelay
