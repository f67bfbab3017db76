// Tests for gateway/dispatch's pure parts: backoff and rate limits.
#include <doctest/doctest.h>

#include "gateway/dispatch/dispatcher.h"
#include "gateway/dispatch/rate_limiter.h"

namespace gridrelay::testing {

TEST_SUITE("dispatcher") {
  TEST_CASE("backoff doubles from the initial delay, is capped, and jitters within [half, full]") {
    DeliveryOptions o;
    o.backoff_initial_ms = 1000;
    o.backoff_max_ms = 10000;
    CHECK(BackoffMicros(1, o, 1.0) == 1'000'000);
    CHECK(BackoffMicros(2, o, 1.0) == 2'000'000);
    CHECK(BackoffMicros(3, o, 1.0) == 4'000'000);
    CHECK(BackoffMicros(4, o, 1.0) == 8'000'000);
    CHECK(BackoffMicros(5, o, 1.0) == 10'000'000);
    CHECK(BackoffMicros(60, o, 1.0) == 10'000'000);
    CHECK(BackoffMicros(1, o, 0.0) == 500'000);
    for (double j : {0.0, 0.3, 0.99}) {
      const int64_t d = BackoffMicros(3, o, j);
      CHECK(d >= 2'000'000);
      CHECK(d <= 4'000'000);
    }
  }

  TEST_CASE("the rate limiter allows a burst, then reserves one slot per interval, per key") {
    RateLimiter limiter;
    RateLimit twenty_a_minute{20, 2};
    CHECK(limiter.Reserve("robot-1", twenty_a_minute, 0) == 0);
    CHECK(limiter.Reserve("robot-1", twenty_a_minute, 0) == 0);
    // The burst is spent: each further send gets its own slot, 3 s (60 s / 20) apart.
    CHECK(limiter.Reserve("robot-1", twenty_a_minute, 0) == 3'000'000);
    CHECK(limiter.Reserve("robot-1", twenty_a_minute, 0) == 6'000'000);
    CHECK(limiter.Reserve("robot-1", twenty_a_minute, 0) == 9'000'000);
    CHECK(limiter.Reserve("robot-2", twenty_a_minute, 0) == 0);  // another destination is not affected
    // A thousand rows queued at once are spread over the real quota, not retried together.
    RateLimiter fresh;
    int64_t last = 0;
    for (int i = 0; i < 1000; ++i) last = fresh.Reserve("robot", twenty_a_minute, 0);
    CHECK(last == 998 * 3'000'000LL);
    CHECK(limiter.Reserve("anything", RateLimit{}, 42) == 42);  // unlimited
  }
}

}  // namespace gridrelay::testing
