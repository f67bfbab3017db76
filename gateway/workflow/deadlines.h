// Deadlines (issue #9): the table of response and resolution deadlines per category and
// intent (config/deadlines.yaml), and DeadlineClock, which reads a ticket's status history
// against one deadline.
//
// Lookup, field by field (response and resolution independently), first match wins:
//   urgent (the classification's urgent flag)  >  intents.<intent>  >  categories.<category>  >  default
// Each deadline is `{within: 15m|2h|7d, clock: working|calendar}`; a working-time deadline is
// counted on the Calendar, a calendar-time one is plain elapsed time.
//
// The clock (DeadlineClock): it starts when the ticket is first dispatched (not when it is
// accepted, so an unsigned ticket cannot be parked), pauses while waiting_resident, and
// starts again from zero when the ticket is reopened. The response deadline stops at the first
// acceptance; the resolution deadline stops at resolved / closed / rejected / merged.
//
// Pure and thread-safe once loaded.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "gateway/core/status.h"
#include "gateway/core/ticket_status.h"
#include "gateway/workflow/calendar.h"

namespace gridrelay::workflow {

enum class ClockKind { kWorking, kCalendar };
std::string_view Name(ClockKind k);  // "working", "calendar"
std::optional<ClockKind> ParseClockKind(std::string_view name);

struct Deadline {
  int64_t seconds = 0;  // > 0
  ClockKind clock = ClockKind::kWorking;
  friend bool operator==(const Deadline&, const Deadline&) = default;
};

// "15m", "2h", "24h", "7d" -> seconds. nullopt unless a positive integer and one unit.
std::optional<int64_t> ParseDuration(std::string_view s);
// 900 -> "15m", 7200 -> "2h", 604800 -> "7d" (the largest unit that divides it).
std::string FormatDuration(int64_t seconds);

struct DeadlinePair {
  Deadline response;
  Deadline resolution;
};

class DeadlineTable {
 public:
  // Loads and validates the table. `known_intents` is the taxonomy's set of intent names
  // ("appeal.noise", …); categories are their prefixes. Errors name file:line: unknown keys,
  // unknown intents or categories, a malformed or non-positive duration, an unknown clock,
  // working-time deadlines in days (write hours: a working day's length is the calendar's).
  [[nodiscard]] static StatusOr<DeadlineTable> Load(const std::filesystem::path& file,
                                                    std::span<const std::string_view> known_intents);

  DeadlinePair For(std::string_view intent, bool urgent) const;

 private:
  struct Partial {
    std::optional<Deadline> response, resolution;
  };
  DeadlineTable() = default;
  Partial default_, urgent_;
  std::map<std::string, Partial, std::less<>> categories_, intents_;
};

// The due time of a deadline counted from `start`.
[[nodiscard]] StatusOr<DueTime> ComputeDue(const Calendar& cal, Deadline d, int64_t start_unix_s);

// ---- DeadlineClock ----

enum class DeadlineKind { kResponse, kResolution };

// One entry of a ticket's status history: it entered `status` at `at` (Unix seconds). An
// escalation for a lapsed deadline is an entry too, with the status unchanged and `restarts`
// naming the deadline that starts again from zero at the new level.
struct StatusChange {
  int64_t at = 0;
  TicketStatus status = TicketStatus::kNew;
  std::optional<DeadlineKind> restarts;
};

struct ClockReading {
  enum class State { kNotStarted, kRunning, kPaused, kStopped };
  State state = State::kNotStarted;
  int64_t elapsed = 0;           // working or calendar seconds counted since the last (re)start
  std::optional<int64_t> due;    // when it lapses if it keeps running (kRunning only)
  bool overdue = false;          // running: now >= due; paused or stopped: elapsed >= budget
  bool past_calendar_end = false;
};

// Reads `history` (in time order; InvalidArgument otherwise) at `now` for deadline `d`.
[[nodiscard]] StatusOr<ClockReading> ReadDeadlineClock(const Calendar& cal, Deadline d, DeadlineKind kind,
                                                       std::span<const StatusChange> history, int64_t now);

}  // namespace gridrelay::workflow
