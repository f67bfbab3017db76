// `gridrelay report`: a figures table and a by-status table, one row per group and a total.
#include "gateway/report_command.h"

#include <cstdio>
#include <string_view>
#include <vector>

#include "gateway/api/api_json.h"
#include "gateway/core/time_units.h"
#include "gateway/workflow/calendar.h"
#include "gateway/workflow/deadline_command.h"
#include "gateway/workflow/report.h"

namespace gridrelay {
namespace {

using workflow::ReportFigures;

std::string Percent(const std::optional<double>& rate) {
  if (!rate) return "-";
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.1f%%", *rate * 100);
  return buf;
}

// "2d3h", "1h30m", "45m", "20s"; "-" when there is nothing to measure.
std::string Duration(const std::optional<int64_t>& seconds) {
  if (!seconds) return "-";
  const int64_t s = *seconds, d = s / 86400, h = s % 86400 / 3600, m = s % 3600 / 60;
  if (d) return std::to_string(d) + "d" + std::to_string(h) + "h";
  if (h) return std::to_string(h) + "h" + std::to_string(m) + "m";
  if (m) return std::to_string(m) + "m";
  return std::to_string(s) + "s";
}

// Left-aligns the first column and right-aligns the others, two spaces apart.
void PrintTable(const std::vector<std::vector<std::string>>& rows, std::ostream& out) {
  std::vector<size_t> width;
  for (const auto& row : rows)
    for (size_t i = 0; i < row.size(); ++i) {
      if (width.size() <= i) width.push_back(0);
      width[i] = std::max(width[i], row[i].size());
    }
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      const std::string pad(width[i] - row[i].size(), ' ');
      line += i == 0 ? row[i] + pad : "  " + pad + row[i];
    }
    out << line << "\n";
  }
}

std::string Label(const ReportFigures& f) { return f.key.empty() ? "(none)" : f.key; }

}  // namespace

int RunReport(TicketStore& store, const ReportArgs& args, const workflow::Calendar* calendar, int64_t now,
              std::ostream& out, std::ostream& err) {
  auto window = workflow::ParseReportWindow(args.from, args.to, now);
  if (!window.ok()) {
    err << "error: " << window.status().message() << "\n";
    return workflow::kExitUsage;
  }
  const auto group_by = workflow::ParseReportGroupBy(args.group_by);
  if (!group_by) {
    err << "error: --group-by must be grid, community, team or intent, not '" << args.group_by << "'\n";
    return workflow::kExitUsage;
  }
  auto report = workflow::BuildReport(store, *group_by, *window, std::nullopt, now, calendar);
  if (!report.ok()) {
    err << "error: " << report.status().message() << "\n";
    return 1;
  }
  if (args.json) {
    out << ReportJson(*report).dump(2) << "\n";
    return 0;
  }
  out << "tickets created " << workflow::FormatChinaTime(window->from / kMicrosPerSecond) << " .. "
      << workflow::FormatChinaTime(window->to / kMicrosPerSecond) << ", by " << Name(*group_by) << ", at "
      << workflow::FormatChinaTime(now / kMicrosPerSecond) << "\n\n";

  std::vector<const ReportFigures*> rows;
  for (const auto& g : report->groups) rows.push_back(&g);
  rows.push_back(&report->total);
  auto label = [&](const ReportFigures* f) { return f == &report->total ? std::string("total") : Label(*f); };

  std::vector<std::vector<std::string>> figures = {{std::string(Name(*group_by)), "total", "response", "resolution",
                                                    "satisfaction", "no_answer", "median_response", "p90_response",
                                                    "median_resolution", "on_time", "working_response",
                                                    "working_resolution", "overdue", "escalated", "merged",
                                                    "first_contact"}};
  for (const ReportFigures* f : rows)
    figures.push_back({label(f), std::to_string(f->total), Percent(f->response_rate), Percent(f->resolution_rate),
                       Percent(f->satisfaction_rate), std::to_string(f->no_answer), Duration(f->median_response_s),
                       Duration(f->p90_response_s), Duration(f->median_resolution_s),
                       Percent(f->resolution_on_time_rate), Duration(f->median_response_working_s),
                       Duration(f->median_resolution_working_s), std::to_string(f->overdue),
                       std::to_string(f->escalated), std::to_string(f->merged), Duration(f->median_first_contact_s)});
  PrintTable(figures, out);
  out << "\n";

  std::vector<std::vector<std::string>> statuses = {{std::string(Name(*group_by))}};
  for (TicketStatus s : kAllTicketStatuses)
    if (s != TicketStatus::kMerged) statuses[0].push_back(std::string(Name(s)));
  for (const ReportFigures* f : rows) {
    statuses.push_back({label(f)});
    for (TicketStatus s : kAllTicketStatuses)
      if (s != TicketStatus::kMerged) statuses.back().push_back(std::to_string(f->count(s)));
  }
  PrintTable(statuses, out);
  out << "\nrates and times count neither rejected nor merged tickets; no_answer is never satisfied (README, "
         "\"Reports\")\n";
  return 0;
}

}  // namespace gridrelay
