// Calendar loading, validation and working-time arithmetic in fixed UTC+8.
#include "gateway/workflow/calendar.h"

#include <algorithm>
#include <cstdio>

#include "gateway/core/time_units.h"
#include "util/yaml_file.h"

namespace gridrelay::workflow {
namespace {

constexpr std::string_view kWeekdayKeys[7] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

bool ParseDigits(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

// "HH:MM" with 00:00 <= t <= 24:00.
std::optional<int> ParseClock(std::string_view s) {
  int h = 0, m = 0;
  if (s.size() != 5 || s[2] != ':' || !ParseDigits(s, 0, 2, &h) || !ParseDigits(s, 3, 2, &m)) return std::nullopt;
  if (m > 59 || h > 24 || (h == 24 && m != 0)) return std::nullopt;
  return h * 3600 + m * 60;
}

std::string ClockText(int s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%02d:%02d", s / 3600, s / 60 % 60);
  return buf;
}

// A list of "HH:MM-HH:MM", sorted, each non-empty, none overlapping.
Status ReadPeriods(const YamlFile& f, const YAML::Node& node, const std::string& what, std::vector<DayPeriod>* out) {
  out->clear();
  if (!node || node.IsNull()) return Status::Ok();
  if (!node.IsSequence()) return f.Error(node, what + " must be a list of \"HH:MM-HH:MM\"");
  for (const auto& item : node) {
    const std::string s = item.IsScalar() ? item.Scalar() : "";
    const size_t dash = s.find('-');
    std::optional<int> b, e;
    if (dash != std::string::npos) {
      b = ParseClock(std::string_view(s).substr(0, dash));
      e = ParseClock(std::string_view(s).substr(dash + 1));
    }
    if (!b || !e) return f.Error(item, what + ": '" + s + "' is not a period \"HH:MM-HH:MM\"");
    if (*e <= *b) return f.Error(item, what + ": period '" + s + "' must end after it begins");
    out->push_back({*b, *e});
  }
  std::vector<DayPeriod> sorted = *out;
  std::sort(sorted.begin(), sorted.end(), [](DayPeriod a, DayPeriod b) { return a.begin < b.begin; });
  for (size_t i = 1; i < sorted.size(); ++i)
    if (sorted[i].begin < sorted[i - 1].end)
      return f.Error(node, what + ": periods " + ClockText(sorted[i - 1].begin) + "-" + ClockText(sorted[i - 1].end) +
                               " and " + ClockText(sorted[i].begin) + "-" + ClockText(sorted[i].end) + " overlap");
  *out = std::move(sorted);
  return Status::Ok();
}

StatusOr<CivilDate> ReadDate(const YamlFile& f, const YAML::Node& node, int year, const std::string& what) {
  if (!node || !node.IsScalar()) return f.Error(node, what + " must be a date YYYY-MM-DD");
  std::optional<CivilDate> d = ParseDate(node.Scalar());
  if (!d) return f.Error(node, what + ": '" + node.Scalar() + "' is not a date that exists (YYYY-MM-DD)");
  if (d->year != year) return f.Error(node, what + ": " + node.Scalar() + " is not in " + std::to_string(year));
  return *d;
}

const std::vector<DayPeriod>& NoPeriods() {
  static const std::vector<DayPeriod> kNone;
  return kNone;
}

}  // namespace

int64_t DaysFromCivil(CivilDate d) {
  const int64_t y = d.year - (d.month <= 2);
  const int64_t era = FloorDiv(y, 400);
  const int64_t yoe = y - era * 400;
  const int64_t mp = (d.month + 9) % 12;
  const int64_t doy = (153 * mp + 2) / 5 + d.day - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

CivilDate CivilFromDays(int64_t z) {
  z += 719468;
  const int64_t era = FloorDiv(z, 146097);
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  const int m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  return {static_cast<int>(yoe + era * 400 + (m <= 2)), m, d};
}

bool IsValidDate(CivilDate d) {
  if (d.year < 1 || d.year > 9999 || d.month < 1 || d.month > 12 || d.day < 1) return false;
  static constexpr int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (d.year % 4 == 0 && d.year % 100 != 0) || d.year % 400 == 0;
  return d.day <= kDays[d.month - 1] + (d.month == 2 && leap);
}

int WeekdayOf(CivilDate d) {
  // 1970-01-01 was a Thursday (3 with Monday = 0).
  return static_cast<int>(((DaysFromCivil(d) % 7) + 7 + 3) % 7);
}

CivilDate ChinaDateOf(int64_t unix_s) { return CivilFromDays(FloorDiv(unix_s + kChinaUtcOffsetSeconds, kSecondsPerDay)); }

std::string FormatChinaTime(int64_t unix_s) {
  const int64_t local = unix_s + kChinaUtcOffsetSeconds;
  const int64_t day = FloorDiv(local, kSecondsPerDay);
  const int64_t sod = local - day * kSecondsPerDay;
  const CivilDate d = CivilFromDays(day);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d+08:00", d.year, d.month, d.day,
                static_cast<int>(sod / 3600), static_cast<int>(sod / 60 % 60), static_cast<int>(sod % 60));
  return buf;
}

std::optional<CivilDate> ParseDate(std::string_view s) {
  CivilDate d;
  if (s.size() != 10 || s[4] != '-' || s[7] != '-' || !ParseDigits(s, 0, 4, &d.year) ||
      !ParseDigits(s, 5, 2, &d.month) || !ParseDigits(s, 8, 2, &d.day) || !IsValidDate(d))
    return std::nullopt;
  return d;
}

StatusOr<int64_t> ParseIsoTime(std::string_view s) {
  auto bad = [&] {
    return Status::InvalidArgument("'" + std::string(s) +
                                   "' is not a time like 2026-10-09T17:00:00+08:00 (YYYY-MM-DDTHH:MM[:SS] with "
                                   "Z or ±HH:MM; no offset means China time)");
  };
  if (s.size() < 16 || (s[10] != 'T' && s[10] != ' ')) return bad();
  std::optional<CivilDate> d = ParseDate(s.substr(0, 10));
  int h = 0, m = 0, sec = 0;
  if (!d || s[13] != ':' || !ParseDigits(s, 11, 2, &h) || !ParseDigits(s, 14, 2, &m)) return bad();
  size_t pos = 16;
  if (pos < s.size() && s[pos] == ':') {
    if (!ParseDigits(s, pos + 1, 2, &sec)) return bad();
    pos += 3;
  }
  if (h > 23 || m > 59 || sec > 59) return bad();
  int64_t offset = kChinaUtcOffsetSeconds;
  const std::string_view zone = s.substr(pos);
  if (zone == "Z") {
    offset = 0;
  } else if (!zone.empty()) {
    int oh = 0, om = 0;
    if (zone.size() != 6 || (zone[0] != '+' && zone[0] != '-') || zone[3] != ':' || !ParseDigits(zone, 1, 2, &oh) ||
        !ParseDigits(zone, 4, 2, &om) || oh > 14 || om > 59)
      return bad();
    offset = (zone[0] == '-' ? -1 : 1) * (oh * 3600 + om * 60);
  }
  return DaysFromCivil(*d) * kSecondsPerDay + h * 3600 + m * 60 + sec - offset;
}

StatusOr<Calendar> Calendar::Load(const std::filesystem::path& file) {
  auto loaded = YamlFile::Load(file);
  if (!loaded.ok()) return loaded.status();
  const YamlFile& f = *loaded;
  const YAML::Node& root = f.root();
  GR_RETURN_IF_ERROR(f.CheckKeys(root, {"week", "makeup_day_hours", "years"}, "calendar"));
  Calendar cal;
  const YAML::Node week = root["week"];
  if (!week) return f.Error(root, "calendar: 'week' (working hours per weekday) is missing");
  GR_RETURN_IF_ERROR(f.CheckKeys(week, {"mon", "tue", "wed", "thu", "fri", "sat", "sun"}, "week"));
  int64_t weekly = 0;
  for (int i = 0; i < 7; ++i) {
    GR_RETURN_IF_ERROR(ReadPeriods(f, week[std::string(kWeekdayKeys[i])], "week." + std::string(kWeekdayKeys[i]),
                                   &cal.week_[i]));
    for (DayPeriod p : cal.week_[i]) weekly += p.end - p.begin;
  }
  // Without any working time, AddWorkingTime could never finish.
  if (weekly == 0) return f.Error(week, "week: no working hours on any day");
  if (root["makeup_day_hours"]) {
    GR_RETURN_IF_ERROR(ReadPeriods(f, root["makeup_day_hours"], "makeup_day_hours", &cal.makeup_hours_));
    if (cal.makeup_hours_.empty()) return f.Error(root["makeup_day_hours"], "makeup_day_hours must not be empty");
  } else {
    cal.makeup_hours_ = cal.week_[0];  // Monday's hours
    if (cal.makeup_hours_.empty()) return f.Error(root, "calendar: set makeup_day_hours (Monday has no hours)");
  }

  const YAML::Node years = root["years"];
  if (!years || !years.IsMap() || years.size() == 0)
    return f.Error(years ? years : root, "calendar: 'years' must map each year to its holidays and make-up days");
  for (const auto& kv : years) {
    int year = 0;
    const std::string key = kv.first.Scalar();
    if (key.size() != 4 || !ParseDigits(key, 0, 4, &year) || year < 1970)
      return f.Error(kv.first, "years: '" + key + "' is not a year");
    if (std::find(cal.years_.begin(), cal.years_.end(), year) != cal.years_.end())
      return f.Error(kv.first, "years: " + key + " appears twice");
    const YAML::Node y = kv.second;
    GR_RETURN_IF_ERROR(f.CheckKeys(y, {"holidays", "makeup_days"}, "years." + key));
    struct Range {
      int64_t from, to;
      std::string name;
    };
    std::vector<Range> ranges;
    if (const YAML::Node hs = y["holidays"]; hs) {
      if (!hs.IsSequence()) return f.Error(hs, "years." + key + ".holidays must be a list");
      for (const auto& h : hs) {
        GR_RETURN_IF_ERROR(f.CheckKeys(h, {"name", "from", "to"}, "a holiday"));
        const std::string name = h["name"] ? h["name"].Scalar() : "";
        if (name.empty()) return f.Error(h, "a holiday needs a name");
        auto from = ReadDate(f, h["from"], year, "holiday " + name + ": from");
        if (!from.ok()) return from.status();
        CivilDate to_date = *from;
        if (h["to"]) {
          auto to = ReadDate(f, h["to"], year, "holiday " + name + ": to");
          if (!to.ok()) return to.status();
          to_date = *to;
        }
        const int64_t a = DaysFromCivil(*from), b = DaysFromCivil(to_date);
        if (b < a) return f.Error(h, "holiday " + name + " ends before it begins");
        for (const Range& r : ranges)
          if (a <= r.to && r.from <= b) return f.Error(h, "holiday " + name + " overlaps holiday " + r.name);
        ranges.push_back({a, b, name});
        for (int64_t d = a; d <= b; ++d) cal.overrides_[d] = DayKind::kHoliday;
      }
    }
    if (const YAML::Node ms = y["makeup_days"]; ms) {
      if (!ms.IsSequence()) return f.Error(ms, "years." + key + ".makeup_days must be a list");
      for (const auto& m : ms) {
        GR_RETURN_IF_ERROR(f.CheckKeys(m, {"date", "for"}, "a make-up day"));
        auto date = ReadDate(f, m["date"], year, "make-up day");
        if (!date.ok()) return date.status();
        const int64_t d = DaysFromCivil(*date);
        const std::string text = m["date"].Scalar();
        auto it = cal.overrides_.find(d);
        if (it != cal.overrides_.end() && it->second == DayKind::kHoliday)
          return f.Error(m, "make-up day " + text + " is also a holiday");
        if (it != cal.overrides_.end()) return f.Error(m, "make-up day " + text + " appears twice");
        if (!cal.week_[WeekdayOf(*date)].empty())
          return f.Error(m, "make-up day " + text + " is already a working day of the week");
        cal.overrides_[d] = DayKind::kMakeUpWorkday;
      }
    }
    cal.years_.push_back(year);
  }
  std::sort(cal.years_.begin(), cal.years_.end());
  cal.first_year_ = cal.years_.front();
  cal.last_year_ = cal.years_.back();
  return cal;
}

bool Calendar::CoversYear(int year) const { return std::binary_search(years_.begin(), years_.end(), year); }

std::string MissingYearWarning(int year) {
  return "past_calendar_end: calendar.yaml has no holidays for " + std::to_string(year) +
         "; its dates fall back to plain weekends. Add the State Council notice for " + std::to_string(year) + ".";
}

std::vector<int> Calendar::MissingYears(int64_t from_unix_s, int64_t until_unix_s) const {
  std::vector<int> out;
  for (int y = ChinaDateOf(from_unix_s).year, last = ChinaDateOf(until_unix_s).year; y <= last; ++y)
    if (!CoversYear(y)) out.push_back(y);
  return out;
}

Calendar::DayKind Calendar::KindOf(CivilDate d) const {
  auto it = overrides_.find(DaysFromCivil(d));
  return it == overrides_.end() ? DayKind::kNormal : it->second;
}

const std::vector<DayPeriod>& Calendar::PeriodsOn(CivilDate d, bool* past_end) const {
  if (!CoversYear(d.year) && past_end) *past_end = true;
  auto it = overrides_.find(DaysFromCivil(d));
  if (it != overrides_.end()) return it->second == DayKind::kHoliday ? NoPeriods() : makeup_hours_;
  return week_[WeekdayOf(d)];
}

StatusOr<DueTime> Calendar::AddWorkingTime(int64_t start, int64_t duration) const {
  if (duration < 0) return Status::InvalidArgument("a working duration must not be negative");
  DueTime out;
  out.due = start;
  int64_t remaining = duration;
  int64_t day = FloorDiv(start + kChinaUtcOffsetSeconds, kSecondsPerDay);
  int64_t from_sod = start + kChinaUtcOffsetSeconds - day * kSecondsPerDay;
  for (int64_t i = 0; remaining > 0; ++i, ++day, from_sod = 0) {
    if (i > kMaxDays) return Status::InvalidArgument("working duration too long: it needs more than 30 years");
    const int64_t midnight = day * kSecondsPerDay - kChinaUtcOffsetSeconds;
    for (DayPeriod p : PeriodsOn(CivilFromDays(day), &out.past_calendar_end)) {
      const int64_t b = std::max<int64_t>(p.begin, from_sod);
      if (b >= p.end) continue;
      const int64_t take = std::min<int64_t>(p.end - b, remaining);
      out.used.push_back({midnight + b, midnight + b + take});
      remaining -= take;
      out.due = midnight + b + take;
      if (remaining == 0) break;
    }
  }
  if (duration == 0) (void)PeriodsOn(ChinaDateOf(start), &out.past_calendar_end);
  return out;
}

StatusOr<DueTime> Calendar::AddCalendarTime(int64_t start, int64_t duration) const {
  if (duration < 0) return Status::InvalidArgument("a duration must not be negative");
  if (duration > kMaxDays * kSecondsPerDay) return Status::InvalidArgument("duration too long: more than 30 years");
  DueTime out;
  out.due = start + duration;
  out.used.push_back({start, out.due});
  out.past_calendar_end = !CoversYear(ChinaDateOf(out.due).year);
  return out;
}

StatusOr<WorkingElapsed> Calendar::WorkingSecondsBetween(int64_t a, int64_t b) const {
  WorkingElapsed out;
  if (b <= a) return out;
  if (b - a > kMaxDays * kSecondsPerDay) return Status::InvalidArgument("interval too long: more than 30 years");
  const int64_t first = FloorDiv(a + kChinaUtcOffsetSeconds, kSecondsPerDay);
  const int64_t last = FloorDiv(b - 1 + kChinaUtcOffsetSeconds, kSecondsPerDay);
  for (int64_t day = first; day <= last; ++day) {
    const int64_t midnight = day * kSecondsPerDay - kChinaUtcOffsetSeconds;
    for (DayPeriod p : PeriodsOn(CivilFromDays(day), &out.past_calendar_end)) {
      const int64_t lo = std::max(a, midnight + p.begin), hi = std::min(b, midnight + p.end);
      if (hi > lo) out.seconds += hi - lo;
    }
  }
  return out;
}

}  // namespace gridrelay::workflow
