// The working calendar: weekly working hours with a lunch break, public holidays and make-up
// working days (调休) from the State Council General Office's yearly notice (config/calendar.yaml).
//
// All arithmetic is in China time, a fixed UTC+8 with no DST, applied as an explicit offset
// to Unix seconds: the host's TZ is never consulted (CI runs in UTC).
//
// A date whose year the file does not list (in practice: past the last year) falls back to
// the plain weekly hours, with no holidays, and the result carries `past_calendar_end` so the
// caller can log and count it ("add next year's notice").
//
// A Calendar is immutable after Load and thread-safe.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "gateway/core/status.h"

namespace gridrelay::workflow {

inline constexpr int64_t kChinaUtcOffsetSeconds = 8 * 3600;

struct CivilDate {
  int year = 1970;
  int month = 1;
  int day = 1;
  friend bool operator==(const CivilDate&, const CivilDate&) = default;
};

// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm), and back.
int64_t DaysFromCivil(CivilDate d);
CivilDate CivilFromDays(int64_t days);
bool IsValidDate(CivilDate d);
// 0 = Monday … 6 = Sunday.
int WeekdayOf(CivilDate d);
// The China-time calendar date of a Unix time.
CivilDate ChinaDateOf(int64_t unix_s);
// "2026-10-10T10:30:00+08:00".
std::string FormatChinaTime(int64_t unix_s);
// Strict "YYYY-MM-DD".
std::optional<CivilDate> ParseDate(std::string_view s);
// "YYYY-MM-DDTHH:MM[:SS](Z|±HH:MM)"; without an offset the time is read as China time.
// InvalidArgument with the expected form for anything else (including 2026-02-30).
[[nodiscard]] StatusOr<int64_t> ParseIsoTime(std::string_view s);

// A working period of one day, in seconds since China-time midnight: [begin, end).
struct DayPeriod {
  int begin = 0;
  int end = 0;
};

// A stretch of time in Unix seconds: [begin, end).
struct TimeSpan {
  int64_t begin = 0;
  int64_t end = 0;
};

struct DueTime {
  int64_t due = 0;              // Unix seconds
  std::vector<TimeSpan> used;   // the working periods consumed, in order (calendar time: one span)
  bool past_calendar_end = false;
};

struct WorkingElapsed {
  int64_t seconds = 0;
  bool past_calendar_end = false;
};

class Calendar {
 public:
  enum class DayKind { kNormal, kHoliday, kMakeUpWorkday };

  // Loads and validates a calendar file. Errors name file:line: unknown keys, malformed or
  // non-existent dates, a date outside its year's section, overlapping periods or holidays,
  // a make-up day that is also a holiday or already a working day, a week without work.
  [[nodiscard]] static StatusOr<Calendar> Load(const std::filesystem::path& file);

  // Working periods of a China-time date (empty on days off). *past_end is set (never
  // cleared) when the date's year is not in the file.
  const std::vector<DayPeriod>& PeriodsOn(CivilDate d, bool* past_end = nullptr) const;
  bool IsWorkingDay(CivilDate d, bool* past_end = nullptr) const { return !PeriodsOn(d, past_end).empty(); }
  DayKind KindOf(CivilDate d) const;

  // The moment `duration_s` of working time after `start_unix_s`, and the periods used.
  // REQUIRES: duration_s >= 0 (InvalidArgument otherwise). A duration of 0 is due at start.
  // InvalidArgument if it would need more than kMaxDays of calendar.
  [[nodiscard]] StatusOr<DueTime> AddWorkingTime(int64_t start_unix_s, int64_t duration_s) const;
  // Plain elapsed time: start + duration, one span; flags past_calendar_end like the above.
  [[nodiscard]] StatusOr<DueTime> AddCalendarTime(int64_t start_unix_s, int64_t duration_s) const;
  // Working seconds in [a, b); 0 when b <= a.
  [[nodiscard]] StatusOr<WorkingElapsed> WorkingSecondsBetween(int64_t a, int64_t b) const;

  int first_year() const { return first_year_; }
  int last_year() const { return last_year_; }
  bool CoversYear(int year) const;
  // The years that dates in [from_unix_s, until_unix_s] fall in and the file does not list,
  // ascending: "add next year's notice" for check-config (a year ahead) and /readyz (a month).
  std::vector<int> MissingYears(int64_t from_unix_s, int64_t until_unix_s) const;

  static constexpr int64_t kMaxDays = 366 * 30;

 private:
  Calendar() = default;

  std::vector<DayPeriod> week_[7];       // Monday first
  std::vector<DayPeriod> makeup_hours_;  // hours of a make-up working day
  std::unordered_map<int64_t, DayKind> overrides_;  // day number -> holiday / make-up day
  std::vector<int> years_;               // sorted
  int first_year_ = 0;
  int last_year_ = 0;
};

// What check-config, the logs and /readyz say about a year the calendar does not list.
std::string MissingYearWarning(int year);

}  // namespace gridrelay::workflow
