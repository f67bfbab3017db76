// The working calendar (gateway/workflow/calendar.h) on the shipped config/calendar.yaml:
// issue 9's table, the host TZ not mattering, and file:line errors for invalid calendars.
#include <doctest/doctest.h>

#include <cstdlib>
#include <ctime>

#include "gateway/workflow/calendar.h"
#include "tests/gateway/workflow/workflow_test_util.h"

namespace gridrelay::workflow {
namespace {

using testing::ShippedCalendar;
using testing::ShippedConfig;
using testing::T;
using testing::TempFile;

struct DueCase {
  const char* what;
  const char* from;
  int64_t working_seconds;
  const char* due;
  bool past_end;
};

// clang-format off
const DueCase kDue[] = {
  {"Friday 17:00 + 2 working hours falls on Monday morning", "2026-03-06T17:00:00+08:00", 7200, "2026-03-09T10:30:00+08:00", false},
  {"the eve of National Day 2026 falls on 10月8日",          "2026-09-30T17:00:00+08:00", 7200, "2026-10-08T10:30:00+08:00", false},
  {"Friday 2026-10-09 17:00 falls on Saturday 10月10日 (调休)", "2026-10-09T17:00:00+08:00", 7200, "2026-10-10T10:30:00+08:00", false},
  {"Saturday 2026-09-19 falls on Sunday 9月20日 (调休)",      "2026-09-19T10:00:00+08:00", 7200, "2026-09-20T11:00:00+08:00", false},
  {"the lunch break is skipped",                             "2026-03-09T11:00:00+08:00", 7200, "2026-03-09T14:30:00+08:00", false},
  {"a start inside the lunch break waits for 13:30",         "2026-03-09T12:15:00+08:00", 3600, "2026-03-09T14:30:00+08:00", false},
  {"a start before opening waits for 09:00",                 "2026-03-09T06:00:00+08:00", 1800, "2026-03-09T09:30:00+08:00", false},
  {"ending exactly at closing time is due at closing time",  "2026-03-09T16:30:00+08:00", 3600, "2026-03-09T17:30:00+08:00", false},
  {"Friday before Spring Festival falls on make-up Saturday 2月14日", "2026-02-13T17:00:00+08:00", 7200, "2026-02-14T10:30:00+08:00", false},
  {"2月14日 evening jumps the nine days of Spring Festival", "2026-02-14T17:00:00+08:00", 7200, "2026-02-24T10:30:00+08:00", false},
  {"元旦 2026: 1月1日 falls on Sunday 1月4日 (调休)",          "2026-01-01T10:00:00+08:00", 3600, "2026-01-04T10:00:00+08:00", false},
  {"劳动节: 4月30日 evening falls on Wednesday 5月6日",       "2026-04-30T17:30:00+08:00", 3600, "2026-05-06T10:00:00+08:00", false},
  {"a UTC start is read in China time",                      "2026-10-09T09:00:00Z",      7200, "2026-10-10T10:30:00+08:00", false},
  {"zero duration is due at the start",                      "2026-10-03T10:00:00+08:00", 0,    "2026-10-03T10:00:00+08:00", false},
  {"past the calendar's end: plain weekdays, with the flag", "2027-01-01T10:00:00+08:00", 7200, "2027-01-01T12:00:00+08:00", true},
  {"past the calendar's end: weekends still skipped",        "2027-01-01T17:00:00+08:00", 7200, "2027-01-04T10:30:00+08:00", true},
  {"a deadline that crosses into the next year is flagged",  "2026-12-31T17:00:00+08:00", 7200, "2027-01-01T10:30:00+08:00", true},
};
// clang-format on

void CheckDueTable() {
  for (const DueCase& c : kDue) {
    INFO(c.what);
    auto due = ShippedCalendar().AddWorkingTime(T(c.from), c.working_seconds);
    REQUIRE(due.ok());
    CHECK(FormatChinaTime(due->due) == c.due);
    CHECK(due->past_calendar_end == c.past_end);
    int64_t used = 0;
    for (const TimeSpan& s : due->used) {
      CHECK(s.end > s.begin);
      used += s.end - s.begin;
    }
    CHECK(used == c.working_seconds);
  }
}

TEST_SUITE("Calendar") {
  TEST_CASE("issue 9's table of due times on the shipped calendar") { CheckDueTable(); }

  TEST_CASE("the host time zone does not matter") {
    const char* old = std::getenv("TZ");
    const std::string saved = old ? old : "";
    for (const char* tz : {"America/Los_Angeles", "Pacific/Kiritimati", "UTC", "Asia/Kolkata"}) {
      INFO(tz);
      ::setenv("TZ", tz, 1);
      ::tzset();
      CheckDueTable();
    }
    if (old) {
      ::setenv("TZ", saved.c_str(), 1);
    } else {
      ::unsetenv("TZ");
    }
    ::tzset();
  }

  TEST_CASE("the periods used are reported in order") {
    auto due = ShippedCalendar().AddWorkingTime(T("2026-10-09T17:00:00+08:00"), 7200);
    REQUIRE(due.ok());
    REQUIRE(due->used.size() == 2);
    CHECK(FormatChinaTime(due->used[0].begin) == "2026-10-09T17:00:00+08:00");
    CHECK(FormatChinaTime(due->used[0].end) == "2026-10-09T17:30:00+08:00");
    CHECK(FormatChinaTime(due->used[1].begin) == "2026-10-10T09:00:00+08:00");
    CHECK(FormatChinaTime(due->used[1].end) == "2026-10-10T10:30:00+08:00");
  }

  TEST_CASE("working days: holidays, 调休 and weekends of 2026, and the fallback after it") {
    struct Day {
      CivilDate d;
      bool working;
      bool past_end;
    };
    const Day kDays[] = {
        {{2026, 10, 1}, false, false}, {{2026, 10, 7}, false, false}, {{2026, 10, 8}, true, false},
        {{2026, 10, 10}, true, false}, {{2026, 10, 11}, false, false}, {{2026, 9, 20}, true, false},
        {{2026, 9, 19}, false, false}, {{2026, 2, 14}, true, false},  {{2026, 2, 23}, false, false},
        {{2026, 2, 28}, true, false},  {{2026, 5, 9}, true, false},   {{2026, 6, 19}, false, false},
        {{2026, 9, 25}, false, false}, {{2026, 4, 6}, false, false},  {{2026, 1, 4}, true, false},
        {{2027, 1, 1}, true, true},    {{2027, 1, 2}, false, true},   {{2025, 12, 31}, true, true},
    };
    for (const Day& d : kDays) {
      CAPTURE(d.d.year * 10000 + d.d.month * 100 + d.d.day);
      bool past = false;
      CHECK(ShippedCalendar().IsWorkingDay(d.d, &past) == d.working);
      CHECK(past == d.past_end);
    }
    CHECK(ShippedCalendar().KindOf({2026, 10, 10}) == Calendar::DayKind::kMakeUpWorkday);
    CHECK(ShippedCalendar().KindOf({2026, 10, 2}) == Calendar::DayKind::kHoliday);
    CHECK(ShippedCalendar().KindOf({2026, 10, 12}) == Calendar::DayKind::kNormal);
  }

  TEST_CASE("the shipped calendar has 2026's 33 holidays and 6 make-up days") {
    int holidays = 0, makeup = 0;
    for (int64_t d = DaysFromCivil({2026, 1, 1}); d <= DaysFromCivil({2026, 12, 31}); ++d) {
      holidays += ShippedCalendar().KindOf(CivilFromDays(d)) == Calendar::DayKind::kHoliday;
      makeup += ShippedCalendar().KindOf(CivilFromDays(d)) == Calendar::DayKind::kMakeUpWorkday;
    }
    CHECK(holidays == 3 + 9 + 3 + 5 + 3 + 3 + 7);
    CHECK(makeup == 6);
    CHECK(ShippedCalendar().first_year() == 2026);
  }

  TEST_CASE("working seconds between two times") {
    auto w = ShippedCalendar().WorkingSecondsBetween(T("2026-10-09T00:00:00+08:00"), T("2026-10-12T00:00:00+08:00"));
    REQUIRE(w.ok());
    CHECK(w->seconds == 2 * 7 * 3600);  // Friday and make-up Saturday, 7 hours each
    CHECK_FALSE(w->past_calendar_end);
    auto lunch = ShippedCalendar().WorkingSecondsBetween(T("2026-03-09T11:30:00+08:00"), T("2026-03-09T14:00:00+08:00"));
    REQUIRE(lunch.ok());
    CHECK(lunch->seconds == 3600);
    auto backwards = ShippedCalendar().WorkingSecondsBetween(T("2026-03-10T00:00:00+08:00"), T("2026-03-09T00:00:00+08:00"));
    REQUIRE(backwards.ok());
    CHECK(backwards->seconds == 0);
  }

  TEST_CASE("WorkingSecondsBetween undoes AddWorkingTime") {
    uint64_t x = 88172645463325252ull;  // xorshift: fixed seed, so the cases are the same every run
    auto next = [&] {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      return x;
    };
    const int64_t base = T("2025-12-01T00:00:00+08:00");
    for (int i = 0; i < 2000; ++i) {
      const int64_t start = base + static_cast<int64_t>(next() % (400ull * 86400));
      const int64_t d = static_cast<int64_t>(next() % (60ull * 3600));
      auto due = ShippedCalendar().AddWorkingTime(start, d);
      REQUIRE(due.ok());
      auto back = ShippedCalendar().WorkingSecondsBetween(start, due->due);
      REQUIRE(back.ok());
      CAPTURE(FormatChinaTime(start));
      CHECK(back->seconds == d);
    }
  }

  TEST_CASE("calendar time is plain addition") {
    auto due = ShippedCalendar().AddCalendarTime(T("2026-09-30T23:00:00+08:00"), 2 * 3600);
    REQUIRE(due.ok());
    CHECK(FormatChinaTime(due->due) == "2026-10-01T01:00:00+08:00");
    CHECK_FALSE(due->past_calendar_end);
    CHECK(ShippedCalendar().AddCalendarTime(T("2026-12-31T23:00:00+08:00"), 7200)->past_calendar_end);
  }

  TEST_CASE("bad durations are errors, never a hang") {
    CHECK(ShippedCalendar().AddWorkingTime(0, -1).status().code() == StatusCode::kInvalidArgument);
    CHECK(ShippedCalendar().AddCalendarTime(0, -1).status().code() == StatusCode::kInvalidArgument);
    CHECK(ShippedCalendar().AddWorkingTime(T("2026-01-01T00:00:00+08:00"), int64_t{1} << 50).status().code() ==
          StatusCode::kInvalidArgument);
    CHECK_FALSE(ShippedCalendar().WorkingSecondsBetween(0, int64_t{1} << 50).ok());
  }
}

TEST_SUITE("CalendarDates") {
  TEST_CASE("days and civil dates convert both ways") {
    for (int64_t d = -719000; d <= 2900000; d += 37) {
      const CivilDate c = CivilFromDays(d);
      REQUIRE(IsValidDate(c));
      CHECK(DaysFromCivil(c) == d);
    }
    CHECK(DaysFromCivil({1970, 1, 1}) == 0);
    CHECK(WeekdayOf({2026, 10, 10}) == 5);  // Saturday
    CHECK(WeekdayOf({2026, 9, 20}) == 6);   // Sunday
    CHECK(WeekdayOf({2026, 1, 1}) == 3);    // Thursday
  }

  TEST_CASE("dates that do not exist are refused") {
    CHECK_FALSE(IsValidDate({2026, 2, 29}));
    CHECK(IsValidDate({2028, 2, 29}));
    CHECK_FALSE(IsValidDate({2100, 2, 29}));
    CHECK_FALSE(IsValidDate({2026, 4, 31}));
    CHECK_FALSE(IsValidDate({2026, 13, 1}));
    CHECK_FALSE(ParseDate("2026-02-30").has_value());
    CHECK_FALSE(ParseDate("2026-2-3").has_value());
    CHECK(ParseDate("2026-10-10") == CivilDate{2026, 10, 10});
  }

  TEST_CASE("ISO 8601 times with and without an offset") {
    CHECK(*ParseIsoTime("2026-10-09T17:00:00+08:00") == 1791536400);
    CHECK(*ParseIsoTime("2026-10-09T09:00:00Z") == 1791536400);
    CHECK(*ParseIsoTime("2026-10-09T04:00:00-05:00") == 1791536400);
    CHECK(*ParseIsoTime("2026-10-09T17:00+08:00") == 1791536400);
    CHECK(*ParseIsoTime("2026-10-09T17:00:00") == 1791536400);  // China time
    CHECK(*ParseIsoTime("2026-10-09 17:00:00") == 1791536400);
    CHECK(FormatChinaTime(1791536400) == "2026-10-09T17:00:00+08:00");
    for (const char* bad : {"", "2026-10-09", "2026-10-09T25:00:00+08:00", "2026-02-30T10:00:00+08:00",
                            "2026-10-09T17:00:00+8", "2026-10-09T17:00:00 +08:00", "tomorrow", "2026-10-09T17:60",
                            "2026-10-09T17:00:00+08:00x", "１２"}) {
      INFO(bad);
      auto t = ParseIsoTime(bad);
      REQUIRE_FALSE(t.ok());
      CHECK(t.status().message().find("2026-10-09T17:00:00+08:00") != std::string::npos);
    }
  }
}

TEST_SUITE("CalendarValidation") {
  const std::string kWeek =
      "week:\n"
      "  mon: [\"09:00-12:00\", \"13:30-17:30\"]\n"
      "  tue: [\"09:00-12:00\"]\n";

  struct Bad {
    const char* what;
    std::string yaml;
    const char* where;  // "calendar.yaml:<line>"
    const char* message;
  };

  TEST_CASE("invalid calendars fail with file:line") {
    const Bad kBad[] = {
        {"overlapping periods", "week:\n  mon: [\"09:00-12:00\", \"11:00-13:00\"]\nyears:\n  2026: {}\n",
         "calendar.yaml:2", "overlap"},
        {"a make-up day that is also a holiday",
         kWeek + "years:\n  2026:\n    holidays:\n      - {name: 国庆节, from: 2026-10-01, to: 2026-10-07}\n"
                 "    makeup_days:\n      - {date: 2026-10-03}\n",
         "calendar.yaml:9", "also a holiday"},
        {"a date that does not exist", kWeek + "years:\n  2026:\n    holidays:\n      - {name: x, from: 2026-02-30}\n",
         "calendar.yaml:7", "not a date that exists"},
        {"a date outside its year", kWeek + "years:\n  2026:\n    holidays:\n      - {name: x, from: 2027-01-01}\n",
         "calendar.yaml:7", "not in 2026"},
        {"overlapping holidays",
         kWeek + "years:\n  2026:\n    holidays:\n      - {name: a, from: 2026-10-01, to: 2026-10-07}\n"
                 "      - {name: b, from: 2026-10-07, to: 2026-10-08}\n",
         "calendar.yaml:8", "overlaps holiday a"},
        {"a holiday ending before it begins",
         kWeek + "years:\n  2026:\n    holidays:\n      - {name: a, from: 2026-10-07, to: 2026-10-01}\n",
         "calendar.yaml:7", "ends before it begins"},
        {"a make-up day that is already a working day",
         kWeek + "years:\n  2026:\n    makeup_days:\n      - {date: 2026-10-12}\n", "calendar.yaml:7",
         "already a working day"},
        {"an unknown top-level key", kWeek + "yaers:\n  2026: {}\n", "calendar.yaml:4", "unknown key 'yaers'"},
        {"an unknown weekday", "week:\n  mon: [\"09:00-12:00\"]\n  mo: []\nyears:\n  2026: {}\n", "calendar.yaml:3",
         "unknown key 'mo'"},
        {"an unknown holiday key",
         kWeek + "years:\n  2026:\n    holidays:\n      - {name: a, form: 2026-10-01}\n", "calendar.yaml:7",
         "unknown key 'form'"},
        {"a malformed period", "week:\n  mon: [\"9:00-12:00\"]\nyears:\n  2026: {}\n", "calendar.yaml:2",
         "not a period"},
        {"an empty period", "week:\n  mon: [\"12:00-12:00\"]\nyears:\n  2026: {}\n", "calendar.yaml:2",
         "must end after"},
        {"a week without work", "week:\n  mon: []\nyears:\n  2026: {}\n", "calendar.yaml:2", "no working hours"},
        {"no years", kWeek, "calendar.yaml:1", "'years'"},
        {"a year that is not one", kWeek + "years:\n  twenty: {}\n", "calendar.yaml:5", "not a year"},
        {"YAML syntax", "week: [\n", "calendar.yaml:", "syntax"},
    };
    for (const Bad& b : kBad) {
      INFO(b.what);
      TempFile f("calendar.yaml", b.yaml);
      auto cal = Calendar::Load(f.path());
      REQUIRE_FALSE(cal.ok());
      const std::string& m = cal.status().message();
      CAPTURE(m);
      CHECK(m.find(b.where) != std::string::npos);
      CHECK(m.find(b.message) != std::string::npos);
    }
  }

  TEST_CASE("a minimal valid calendar loads, and make-up hours default to Monday's") {
    TempFile f("calendar.yaml", kWeek + "years:\n  2026:\n    makeup_days:\n      - {date: 2026-10-10}\n");
    auto cal = Calendar::Load(f.path());
    REQUIRE(cal.ok());
    CHECK(cal->PeriodsOn({2026, 10, 10}).size() == 2);
    CHECK(cal->PeriodsOn({2026, 10, 13}).size() == 1);  // Tuesday
    CHECK(cal->PeriodsOn({2026, 10, 14}).empty());      // Wednesday: not in the week
  }

  TEST_CASE("a missing file is NotFound") {
    CHECK(Calendar::Load("/nonexistent/calendar.yaml").status().code() == StatusCode::kNotFound);
  }
}

}  // namespace
}  // namespace gridrelay::workflow
