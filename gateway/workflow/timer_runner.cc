#include "gateway/workflow/timer_runner.h"

#include "gateway/core/time_units.h"
#include "gateway/route/replies.h"
#include "gateway/route/reply_budget.h"
#include "gateway/workflow/actor.h"
#include "gateway/workflow/calendar.h"
#include "gateway/route/router.h"
#include "gateway/workflow/ticket_actions.h"

namespace gridrelay::workflow {
namespace {

constexpr int kBatch = 64;
constexpr int64_t kLeaseMicros = kMicrosPerMinute;
// Timers are also picked up by polling, for those another process scheduled.
constexpr int64_t kPollMicros = 5 * kMicrosPerSecond;

// A digest names at most this many items (the oldest); the rest wait for the next one.
constexpr int kDigestItems = 200;
constexpr int64_t kChinaOffset = kChinaUtcOffsetSeconds * kMicrosPerSecond;

// A supervisor's digest at `due`: its key names both, so that scheduling it again for the same
// day moves nothing and the digest is one outbox row with that key.
Timer ConfirmDigestTimer(const StaffMember& supervisor, int64_t due) {
  Timer digest;
  digest.key = "confirm-digest:" + supervisor.id + ":" + std::to_string(due / kMicrosPerSecond);
  digest.kind = kConfirmDailyTimer;
  digest.due_at = due;
  digest.payload = {{"supervisor", supervisor.id}};
  return digest;
}

}  // namespace

int64_t NextChinaTimeOfDay(int64_t now, int minutes) {
  const int64_t local = now + kChinaOffset;
  const int64_t midnight = local - ((local % kMicrosPerDay) + kMicrosPerDay) % kMicrosPerDay;
  int64_t at = midnight + minutes * kMicrosPerMinute;
  if (at <= local) at += kMicrosPerDay;
  return at - kChinaOffset;
}

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
    if (!(*applied)[i] && (*timers)[i].kind == kReplyBudgetTimer) {
      // A row was held for the group between the read and the commit (a burst is still
      // arriving): the window is planned again now from the fresh rows, not after its lease.
      auto again = FlushAgain(*rt, (*timers)[i], now);
      if (!again.ok()) return again.status();
      if (*again) {
        changes[i] = std::move(**again);
        (*applied)[i] = true;
      }
    }
    if (!(*applied)[i]) continue;  // the ticket changed meanwhile: its lease ends, and it is tried again
    ++fired;
    Report(changes[i]);
    // A reply-budget release makes a held row pending without inserting one.
    enqueued = enqueued || !changes[i].outbox.empty() || !changes[i].budget_flushes.empty();
  }
  if (enqueued && on_enqueued_) on_enqueued_();
  return fired;
}

StatusOr<ChangeSet> TimerRunner::Fire(const Runtime& rt, const Timer& t, int64_t now) {
  if (t.kind == kConfirmTimer) return FireConfirm(rt, t, now);
  if (t.kind == kConfirmDailyTimer) return FireConfirmDaily(rt, t, now);
  if (t.kind == kReplyBudgetTimer) return FireReplyBudget(rt, t, now);
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
    moved.due_at = *reading->due * kMicrosPerSecond;
    c.schedule_timers.push_back(std::move(moved));
    return c;
  }
  ActionArgs args;
  args.lapsed = deadline;
  plan_into(Action::kEscalate, args);
  return c;
}

StatusOr<ChangeSet> TimerRunner::FireConfirm(const Runtime& rt, const Timer& t, int64_t now) {
  ChangeSet c;
  auto ticket = store_->GetTicket(t.ticket_id);
  if (!ticket.ok()) return ticket.status();
  if (!ticket->has_value() || (*ticket)->status != TicketStatus::kUnconfirmed) return c;  // handled meanwhile
  const StaffMember* boss = SupervisorOf(rt.router->org(), **ticket);
  if (!boss) {
    if (log_) log_("warn", "a 待确认 item lapsed, but its grid has no supervisor", {{"ticket_id", t.ticket_id}});
    return c;
  }
  const int64_t due = NextChinaTimeOfDay(now, rt.config.confirm.digest_at_minutes);
  c.schedule_timers.push_back(ConfirmDigestTimer(*boss, due));
  c.events.push_back({0, t.ticket_id, now, "system", "confirm_overdue", {{"supervisor", boss->id}, {"digest_at", due}}});
  return c;
}

StatusOr<ChangeSet> TimerRunner::FireConfirmDaily(const Runtime& rt, const Timer& t, int64_t now) {
  ChangeSet c;
  const OrgIndex& org = rt.router->org();
  const StaffMember* boss = org.FindStaff(t.payload.value("supervisor", ""));
  if (!boss || boss->notify.channel.empty()) return c;
  TicketFilter f;
  f.status = TicketStatus::kUnconfirmed;
  f.scope = ActorForStaff(org, *boss).scope;
  f.limit = kDigestItems;
  auto items = store_->ListTickets(f);
  if (!items.ok()) return items.status();
  const int64_t waited = now - int64_t{rt.config.confirm.digest_after_hours} * kMicrosPerHour;
  std::string list;
  int count = 0;
  for (auto it = items->rbegin(); it != items->rend(); ++it) {  // oldest first
    if (it->created_at > waited) continue;
    ++count;
    const Grid* g = org.FindGrid(it->grid_id);
    list += (list.empty() ? "" : "、") + TicketNumber(it->id) + "（" + (g && !g->name.empty() ? g->name : it->grid_id) + "）";
  }
  if (count == 0) return c;  // all handled since
  OutboxEntry e = Notification(boss->notify, outbound_kind::kStaffNotify, priority::kStaff,
                               RenderTemplate(rt.config.templates.loop.at("confirm_digest"),
                                              {{"count", std::to_string(count)},
                                               {"hours", std::to_string(rt.config.confirm.digest_after_hours)},
                                               {"items", list}}),
                               t.key);  // one digest per supervisor and day
  if (const Adapter* a = rt.FindAdapter(e.message.channel)) e.rate_key = RateKey(*a, e.message);
  c.outbox.push_back(std::move(e));
  // Items still waiting are named again the next day, until someone handles them.
  c.schedule_timers.push_back(ConfirmDigestTimer(*boss, NextChinaTimeOfDay(now, rt.config.confirm.digest_at_minutes)));
  return c;
}

StatusOr<ChangeSet> TimerRunner::FireReplyBudget(const Runtime& rt, const Timer& t, int64_t now) {
  auto held = store_->BatchedOutbox(t.payload.value("channel", ""), t.payload.value("group", ""));
  if (!held.ok()) return held.status();
  return FlushBudgetWindow(rt.config, t, *held, now);
}

StatusOr<std::optional<ChangeSet>> TimerRunner::FlushAgain(const Runtime& rt, const Timer& t, int64_t now) {
  constexpr int kAttempts = 8;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    auto c = FireReplyBudget(rt, t, now);
    if (!c.ok()) return c.status();
    c->fired_timers.push_back(t.id);
    Status s = store_->Apply(*c, now);
    if (s.ok()) return std::optional<ChangeSet>(std::move(*c));
    if (s.code() != StatusCode::kAborted) return s;
  }
  return std::optional<ChangeSet>();  // still racing: its lease ends, and it is tried again
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
