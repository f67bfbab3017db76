// TimerRunner: fires the workflow's persisted timers (TimerStore rows) when they fall due. Each
// due timer is leased, then acted on by a change set that also deletes it (fired_timers), so a
// timer fires exactly once even with several processes or a crash between lease and commit.
//
// Kinds:
//  - `satisfaction`: the resident did not answer after 办结: the ticket closes as no_answer
//    (counted apart, never as satisfied).
//  - `response_deadline`, `resolution_deadline` (ticket_clock.h): the clock is read again from
//    the ticket's history; if it has lapsed, the ticket escalates one level (and the lapsed
//    deadline restarts there); if it was paused meanwhile and is due later, the timer moves.
//  - `confirm_digest` (route/router.h, kConfirmTimer): a 待确认 item nobody handled within
//    `confirm.digest_after_hours`: its supervisor's daily digest is scheduled (once a day per
//    supervisor, at `confirm.digest_at` China time; scheduling it again moves nothing).
//  - `confirm_daily`: the digest itself: one message to the supervisor naming every item in her
//    area still unconfirmed past the wait; nothing when they were all handled meanwhile.
//  - `reply_budget` (route/reply_budget.h, kReplyBudgetTimer): a group's reply-budget window
//    ends: the rows held for it go out, as they are or as one digest, and the next window opens;
//    a window with nothing held closes.
// A timer whose ticket has moved on (answered, reopened, accepted, confirmed) is simply deleted.
#pragma once

#include <functional>
#include <memory>
#include <optional>

#include "gateway/core/adapter.h"
#include "gateway/core/clock.h"
#include "gateway/runtime/runtime.h"
#include "gateway/store/store.h"
#include "util/metrics.h"
#include "util/worker_loop.h"

namespace gridrelay::workflow {

inline constexpr const char* kConfirmDailyTimer = "confirm_daily";

// The next `minutes` past midnight China time (UTC+8) strictly after `now` (Unix microseconds).
int64_t NextChinaTimeOfDay(int64_t now, int minutes);

class TimerRunner {
 public:
  using RuntimeFn = std::function<std::shared_ptr<const Runtime>()>;

  // `on_enqueued` runs after outbox rows were committed. Store, clock and metrics (which may be
  // null) outlive the runner.
  TimerRunner(Store* store, const Clock* clock, Metrics* metrics, RuntimeFn runtime, LogFn log,
              std::function<void()> on_enqueued);
  ~TimerRunner();

  void Start();
  void Stop();
  void Wake();

  // Fires what is due now; returns how many timers it fired.
  StatusOr<int> FireDue();

 private:
  int64_t Step();
  // The change that fires one timer (its deletion included).
  StatusOr<ChangeSet> Fire(const Runtime& rt, const Timer& t, int64_t now);
  StatusOr<ChangeSet> FireConfirm(const Runtime& rt, const Timer& t, int64_t now);
  StatusOr<ChangeSet> FireConfirmDaily(const Runtime& rt, const Timer& t, int64_t now);
  StatusOr<ChangeSet> FireReplyBudget(const Runtime& rt, const Timer& t, int64_t now);
  // A reply-budget window whose flush lost its race, planned and applied again at once: the
  // applied change, or nullopt when it kept losing (the lease's end retries it).
  StatusOr<std::optional<ChangeSet>> FlushAgain(const Runtime& rt, const Timer& t, int64_t now);
  // Counts and logs the escalations a committed change made.
  void Report(const ChangeSet& fired);

  Store* store_;
  const Clock* clock_;
  Metrics* metrics_;
  RuntimeFn runtime_;
  LogFn log_;
  std::function<void()> on_enqueued_;
  WorkerLoop loop_;
};

}  // namespace gridrelay::workflow
