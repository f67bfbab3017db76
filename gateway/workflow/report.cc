// Reports: the window, the per-ticket tally and the figures (definitions in report.h).
#include "gateway/workflow/report.h"

#include <algorithm>

#include "gateway/core/time_units.h"
#include "gateway/workflow/actor.h"
#include "gateway/workflow/calendar.h"

namespace gridrelay::workflow {
namespace {


size_t StatusIndex(TicketStatus s) {
  return static_cast<size_t>(std::find(kAllTicketStatuses.begin(), kAllTicketStatuses.end(), s) -
                             kAllTicketStatuses.begin());
}

// The nearest-rank `percent`-th percentile of `v` (not empty): the value at rank
// ceil(percent/100 * n), in integers so that no rounding moves a rank. Reorders `v`.
int64_t Percentile(std::vector<int64_t>& v, size_t percent) {
  const size_t rank = std::max<size_t>(1, (v.size() * percent + 99) / 100);
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(rank - 1), v.end());
  return v[rank - 1];
}

std::optional<double> Rate(int64_t num, int64_t den) {
  if (den == 0) return std::nullopt;
  return static_cast<double>(num) / static_cast<double>(den);
}

bool IsOpen(TicketStatus s) {
  return s != TicketStatus::kResolved && s != TicketStatus::kClosed && s != TicketStatus::kRejected &&
         s != TicketStatus::kMerged;
}

}  // namespace

StatusOr<int64_t> ParseTimeBound(const char* name, std::string_view s, bool day_end) {
  if (auto date = ParseDate(s)) {
    const int64_t day = DaysFromCivil(*date) + (day_end ? 1 : 0);
    return (day * kSecondsPerDay - kChinaUtcOffsetSeconds) * kMicrosPerSecond;
  }
  auto t = ParseIsoTime(s);
  if (!t.ok())
    return Status::InvalidArgument(std::string("'") + name + "' must be an RFC 3339 date (2026-11-01) or " +
                                   "date-time (2026-11-01T08:00:00+08:00), not '" + std::string(s) + "'");
  return *t * kMicrosPerSecond;
}

StatusOr<ReportWindow> ParseReportWindow(std::string_view from, std::string_view to, int64_t now) {
  ReportWindow w;
  if (to.empty()) {
    w.to = now;
  } else {
    auto t = ParseTimeBound("to", to, /*day_end=*/true);
    if (!t.ok()) return t.status();
    w.to = *t;
  }
  if (from.empty()) {
    w.from = w.to - kDefaultReportDays * kSecondsPerDay * kMicrosPerSecond;
  } else {
    auto f = ParseTimeBound("from", from, /*day_end=*/false);
    if (!f.ok()) return f.status();
    w.from = *f;
  }
  if (w.from >= w.to) return Status::InvalidArgument("'from' must be before 'to'");
  return w;
}

int64_t ReportFigures::count(TicketStatus s) const { return by_status[StatusIndex(s)]; }

ReportBuilder::ReportBuilder(ReportGroupBy group_by, ReportWindow window, int64_t now, const Calendar* calendar)
    : group_by_(group_by), window_(window), now_(now), calendar_(calendar) {}

std::optional<int64_t> ReportBuilder::Working(int64_t a, int64_t b) const {
  if (!calendar_) return std::nullopt;
  auto w = calendar_->WorkingSecondsBetween(a / kMicrosPerSecond, b / kMicrosPerSecond);
  if (!w.ok()) return std::nullopt;
  return w->seconds;
}

std::string_view ReportBuilder::KeyOf(const ReportRow& row) const {
  switch (group_by_) {
    case ReportGroupBy::kGrid: return row.grid_id;
    case ReportGroupBy::kCommunity: return row.community_id;
    case ReportGroupBy::kTeam: return row.team_id;
    case ReportGroupBy::kIntent: return row.intent;
  }
  return {};
}

