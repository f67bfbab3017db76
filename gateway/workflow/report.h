// Reports (issue 8): the figures 12345 hotlines are judged by, per grid, community, team or
// intent, over the tickets created in a window. Pure: rows in, figures out, `now` given. The
// store streams the rows (TicketStore::ReportRows); GET /api/v1/stats, `gridrelay report` and
// the benchmark all go through BuildReport, so that the definitions below live in one place.
//
// Which tickets count (after 12345 practice):
//  - merged tickets (status merged, or merged_into set) are duplicates: they count nowhere but
//    in `merged`; their survivor carries the request.
//  - rejected tickets (驳回: not a real request) count in `total` and by status, and in no
//    rate, duration or overdue figure: a worker must not improve (or spoil) a rate by rejecting.
//    So do 待确认 items (unconfirmed, issue #11) while they wait: not yet a request anyone
//    handles; a dismissed one is rejected, a confirmed one a ticket like any other.
//  - every other ticket is "valid".
//
// The figures, for valid tickets at `now`:
//  - response_rate (及时响应率) = responded_on_time / needed_response. A ticket needed a response
//    once it was accepted (接单) or once its response deadline passed unaccepted; a ticket still
//    inside its deadline, or with none yet, is not judged. It was on time when accepted_at is
//    set and, when it has a deadline, accepted_at <= response_due_at.
//  - resolution_rate (办结率) = resolved / needed_resolution, where every valid ticket needs
//    handling and `resolved` counts those resolved (办结) or closed after resolution. A reopened
//    ticket is not resolved until it is resolved again. Recent tickets lower it: that is what
//    the rate says at `now`; `overdue` says whether anything is late.
//  - satisfaction_rate (满意率) = satisfied / (satisfied + unsatisfied), on the resident's last
//    answer. Silence (no_answer, 未回复) is counted in `no_answer` and is never satisfaction:
//    counting it as satisfied is the classic way to inflate the rate, and as unsatisfied would
//    punish workers for residents who do not answer.
//  - a rate whose denominator is 0 is absent (JSON null): "nothing to judge" is neither 0 nor 1.
//  - median_response_s / p90_response_s: accepted_at − created_at over accepted tickets;
//    median_resolution_s: resolved_at − created_at over resolved tickets (as in the rate).
//    Nearest-rank percentiles (the median of an even count is the lower middle), in whole
//    seconds, so that each is some ticket's real time; absent when there is none.
//  - overdue: open tickets past response_due_at without acceptance, or past resolve_due_at
//    without resolution. Open means not resolved, closed, rejected or merged; a ticket waiting
//    for the resident is not overdue either, because its deadline clock is paused.
//  - resolution_on_time_rate (按时办结率) = resolved_on_time / resolved: resolved tickets whose
//    resolved_at is within their resolution deadline (the one in force when it was resolved:
//    pauses for the resident moved it, an escalation restarted it at the new level).
//  - median_response_working_s / median_resolution_working_s: the same durations counted in
//    working time on calendar.yaml (nights, weekends, holidays and lunch excluded), as staff
//    are judged; absent without a calendar.
//  - escalated: valid tickets above the grid level now; by_level counts each level (grid,
//    community, street, district).
//  - visits: valid urgent anti_fraud tickets (上门劝阻, issue #12); contacted: those whose call or
//    visit was recorded (dissuaded or unreachable); median_first_contact_s / p90_first_contact_s:
//    first_contact_at − created_at over contacted tickets, nearest-rank like the response times.
// Deadlines at 0 (none set) never make a ticket late.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "gateway/core/enum_names.h"
#include "gateway/core/status.h"
#include "gateway/core/ticket_status.h"
#include "gateway/store/store.h"
#include "gateway/workflow/calendar.h"

