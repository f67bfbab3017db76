// Tests for adapters/common/freshness: the replay window every adapter checks a callback's
// timestamp against, at its edges, with clocks skewed either way, in seconds and milliseconds.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "adapters/common/freshness.h"

namespace gridrelay {
namespace {

constexpr int64_t kNow = 1'700'000'000;  // Unix seconds
constexpr int64_t kWindow = 300;

TEST_SUITE("freshness") {

TEST_CASE("a timestamp is fresh up to the window either way, edges included, in the unit the platform sends") {
  struct Case {
    const char* name;
    double sent;
    TimestampUnit unit;
    bool fresh;
  };
  constexpr double kNowMs = kNow * 1000.0;
  const std::vector<Case> cases = {
      {"now, seconds", kNow, TimestampUnit::kSeconds, true},
      {"exactly the window ago", kNow - kWindow, TimestampUnit::kSeconds, true},
      {"a second more than the window ago", kNow - kWindow - 1, TimestampUnit::kSeconds, false},
      {"exactly the window ahead (platform clock fast)", kNow + kWindow, TimestampUnit::kSeconds, true},
      {"a second more than the window ahead", kNow + kWindow + 1, TimestampUnit::kSeconds, false},
      {"fractional seconds just inside (OneBot 12)", kNow + kWindow - 0.25, TimestampUnit::kSeconds, true},
      {"fractional seconds just outside (OneBot 12)", kNow - kWindow - 0.25, TimestampUnit::kSeconds, false},
      {"now, milliseconds", kNowMs, TimestampUnit::kMilliseconds, true},
      {"exactly the window ago in ms", kNowMs - kWindow * 1000, TimestampUnit::kMilliseconds, true},
      {"a millisecond past the window, not rounded to seconds", kNowMs - kWindow * 1000 - 1,
       TimestampUnit::kMilliseconds, false},
      {"exactly the window ahead in ms", kNowMs + kWindow * 1000, TimestampUnit::kMilliseconds, true},
      {"a millisecond more ahead", kNowMs + kWindow * 1000 + 1, TimestampUnit::kMilliseconds, false},
      {"seconds read as milliseconds (a platform's unit mixed up)", kNow, TimestampUnit::kMilliseconds, false},
      {"milliseconds read as seconds", kNowMs, TimestampUnit::kSeconds, false},
      {"zero", 0, TimestampUnit::kSeconds, false},
      {"NaN", std::numeric_limits<double>::quiet_NaN(), TimestampUnit::kSeconds, false},
      {"infinity", std::numeric_limits<double>::infinity(), TimestampUnit::kSeconds, false},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    Status s = CheckFreshness("demo", c.sent, c.unit, kNow, kWindow);
    CHECK(s.ok() == c.fresh);
    if (!c.fresh) {
      CHECK(s.code() == StatusCode::kUnauthenticated);
      CHECK(s.message().rfind("demo: timestamp ", 0) == 0);
      CHECK(s.message().find("300 s freshness window") != std::string::npos);
    }
  }
}

TEST_CASE("a window of 0 turns the check off") {
  CHECK(CheckFreshness("demo", 0, TimestampUnit::kSeconds, kNow, 0).ok());
  CHECK(CheckFreshness("demo", kNow * 1000.0, TimestampUnit::kSeconds, kNow, 0).ok());
}

}  // TEST_SUITE

}  // namespace
}  // namespace gridrelay
