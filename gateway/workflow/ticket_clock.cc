#include "gateway/core/time_units.h"
#include "gateway/workflow/ticket_clock.h"

namespace gridrelay::workflow {
namespace {


// Timers fire in microseconds; the calendar counts whole seconds. A due time rounds up, so a
// timer never fires before its deadline has lapsed.
int64_t ToSeconds(int64_t micros) { return micros / kMicrosPerSecond; }

}  // namespace

std::string_view Name(DeadlineKind k) { return k == DeadlineKind::kResponse ? "response" : "resolution"; }

std::optional<DeadlineKind> ParseDeadlineKind(std::string_view name) {
  for (DeadlineKind k : kAllDeadlineKinds)
    if (Name(k) == name) return k;
  return std::nullopt;
}

std::string_view DeadlineTimerKind(DeadlineKind k) {
  return k == DeadlineKind::kResponse ? kResponseDeadlineTimer : kResolutionDeadlineTimer;
}

std::optional<DeadlineKind> DeadlineKindOfTimer(std::string_view timer_kind) {
  for (DeadlineKind k : kAllDeadlineKinds)
    if (DeadlineTimerKind(k) == timer_kind) return k;
  return std::nullopt;
}

std::string DeadlineTimerKey(int64_t ticket_id, DeadlineKind k) {
  return "t" + std::to_string(ticket_id) + ":" + std::string(Name(k));
}

std::vector<StatusChange> StatusHistory(std::span<const TicketEvent> events) {
  std::vector<StatusChange> out;
  auto status_now = [&] { return out.empty() ? TicketStatus::kNew : out.back().status; };
  for (const TicketEvent& e : events) {
    const int64_t at = ToSeconds(e.at);
    if (e.action == "dispatched") {
      out.push_back({at, TicketStatus::kDispatched, std::nullopt});
      continue;
    }
    const nlohmann::json& d = e.detail;
    if (!d.is_object()) continue;
    if (auto lapsed = d.find("deadline"); lapsed != d.end() && lapsed->is_string()) {
      if (auto k = ParseDeadlineKind(lapsed->get<std::string>())) out.push_back({at, status_now(), k});
      continue;
    }
    auto to = d.find("to");
    if (to == d.end() || !to->is_string()) continue;
    auto status = ParseTicketStatus(to->get<std::string>());
    if (status && *status != status_now()) out.push_back({at, *status, std::nullopt});
  }
  return out;
}

StatusOr<ClockReading> ReadTicketClock(const Calendar& cal, const DeadlineTable& table, const Ticket& ticket,
                                       DeadlineKind kind, std::span<const StatusChange> history, int64_t now_micros) {
  const DeadlinePair pair = table.For(ticket.intent, ticket.urgent);
  return ReadDeadlineClock(cal, kind == DeadlineKind::kResponse ? pair.response : pair.resolution, kind, history,
                           ToSeconds(now_micros));
}

StatusOr<ClockPlan> PlanClocks(const Calendar& cal, const DeadlineTable& table, Ticket* ticket,
                               std::span<const StatusChange> history, int64_t now_micros) {
  ClockPlan plan;
  for (DeadlineKind kind : kAllDeadlineKinds) {
    auto reading = ReadTicketClock(cal, table, *ticket, kind, history, now_micros);
    if (!reading.ok()) return reading.status();
    plan.past_calendar_end |= reading->past_calendar_end;
    const std::string key = DeadlineTimerKey(ticket->id, kind);
    if (reading->state != ClockReading::State::kRunning) {
      plan.cancel.push_back(key);
      continue;
    }
    const int64_t due = *reading->due * kMicrosPerSecond;
    (kind == DeadlineKind::kResponse ? ticket->response_due_at : ticket->resolve_due_at) = due;
    Timer t;
    t.key = key;
    t.kind = DeadlineTimerKind(kind);
    t.ticket_id = ticket->id;
    t.due_at = due;
    plan.schedule.push_back(std::move(t));
  }
  return plan;
}

}  // namespace gridrelay::workflow
