// Clock: the time source and the way to wait for it, injected (as LevelDB passes an Env) so
// that tests drive every background loop, backoff, window and deadline by moving a ManualClock
// instead of sleeping.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>

namespace gridrelay {

class Clock {
 public:
  virtual ~Clock() = default;
  // Microseconds since the Unix epoch. Thread-safe.
  virtual int64_t NowMicros() const = 0;
  int64_t NowSeconds() const { return NowMicros() / 1000000; }
  int64_t NowMillis() const { return NowMicros() / 1000; }

  // Waits on `cv` until `wake()` is true or this clock reaches `deadline_micros`, and returns
  // wake(). REQUIRES: `lock` holds the mutex that guards what `wake` reads; it is held again on
  // return. Whoever changes that state notifies `cv`.
  virtual bool WaitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock, int64_t deadline_micros,
                         const std::function<bool()>& wake) const = 0;
};

class SystemClock final : public Clock {
 public:
  int64_t NowMicros() const override {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  bool WaitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock, int64_t deadline_micros,
                 const std::function<bool()>& wake) const override {
    using namespace std::chrono;
    // Far deadlines are capped so that the arithmetic cannot overflow; the caller loops.
    const int64_t cap = NowMicros() + int64_t{3600} * 1000000;
    const auto until = system_clock::time_point(microseconds(deadline_micros < cap ? deadline_micros : cap));
    return cv.wait_until(lock, until, wake);
  }
  // The process-wide instance.
  static const SystemClock& Get() {
    static const SystemClock clock;
    return clock;
  }
};

// A clock that only moves when told to. For tests: a waiter wakes within a few milliseconds of
// real time after the clock passes its deadline.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t now_micros) : now_(now_micros) {}
  int64_t NowMicros() const override { return now_.load(); }
  bool WaitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock, int64_t deadline_micros,
                 const std::function<bool()>& wake) const override {
    while (!wake() && NowMicros() < deadline_micros) cv.wait_for(lock, std::chrono::milliseconds(2));
    return wake();
  }
  void AdvanceMicros(int64_t d) { now_ += d; }
  void SetMicros(int64_t t) { now_ = t; }

 private:
  std::atomic<int64_t> now_;
};

}  // namespace gridrelay
