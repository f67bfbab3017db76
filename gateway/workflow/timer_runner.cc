#include "gateway/workflow/timer_runner.h"

#include "gateway/workflow/ticket_actions.h"

namespace gridrelay::workflow {
namespace {

constexpr int kBatch = 64;
constexpr int64_t kLeaseMicros = int64_t{60} * 1000000;
// Timers are also picked up by polling, for those another process scheduled.
constexpr int64_t kPollMicros = int64_t{5} * 1000000;

}  // namespace

TimerRunner::TimerRunner(Store* store, const Clock* clock, RuntimeFn runtime, LogFn log,
                         std::function<void()> on_enqueued)
    : store_(store),
      clock_(clock),
      runtime_(std::move(runtime)),
      log_(std::move(log)),
      on_enqueued_(std::move(on_enqueued)),
      loop_("timers", clock, 1, [this](int) { return Step(); }) {}

TimerRunner::~TimerRunner() { Stop(); }

void TimerRunner::Start() { loop_.Start(); }
void TimerRunner::Stop() { loop_.Stop(); }
void TimerRunner::Wake() { loop_.Wake(); }

int64_t TimerRunner::Step() {
  auto fired = FireDue();
  if (!fired.ok() && log_) log_("error", "firing timers failed", {{"error", fired.status().ToString()}});
  const int64_t now = clock_->NowMicros();
  if (fired.ok() && *fired >= kBatch) return now;  // more may be due
  int64_t next = now + kPollMicros;
  auto due = store_->NextTimerDue(now);
  if (due.ok() && due->has_value()) next = std::min(next, **due);
  return next;
}

StatusOr<int> TimerRunner::FireDue() {
  const int64_t now = clock_->NowMicros();
  auto timers = store_->LeaseDueTimers(now, kBatch, now + kLeaseMicros);
  if (!timers.ok()) return timers.status();
  if (timers->empty()) return 0;
  std::shared_ptr<const Runtime> rt = runtime_();
  std::vector<ChangeSet> changes;
  for (const Timer& t : *timers) {
    ChangeSet c;
    if (t.kind == kSatisfactionTimer) {
      auto ticket = store_->GetTicket(t.ticket_id);
      if (!ticket.ok()) return ticket.status();
      if (ticket->has_value() && (*ticket)->status == TicketStatus::kResolved) {
        auto plan = PlanAction(*rt, SystemActor(), **ticket, Action::kNoAnswer, {}, now);
        if (plan.ok()) c = std::move(plan->change);
        else if (log_) log_("warn", "no-answer timer refused", {{"ticket_id", t.ticket_id}, {"why", plan.status().message()}});
      }
    } else if (log_) {
      log_("warn", "unknown timer kind: deleted", {{"kind", t.kind}, {"key", t.key}});
    }
    c.fired_timers.push_back(t.id);
    changes.push_back(std::move(c));
  }
  auto applied = store_->Apply(changes, now);
  if (!applied.ok()) return applied.status();
  int fired = 0;
  bool enqueued = false;
  for (size_t i = 0; i < changes.size(); ++i) {
    if (!(*applied)[i]) continue;  // the ticket changed meanwhile: its lease ends, and it is tried again
    ++fired;
    enqueued = enqueued || !changes[i].outbox.empty();
  }
  if (enqueued && on_enqueued_) on_enqueued_();
  return fired;
}

}  // namespace gridrelay::workflow
