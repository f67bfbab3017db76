// WorkerLoop: the one background loop every worker of the gateway runs (group commit, the
// inbox, the dispatcher's senders, the janitor, and later timers and campaign fan-out). Each
// pass calls `step`, which does a bounded amount of work and says when it wants to run again,
// as a time on the injected Clock: so a test that holds a ManualClock drives every loop by
// moving time, and no loop sleeps on the wall clock of its own accord.
//
// Thread-safe. Start and Stop may be called more than once; Stop waits for passes in flight.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <limits>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "gateway/core/clock.h"

namespace gridrelay {

class WorkerLoop {
 public:
  // Runs one pass on worker `worker` (0 .. threads-1) and returns the clock time (Unix
  // microseconds) at which to run the next: at once if <= now, kIdle to wait for Wake().
  using Step = std::function<int64_t(int worker)>;
  static constexpr int64_t kIdle = std::numeric_limits<int64_t>::max();

  WorkerLoop(std::string name, const Clock* clock, int threads, Step step);
  ~WorkerLoop();
  WorkerLoop(const WorkerLoop&) = delete;
  WorkerLoop& operator=(const WorkerLoop&) = delete;

  void Start();
  // Asks every worker to stop after its current pass and joins them.
  void Stop();
  // New work: every waiting worker runs a pass now.
  void Wake();

  const std::string& name() const { return name_; }

 private:
  void Run(int worker);

  const std::string name_;
  const Clock* clock_;
  const int threads_;
  Step step_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  uint64_t wakeups_ = 0;
  std::vector<std::thread> workers_;
};

}  // namespace gridrelay
