// `gridrelay deadline` and the workflow's check-config step.
#include "gateway/workflow/deadline_command.h"

#include <cmath>

#include "gateway/workflow/calendar.h"
#include "gateway/workflow/deadlines.h"

namespace gridrelay::workflow {
namespace {

std::string Hours(int64_t s) {
  std::string out = std::to_string(s / 3600) + "h";
  if (s % 3600) out += std::to_string(s % 3600 / 60) + "m";
  if (s % 60) out += std::to_string(s % 60) + "s";
  return out;
}

}  // namespace

int RunDeadline(const std::filesystem::path& config_dir, const DeadlineArgs& args, std::ostream& out,
                std::ostream& err) {
  auto usage = [&](const std::string& why) {
    err << "error: " << why << "\n" << kDeadlineUsage << "\n";
    return kExitUsage;
  };
  auto start = ParseIsoTime(args.from);
  if (!start.ok()) return usage(start.status().message());
  if (args.working_hours.has_value() == args.calendar_hours.has_value())
    return usage("give exactly one of --working-hours and --calendar-hours");
  const double hours = args.working_hours ? *args.working_hours : *args.calendar_hours;
  // 30 years bounds the walk; NaN and negatives fail the first test.
  if (!(hours >= 0) || hours > 24.0 * 366 * 30) return usage("the number of hours must be between 0 and 262800");
  const auto seconds = static_cast<int64_t>(std::llround(hours * 3600));

  auto cal = Calendar::Load(config_dir / "calendar.yaml");
  if (!cal.ok()) {
    err << "error: " << cal.status().message() << "\n";
    return 1;
  }
  auto due = args.working_hours ? cal->AddWorkingTime(*start, seconds) : cal->AddCalendarTime(*start, seconds);
  if (!due.ok()) return usage(due.status().message());
  out << "from: " << FormatChinaTime(*start) << "\n";
  out << "add:  " << Hours(seconds) << (args.working_hours ? " working time" : " calendar time") << "\n";
  out << "due:  " << FormatChinaTime(due->due) << "\n";
  out << (args.working_hours ? "working periods used:\n" : "period:\n");
  for (const TimeSpan& s : due->used)
    out << "  " << FormatChinaTime(s.begin) << " .. " << FormatChinaTime(s.end) << "  " << Hours(s.end - s.begin)
        << "\n";
  if (due->past_calendar_end)
    out << "warning: past_calendar_end: calendar.yaml lists years " << cal->first_year() << "-" << cal->last_year()
        << "; later dates count plain weekends only, without holidays or 调休\n";
  return 0;
}

Status CheckWorkflowConfig(const std::filesystem::path& config_dir, std::span<const std::string_view> known_intents,
                           int64_t now_unix_s, std::ostream& out) {
  auto cal = Calendar::Load(config_dir / "calendar.yaml");
  if (!cal.ok()) return cal.status();
  auto table = DeadlineTable::Load(config_dir / "deadlines.yaml", known_intents);
  if (!table.ok()) return table.status();
  // A year ahead: the notice for next year usually appears in November.
  for (int y : cal->MissingYears(now_unix_s, now_unix_s + int64_t{366} * 86400))
    out << "warning: " << MissingYearWarning(y) << "\n";
  return Status::Ok();
}

}  // namespace gridrelay::workflow
