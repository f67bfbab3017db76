// Ticket clocks (issue #9): a ticket's response and resolution deadlines as due times on the
// ticket and persisted timers that TimerRunner fires.
//
// The history of a ticket's status (from its events) is the one source of truth: ReadDeadlineClock
// reads it, so the clock starts at dispatch, pauses while waiting_resident, restarts on reopening
// and restarts the lapsed deadline on escalation, whatever path changed the status. PlanClocks is
// called on every change with the history including that change, and says which timers to
// schedule (a running clock: its due time) and cancel (a paused or stopped one). A timer that
// fires reads the clock again before acting, so a timer left behind by a race never escalates a
// ticket that is not overdue.
//
// Units: the store and the timers count Unix microseconds; the calendar counts seconds.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/store/store.h"
#include "gateway/workflow/calendar.h"
#include "gateway/workflow/deadlines.h"

namespace gridrelay::workflow {

inline constexpr const char* kResponseDeadlineTimer = "response_deadline";
inline constexpr const char* kResolutionDeadlineTimer = "resolution_deadline";
inline constexpr DeadlineKind kAllDeadlineKinds[] = {DeadlineKind::kResponse, DeadlineKind::kResolution};

std::string_view Name(DeadlineKind k);  // "response", "resolution"
std::optional<DeadlineKind> ParseDeadlineKind(std::string_view name);
// The timer of one deadline of a ticket: kind "response_deadline", key "t42:response".
std::string_view DeadlineTimerKind(DeadlineKind k);
std::optional<DeadlineKind> DeadlineKindOfTimer(std::string_view timer_kind);
std::string DeadlineTimerKey(int64_t ticket_id, DeadlineKind k);

// A ticket's status history, in time order, from its events: `dispatched`, every event whose
// detail changes the status ({"from", "to"} differing), and every escalation that restarted a
// lapsed deadline ({"deadline": "response"|"resolution"}).
std::vector<StatusChange> StatusHistory(std::span<const TicketEvent> events);

struct ClockPlan {
  std::vector<Timer> schedule;
  std::vector<std::string> cancel;
  bool past_calendar_end = false;  // a due time counted past the calendar's last year
};

// Brings `ticket`'s due fields and deadline timers up to date at `now_micros`, given its status
// `history` including the change being planned. A running clock sets its due field and
// schedules its timer; a paused or stopped clock cancels its timer and keeps the due time it
// had (reports judge "on time" against it).
[[nodiscard]] StatusOr<ClockPlan> PlanClocks(const Calendar& cal, const DeadlineTable& table, Ticket* ticket,
                                             std::span<const StatusChange> history, int64_t now_micros);

// Reads one deadline of `ticket` at `now_micros` (for a timer that fires, and for reports).
[[nodiscard]] StatusOr<ClockReading> ReadTicketClock(const Calendar& cal, const DeadlineTable& table,
                                                     const Ticket& ticket, DeadlineKind kind,
                                                     std::span<const StatusChange> history, int64_t now_micros);

}  // namespace gridrelay::workflow
