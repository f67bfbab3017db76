// Tests for util/worker_loop: a ManualClock drives the loop; nothing here sleeps for the time
// the loop waits (only short real-time polls for the worker thread to catch up).
#include "util/worker_loop.h"

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace gridrelay::testing {
namespace {

// Polls `done` for up to 10 s of real time (a loaded machine); true once it holds.
template <typename F>
bool Eventually(F done) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!done()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

constexpr int64_t kMinute = 60'000'000;

}  // namespace

TEST_SUITE("worker loop") {
  TEST_CASE("a step that asks for a later time runs again only when the clock gets there") {
    ManualClock clock(1'000 * kMinute);
    std::atomic<int> passes{0};
    WorkerLoop loop("test", &clock, 1, [&](int) {
      ++passes;
      return clock.NowMicros() + 10 * kMinute;
    });
    loop.Start();
    REQUIRE(Eventually([&] { return passes == 1; }));
    clock.AdvanceMicros(9 * kMinute);
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    CHECK(passes == 1);  // not due yet
    clock.AdvanceMicros(kMinute);
    CHECK(Eventually([&] { return passes == 2; }));
    loop.Stop();
  }

  TEST_CASE("Wake runs an idle step at once, and Stop joins every worker") {
    ManualClock clock(0);
    std::atomic<int> passes{0};
    WorkerLoop loop("test", &clock, 3, [&](int) {
      ++passes;
      return WorkerLoop::kIdle;
    });
    loop.Start();
    REQUIRE(Eventually([&] { return passes == 3; }));  // one pass per worker
    loop.Wake();
    CHECK(Eventually([&] { return passes == 6; }));
    loop.Stop();
    const int after = passes;
    loop.Wake();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    CHECK(passes == after);
  }

  TEST_CASE("a step that has more work runs again without waiting for the clock") {
    ManualClock clock(0);
    std::atomic<int> passes{0};
    WorkerLoop loop("test", &clock, 1, [&](int) { return ++passes < 5 ? 0 : WorkerLoop::kIdle; });
    loop.Start();
    CHECK(Eventually([&] { return passes == 5; }));
    loop.Stop();
  }
}

}  // namespace gridrelay::testing
