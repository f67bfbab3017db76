// Inbox: routes committed messages after they were acknowledged, so the platform never
// waits on routing, notification or delivery. For each `received` message it asks the
// Router, then commits the ticket, its events and the outbox rows together with the message's
// new state (Store::CompleteMessages), so a crash at any point either leaves the message
// `received` (and it is routed again on restart) or routed exactly once.
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "gateway/config.h"
#include "gateway/core/clock.h"
#include "gateway/metrics.h"
#include "gateway/runtime.h"
#include "gateway/store.h"

namespace gridrelay {

class Inbox {
 public:
  using RuntimeFn = std::function<std::shared_ptr<const Runtime>()>;
  using LogFn = std::function<void(std::string_view level, std::string_view msg, const nlohmann::json& fields)>;

  // `on_enqueued` runs after outbox rows were committed (wakes the dispatcher).
  Inbox(Store* store, const Clock* clock, Metrics* metrics, RuntimeFn runtime, ProcessingOptions options, LogFn log,
        std::function<void()> on_enqueued);
  ~Inbox();

  void Start();
  void Stop();
  void Wake();

  // Routes what is pending now; returns how many messages it completed.
  StatusOr<int> ProcessPending();

 private:
  void Run();
  ProcessingResult Plan(const Runtime& rt, const StoredMessage& message) const;

  Store* store_;
  const Clock* clock_;
  Metrics* metrics_;
  RuntimeFn runtime_;
  const ProcessingOptions options_;
  LogFn log_;
  std::function<void()> on_enqueued_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  uint64_t wakeups_ = 0;
  std::thread thread_;
};

}  // namespace gridrelay
