// TimerRunner: fires the workflow's persisted timers (TimerStore rows) when they fall due. Each
// due timer is leased, then acted on by a change set that also deletes it (fired_timers), so a
// timer fires exactly once even with several processes or a crash between lease and commit.
//
// Kinds: `satisfaction` — the resident did not answer after 办结: the ticket closes as
// no_answer (counted apart, never as satisfied). A timer whose ticket has moved on (answered,
// reopened) is simply deleted. The deadline issue adds its kinds here.
#pragma once

#include <functional>
#include <memory>

#include "gateway/core/adapter.h"
#include "gateway/core/clock.h"
#include "gateway/runtime/runtime.h"
#include "gateway/store/store.h"
#include "util/worker_loop.h"

namespace gridrelay::workflow {

class TimerRunner {
 public:
  using RuntimeFn = std::function<std::shared_ptr<const Runtime>()>;

  // `on_enqueued` runs after outbox rows were committed. Store and clock outlive the runner.
  TimerRunner(Store* store, const Clock* clock, RuntimeFn runtime, LogFn log, std::function<void()> on_enqueued);
  ~TimerRunner();

  void Start();
  void Stop();
  void Wake();

  // Fires what is due now; returns how many timers it fired.
  StatusOr<int> FireDue();

 private:
  int64_t Step();

  Store* store_;
  const Clock* clock_;
  RuntimeFn runtime_;
  LogFn log_;
  std::function<void()> on_enqueued_;
  WorkerLoop loop_;
};

}  // namespace gridrelay::workflow
