// Clock: the time source, injected so that tests can drive backoff and windows.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace gridrelay {

class Clock {
 public:
  virtual ~Clock() = default;
  // Microseconds since the Unix epoch. Thread-safe.
  virtual int64_t NowMicros() const = 0;
  int64_t NowSeconds() const { return NowMicros() / 1000000; }
  int64_t NowMillis() const { return NowMicros() / 1000; }
};

class SystemClock final : public Clock {
 public:
  int64_t NowMicros() const override {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  // The process-wide instance.
  static const SystemClock& Get() {
    static const SystemClock clock;
    return clock;
  }
};

// A clock that only moves when told to. For tests.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t now_micros) : now_(now_micros) {}
  int64_t NowMicros() const override { return now_.load(); }
  void AdvanceMicros(int64_t d) { now_ += d; }
  void SetMicros(int64_t t) { now_ = t; }

 private:
  std::atomic<int64_t> now_;
};

}  // namespace gridrelay