namespace gridrelay::workflow {

enum class ReportGroupBy { kGrid, kCommunity, kTeam, kIntent };
inline constexpr EnumName<ReportGroupBy> kReportGroupByNames[] = {{ReportGroupBy::kGrid, "grid"},
                                                                   {ReportGroupBy::kCommunity, "community"},
                                                                   {ReportGroupBy::kTeam, "team"},
                                                                   {ReportGroupBy::kIntent, "intent"}};
constexpr std::string_view Name(ReportGroupBy v) { return NameIn(kReportGroupByNames, v); }
constexpr std::optional<ReportGroupBy> ParseReportGroupBy(std::string_view s) {
  return ParseIn(kReportGroupByNames, s);
}

// Tickets created in [from, to), Unix microseconds.
struct ReportWindow {
  int64_t from = 0;
  int64_t to = 0;
};

inline constexpr int kDefaultReportDays = 30;

// The window for the API's and the CLI's `from` and `to`. Each is RFC 3339: a full date
// "2026-11-01" is that whole day in China time (from: its start; to: its end, so from=11-01 and
// to=11-30 is November), and a date-time "2026-11-01T08:00:00+08:00" is that instant (to is
// exclusive). Empty `to` is `now`; empty `from` is kDefaultReportDays before `to`.
// InvalidArgument naming the parameter for anything else, or when from is not before to.
[[nodiscard]] StatusOr<ReportWindow> ParseReportWindow(std::string_view from, std::string_view to, int64_t now);
// One bound, in Unix microseconds: a date is its day's start in China time (its end, the next
// day's start, when `day_end`), a date-time that instant. InvalidArgument naming `name` else.
[[nodiscard]] StatusOr<int64_t> ParseTimeBound(const char* name, std::string_view s, bool day_end);

// One row of a report (see the definitions above).
struct ReportFigures {
  std::string key;  // the group's grid, community, team or intent ("" when the ticket has none)
  int64_t total = 0;  // tickets counted (all but merged)
  std::array<int64_t, kAllTicketStatuses.size()> by_status{};  // indexed as kAllTicketStatuses
  int64_t merged = 0;
  int64_t needed_response = 0;
  int64_t responded_on_time = 0;
  int64_t needed_resolution = 0;
  int64_t resolved = 0;
  int64_t satisfied = 0;
  int64_t unsatisfied = 0;
  int64_t no_answer = 0;
  int64_t overdue = 0;
  int64_t resolved_on_time = 0;
  int64_t escalated = 0;
  std::array<int64_t, 4> by_level{};  // grid, community, street, district
  std::optional<double> response_rate;
  std::optional<double> resolution_rate;
  std::optional<double> satisfaction_rate;
  std::optional<int64_t> median_response_s;
  std::optional<int64_t> p90_response_s;
  std::optional<int64_t> median_resolution_s;
  std::optional<double> resolution_on_time_rate;
  std::optional<int64_t> median_response_working_s;
  std::optional<int64_t> median_resolution_working_s;
  int64_t visits = 0;     // urgent anti_fraud tickets (上门劝阻)
  int64_t contacted = 0;  // of those, with a call or visit recorded
  std::optional<int64_t> median_first_contact_s;
  std::optional<int64_t> p90_first_contact_s;

  int64_t count(TicketStatus s) const;
};

struct Report {
  ReportGroupBy group_by = ReportGroupBy::kGrid;
  ReportWindow window;
  int64_t now = 0;
  std::vector<ReportFigures> groups;  // one per key present, by key
  ReportFigures total;                // every row (key "")
};

// Adds rows one at a time (as the store streams them) and computes the figures at the end.
// Memory: a few counters per group and one duration per accepted or resolved ticket.
class ReportBuilder {
 public:
  // `calendar` (may be null: no working-time figures) outlives the builder.
  ReportBuilder(ReportGroupBy group_by, ReportWindow window, int64_t now, const Calendar* calendar);
  void Add(const ReportRow& row);
  Report Finish() &&;

 private:
  struct Tally {
    ReportFigures figures;
    std::vector<int64_t> response_us;
    std::vector<int64_t> resolution_us;
    std::vector<int64_t> response_working_s;
    std::vector<int64_t> resolution_working_s;
    std::vector<int64_t> first_contact_us;
  };
  struct KeyHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::string_view KeyOf(const ReportRow& row) const;
  // Working seconds in [a, b) (Unix microseconds); nullopt without a calendar.
  std::optional<int64_t> Working(int64_t a, int64_t b) const;
  static void Complete(Tally& t);

  ReportGroupBy group_by_;
  ReportWindow window_;
  int64_t now_;
  const Calendar* calendar_;
  std::unordered_map<std::string, Tally, KeyHash, std::equal_to<>> groups_;
};

// GET /api/v1/stats: reads the window's rows in `scope` (nullopt: every ticket) and aggregates.
[[nodiscard]] StatusOr<Report> BuildReport(TicketStore& store, ReportGroupBy group_by, ReportWindow window,
                                           const std::optional<TicketScope>& scope, int64_t now,
                                           const Calendar* calendar);

}  // namespace gridrelay::workflow
