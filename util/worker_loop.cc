#include "util/worker_loop.h"

namespace gridrelay {

WorkerLoop::WorkerLoop(std::string name, const Clock* clock, int threads, Step step)
    : name_(std::move(name)), clock_(clock), threads_(threads), step_(std::move(step)) {}

WorkerLoop::~WorkerLoop() { Stop(); }

void WorkerLoop::Start() {
  std::lock_guard lock(mu_);
  stopping_ = false;
  if (!workers_.empty()) return;
  for (int i = 0; i < threads_; ++i) workers_.emplace_back([this, i] { Run(i); });
}

void WorkerLoop::Stop() {
  std::vector<std::thread> joining;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    joining.swap(workers_);
  }
  cv_.notify_all();
  for (auto& t : joining) t.join();
}

void WorkerLoop::Wake() {
  {
    std::lock_guard lock(mu_);
    ++wakeups_;
  }
  cv_.notify_all();
}

void WorkerLoop::Run(int worker) {
  while (true) {
    uint64_t seen;
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
      seen = wakeups_;
    }
    const int64_t next = step_(worker);
    std::unique_lock lock(mu_);
    if (stopping_) return;
    if (next <= clock_->NowMicros()) continue;
    clock_->WaitUntil(cv_, lock, next, [&] { return stopping_ || wakeups_ != seen; });
  }
}

}  // namespace gridrelay
