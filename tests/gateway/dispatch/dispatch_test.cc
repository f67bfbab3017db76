// Tests for gateway/dispatch's pure parts: backoff and rate limits.
#include <doctest/doctest.h>

#include <algorithm>
#include <vector>

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

  TEST_CASE("a per-second cap holds in every one-second window, not only on average (Feishu 5/s)") {
    // Feishu's custom bot: 100 a minute in bursts of 5, and 5 a second. The bucket alone handed
    // out 5 slots at 0 and the 6th at 0.6 s: 6 sends in 0.6 s, refused with error 11232.
    auto slots_of = [](const RateLimit& limit, int n, int64_t step) {
      RateLimiter limiter;
      std::vector<int64_t> slots;
      for (int i = 0; i < n; ++i) slots.push_back(limiter.Reserve("bot", limit, i * step));
      return slots;
    };
    auto most_in_a_second = [](const std::vector<int64_t>& slots) {
      size_t most = 0;
      for (size_t i = 0; i < slots.size(); ++i) {
        size_t n = 0;
        for (size_t j = i; j < slots.size() && slots[j] < slots[i] + 1'000'000; ++j) ++n;
        most = std::max(most, n);
      }
      return most;
    };
    CHECK(most_in_a_second(slots_of(RateLimit{100, 5}, 30, 0)) == 6);  // the old limit
    CHECK(most_in_a_second(slots_of(RateLimit{100, 5, 5}, 30, 0)) == 5);
    for (int64_t step : {int64_t{0}, int64_t{50'000}, int64_t{250'000}}) {
      CAPTURE(step);
      const auto feishu = slots_of(RateLimit{100, 5, 5}, 40, step);
      CHECK(most_in_a_second(feishu) <= 5);  // arrivals spread out may fill a second less
      for (size_t i = 1; i < feishu.size(); ++i) CHECK(feishu[i] >= feishu[i - 1]);
      // The per-minute rate still holds over the long run: 40 sends take about (40 - 5) x 0.6 s.
      CHECK(feishu.back() >= 20'000'000);
      CHECK(feishu.back() <= 22'000'000);
    }
    // The IM API's 300 a minute (5 a second on average) may not run 10 in its first second either.
    CHECK(most_in_a_second(slots_of(RateLimit{300, 5, 5}, 40, 0)) == 5);
  }

  TEST_CASE("a campaign row takes a shared token only when one is free now, and never one a reply reserved") {
    RateLimiter limiter;
    const RateLimit twenty{20, 1};
    // A campaign's share of 20 a minute is 10 a minute, in its own bucket.
    const RateLimit share = ShareOf(twenty, 0.5);
    CHECK(share.per_minute == 10);
    CHECK(share.burst == 1);
    CHECK(ShareOf({100, 5, 5}, 0.5).per_second == 2);
    CHECK(ShareOf({}, 0.5).per_minute == 0);  // unlimited stays unlimited
    CHECK(CampaignRateKey("demo|group:g1") == "demo|group:g1#campaign");
    // Free now: taken.
    CHECK_FALSE(limiter.TryTakeAll({{"robot", twenty}}, 0).has_value());
    // Spent: nothing taken, told when to come back (one interval later), and again the same.
    auto later = limiter.TryTakeAll({{"robot", twenty}}, 0);
    REQUIRE(later.has_value());
    CHECK(*later == 3'000'000);
    CHECK(*limiter.TryTakeAll({{"robot", twenty}}, 0) == 3'000'000);
    // A reply reserves that slot (debt allowed): the campaign row must wait past it.
    CHECK(limiter.Reserve("robot", twenty, 0) == 3'000'000);
    const int64_t next = limiter.TryTakeAll({{"robot", twenty}}, 3'000'000).value_or(0);
    CHECK(next >= 6'000'000);
    CHECK(next <= 6'000'001);  // floating-point refill may round up by a microsecond
    CHECK_FALSE(limiter.TryTakeAll({{"robot", twenty}}, next).has_value());
    // All or nothing: one spent bucket leaves the other untouched.
    CHECK_FALSE(limiter.TryTakeAll({{"a", twenty}}, 0).has_value());
    CHECK(limiter.TryTakeAll({{"a", twenty}, {"b", twenty}}, 0).has_value());
    CHECK_FALSE(limiter.TryTakeAll({{"b", twenty}}, 0).has_value());  // b still had its token
    // A per-second cap counts the slots taken this way too.
    const RateLimit five_a_second{300, 5, 5};
    for (int i = 0; i < 5; ++i) CHECK_FALSE(limiter.TryTakeAll({{"bot", five_a_second}}, 0).has_value());
    CHECK(*limiter.TryTakeAll({{"bot", five_a_second}}, 0) >= 1'000'000);
  }
}

}  // namespace gridrelay::testing