void ReportBuilder::Add(const ReportRow& row) {
  const std::string_view key = KeyOf(row);
  auto it = groups_.find(key);
  if (it == groups_.end()) it = groups_.emplace(std::string(key), Tally{}).first;
  Tally& t = it->second;
  ReportFigures& f = t.figures;
  if (row.status == TicketStatus::kMerged || row.merged_into != 0) {
    ++f.merged;
    return;
  }
  ++f.total;
  ++f.by_status[StatusIndex(row.status)];
  // Rejected tickets and 待确认 items (not yet a request anyone handles) count in total and
  // by_status only.
  if (row.status == TicketStatus::kRejected || row.status == TicketStatus::kUnconfirmed) return;

  const bool accepted = row.accepted_at != 0;
  if (accepted || (row.response_due_at != 0 && now_ > row.response_due_at)) {
    ++f.needed_response;
    if (accepted && (row.response_due_at == 0 || row.accepted_at <= row.response_due_at)) ++f.responded_on_time;
  }
  if (accepted) {
    t.response_us.push_back(row.accepted_at - row.created_at);
    if (auto w = Working(row.created_at, row.accepted_at)) t.response_working_s.push_back(*w);
  }
  const int level = LevelRank(row.level);
  if (level >= 0) ++f.by_level[static_cast<size_t>(level)];
  if (level > 0) ++f.escalated;

  ++f.needed_resolution;
  const bool resolved = row.resolved_at != 0 &&
                        (row.status == TicketStatus::kResolved || row.status == TicketStatus::kClosed);
  if (resolved) {
    ++f.resolved;
    if (row.resolve_due_at == 0 || row.resolved_at <= row.resolve_due_at) ++f.resolved_on_time;
    t.resolution_us.push_back(row.resolved_at - row.created_at);
    if (auto w = Working(row.created_at, row.resolved_at)) t.resolution_working_s.push_back(*w);
  }

  if (row.visit) {
    ++f.visits;
    if (row.first_contact_at != 0) {
      ++f.contacted;
      t.first_contact_us.push_back(row.first_contact_at - row.created_at);
    }
  }

  if (row.satisfaction == "satisfied") ++f.satisfied;
  else if (row.satisfaction == "unsatisfied") ++f.unsatisfied;
  else if (row.satisfaction == "no_answer") ++f.no_answer;

  if (IsOpen(row.status) && row.status != TicketStatus::kWaitingResident &&
      ((!accepted && row.response_due_at != 0 && now_ > row.response_due_at) ||
       (row.resolve_due_at != 0 && now_ > row.resolve_due_at)))
    ++f.overdue;
}

void ReportBuilder::Complete(Tally& t) {
  ReportFigures& f = t.figures;
  f.response_rate = Rate(f.responded_on_time, f.needed_response);
  f.resolution_rate = Rate(f.resolved, f.needed_resolution);
  f.satisfaction_rate = Rate(f.satisfied, f.satisfied + f.unsatisfied);
  if (!t.response_us.empty()) {
    f.median_response_s = Percentile(t.response_us, 50) / kMicrosPerSecond;
    f.p90_response_s = Percentile(t.response_us, 90) / kMicrosPerSecond;
  }
  if (!t.resolution_us.empty()) f.median_resolution_s = Percentile(t.resolution_us, 50) / kMicrosPerSecond;
  f.resolution_on_time_rate = Rate(f.resolved_on_time, f.resolved);
  if (!t.response_working_s.empty()) f.median_response_working_s = Percentile(t.response_working_s, 50);
  if (!t.resolution_working_s.empty()) f.median_resolution_working_s = Percentile(t.resolution_working_s, 50);
  if (!t.first_contact_us.empty()) {
    f.median_first_contact_s = Percentile(t.first_contact_us, 50) / kMicrosPerSecond;
    f.p90_first_contact_s = Percentile(t.first_contact_us, 90) / kMicrosPerSecond;
  }
}

Report ReportBuilder::Finish() && {
  Report r;
  r.group_by = group_by_;
  r.window = window_;
  r.now = now_;
  // The total row is the sum of the groups: every row was added to exactly one.
  Tally total;
  for (auto& [key, t] : groups_) {
    ReportFigures& a = total.figures;
    const ReportFigures& g = t.figures;
    a.total += g.total;
    for (size_t i = 0; i < a.by_status.size(); ++i) a.by_status[i] += g.by_status[i];
    a.merged += g.merged;
    a.needed_response += g.needed_response;
    a.responded_on_time += g.responded_on_time;
    a.needed_resolution += g.needed_resolution;
    a.resolved += g.resolved;
    a.satisfied += g.satisfied;
    a.unsatisfied += g.unsatisfied;
    a.no_answer += g.no_answer;
    a.overdue += g.overdue;
    a.resolved_on_time += g.resolved_on_time;
    a.escalated += g.escalated;
    a.visits += g.visits;
    a.contacted += g.contacted;
    for (size_t i = 0; i < a.by_level.size(); ++i) a.by_level[i] += g.by_level[i];
    auto append = [](std::vector<int64_t>& to, const std::vector<int64_t>& from) {
      to.insert(to.end(), from.begin(), from.end());
    };
    append(total.response_us, t.response_us);
    append(total.resolution_us, t.resolution_us);
    append(total.response_working_s, t.response_working_s);
    append(total.resolution_working_s, t.resolution_working_s);
    append(total.first_contact_us, t.first_contact_us);
    Complete(t);
    t.figures.key = key;
    r.groups.push_back(std::move(t.figures));
  }
  Complete(total);
  r.total = std::move(total.figures);
  std::sort(r.groups.begin(), r.groups.end(), [](const auto& a, const auto& b) { return a.key < b.key; });
  return r;
}

StatusOr<Report> BuildReport(TicketStore& store, ReportGroupBy group_by, ReportWindow window,
                             const std::optional<TicketScope>& scope, int64_t now, const Calendar* calendar) {
  ReportBuilder builder(group_by, window, now, calendar);
  Status s = store.ReportRows(window.from, window.to, scope, [&](const ReportRow& row) { builder.Add(row); });
  if (!s.ok()) return s;
  return std::move(builder).Finish();
}

}  // namespace gridrelay::workflow
