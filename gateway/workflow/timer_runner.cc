#include "gateway/workflow/timer_runner.h"

#include "gateway/route/router.h"
#include "gateway/workflow/ticket_actions.h"

namespace gridrelay::workflow {
namespace {

constexpr int kBatch = 64;
constexpr int64_t kLeaseMicros = int64_t{60} * 1000000;
// Timers are also picked up by polling, for those another process scheduled.
constexpr int64_t kPollMicros = int64_t{5} * 1000000;

}  // namespace

TimerRunner::TimerRunner(Store* store, const Clock* clock, Metrics* metrics, RuntimeFn runtime, LogFn log,
                         std::function<void()> on_enqueued)
    : store_(store),
      clock_(clock),
      metrics_(metrics),
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
    auto c = Fire(*rt, t, now);
    if (!c.ok()) return c.status();
    c->fired_timers.push_back(t.id);
    changes.push_back(std::move(*c));
  }
  auto applied = store_->Apply(changes, now);
  if (!applied.ok()) return applied.status();
  int fired = 0;
  bool enqueued = false;
  for (size_t i = 0; i < changes.size(); ++i) {
    if (!(*applied)[i]) continue;  // the ticket changed meanwhile: its lease ends, and it is tried again
    ++fired;
    Report(changes[i]);
    enqueued = enqueued || !changes[i].outbox.empty();
  }
  if (enqueued && on_enqueued_) on_enqueued_();
  return fired;
}

StatusOr<ChangeSet> TimerRunner::Fire(const Runtime& rt, const Timer& t, int64_t now) {
  ChangeSet c;
  const std::optional<DeadlineKind> deadline = DeadlineKindOfTimer(t.kind);
  const bool visit = t.kind == kVisitEscalationTimer;
  if (t.kind != kSatisfactionTimer && !deadline && !visit) {
    if (log_) log_("warn", "unknown timer kind: deleted", {{"kind", t.kind}, {"key", t.key}});
    return c;
  }
  auto state = ReadTicketState(store_, t.ticket_id);
  if (!state.ok()) return state.status();
  if (!state->has_value()) return c;
  const TicketState& ticket = **state;
  auto plan_into = [&](Action action, const ActionArgs& args) {
    auto plan = PlanAction(rt, SystemActor(), ticket, action, args, now);
    if (plan.ok()) c = std::move(plan->change);
    else if (log_)
      log_("warn", "timer's action refused", {{"ticket_id", t.ticket_id}, {"key", t.key}, {"why", plan.status().message()}});
    return plan.ok();
  };
  if (visit) {
    // An urgent anti_fraud ticket climbs a level the moment it opens (router.h, NeedsVisit).
    ActionArgs args;
    args.note = "紧急反诈，立即升级 (urgent anti_fraud: escalated at once)";
    plan_into(Action::kEscalate, args);
    return c;
  }
  if (!deadline) {
    if (ticket.ticket.status == TicketStatus::kResolved) plan_into(Action::kNoAnswer, {});
    return c;
  }
  // The clock is read again: the ticket may have paused or moved on since the timer was set.
  auto reading = ReadTicketClock(*rt.calendar, *rt.deadlines, ticket.ticket, *deadline, ticket.history, now);
  if (!reading.ok()) return reading.status();
  if (reading->state != ClockReading::State::kRunning) return c;
  if (!reading->overdue) {  // due later than the timer said: it moves
    Timer moved = t;
    moved.due_at = *reading->due * 1000000;
    c.schedule_timers.push_back(std::move(moved));
    return c;
  }
  ActionArgs args;
  args.lapsed = deadline;
  plan_into(Action::kEscalate, args);
  return c;
}

void TimerRunner::Report(const ChangeSet& fired) {
  for (const TicketEvent& e : fired.events) {
    if (e.action != Name(Action::kEscalate)) continue;
    const std::string level = e.detail.value("level", "");
    const bool beyond = e.detail.value("beyond_top", false);
    if (metrics_) metrics_->Inc(metric::kEscalations, {{"level", beyond ? "beyond_" + level : level}});
    const bool lapsed = e.detail.contains("deadline");
    if (log_)
      log_(beyond ? "warn" : "info",
           !lapsed  ? "urgent anti_fraud ticket: escalated at once"
           : beyond ? "deadline lapsed at the top level: its duty officer is told again"
                    : "deadline lapsed: escalated",
           {{"ticket_id", e.ticket_id}, {"deadline", e.detail.value("deadline", "")}, {"level", level}});
  }
}

}  // namespace gridrelay::workflow
