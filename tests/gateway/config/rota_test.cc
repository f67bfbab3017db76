// The rota parser (routing.yaml teams[].rota): "<days> <HH:MM>-<HH:MM>[, …]", China time, and
// what it means through OnDuty. The file:line of a bad rota is checked in config_test.cc.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "gateway/config/config.h"

namespace gridrelay {
namespace {

constexpr int64_t kMonday = 1796572800;  // 2026-12-07 00:00 China time, a Monday

// Unix time of `day` (0 = that Monday … 6 = Sunday, 7 = the next Monday) at hh:mm China time.
int64_t At(int day, int hh, int mm = 0) { return kMonday + day * 86400 + hh * 3600 + mm * 60; }

std::vector<DutySpan> Spans(const std::string& text) {
  auto r = ParseRota(text);
  REQUIRE_MESSAGE(r.ok(), text << ": " << r.status().ToString());
  return *r;
}

bool Same(const DutySpan& s, int first, int last, int begin, int end) {
  return s.first_day == first && s.last_day == last && s.begin_min == begin && s.end_min == end;
}

// A team whose member `m` has `rota`.
Team WithRota(const std::string& rota) {
  Team t;
  t.id = "t";
  t.members = {"m"};
  t.rota["m"] = Spans(rota);
  return t;
}

}  // namespace

TEST_SUITE("rota") {
  TEST_CASE("days: one, a range, a range that wraps past Sunday") {
    auto one = Spans("wed 09:00-18:00");
    REQUIRE(one.size() == 1);
    CHECK(Same(one[0], 2, 2, 9 * 60, 18 * 60));
    auto range = Spans("mon-fri 09:00-18:00");
    REQUIRE(range.size() == 1);
    CHECK(Same(range[0], 0, 4, 540, 1080));
    auto wrap = Spans("sat-mon 10:00-12:00");
    REQUIRE(wrap.size() == 1);
    CHECK(Same(wrap[0], 5, 0, 600, 720));

    const Team t = WithRota("sat-mon 10:00-12:00");
    CHECK(OnDuty(t, "m", At(5, 10)));   // Saturday
    CHECK(OnDuty(t, "m", At(6, 11)));   // Sunday
    CHECK(OnDuty(t, "m", At(0, 11)));   // Monday
    CHECK(!OnDuty(t, "m", At(1, 11)));  // Tuesday
    CHECK(!OnDuty(t, "m", At(4, 11)));  // Friday
  }

  TEST_CASE("time ranges: start included, end excluded, 24:00 ends at midnight, several joined by commas") {
    const Team t = WithRota("mon-fri 09:00-12:00, mon-fri 14:00-18:00,sun 20:00-24:00");
    CHECK(t.rota.at("m").size() == 3);
    CHECK(!OnDuty(t, "m", At(0, 8, 59)));
    CHECK(OnDuty(t, "m", At(0, 9, 0)));
    CHECK(OnDuty(t, "m", At(2, 11, 59)));
    CHECK(!OnDuty(t, "m", At(2, 12, 0)));  // lunch
    CHECK(OnDuty(t, "m", At(4, 17, 59)));
    CHECK(!OnDuty(t, "m", At(4, 18, 0)));
    CHECK(!OnDuty(t, "m", At(5, 10)));     // Saturday
    CHECK(OnDuty(t, "m", At(6, 23, 59)));  // Sunday until midnight
    CHECK(!OnDuty(t, "m", At(7, 0, 0)));   // then Monday 00:00 is not hers
    // A member without a rota entry is always on duty.
    CHECK(OnDuty(t, "someone-else", At(5, 3)));
  }

  TEST_CASE("an overnight range runs from the named day into the next morning") {
    auto spans = Spans("fri 22:00-06:00");
    REQUIRE(spans.size() == 2);
    CHECK(Same(spans[0], 4, 4, 22 * 60, 24 * 60));
    CHECK(Same(spans[1], 5, 5, 0, 6 * 60));
    const Team t = WithRota("fri 22:00-06:00");
    CHECK(!OnDuty(t, "m", At(4, 21, 59)));
    CHECK(OnDuty(t, "m", At(4, 22, 0)));
    CHECK(OnDuty(t, "m", At(5, 5, 59)));   // Saturday morning: Friday's night shift
    CHECK(!OnDuty(t, "m", At(5, 6, 0)));
    CHECK(!OnDuty(t, "m", At(5, 22, 30)));  // Saturday night is not on the rota
    CHECK(!OnDuty(t, "m", At(4, 3, 0)));    // nor Friday's early morning (Thursday's night)

    // Sunday's night ends on Monday morning; a whole week of nights covers every early morning.
    const Team sun = WithRota("sun 20:00-08:00");
    CHECK(OnDuty(sun, "m", At(6, 23)));
    CHECK(OnDuty(sun, "m", At(7, 7, 59)));
    CHECK(!OnDuty(sun, "m", At(1, 7)));   // Tuesday morning: Monday had no night
    const Team nights = WithRota("mon-sun 20:00-08:00");
    for (int day = 0; day < 7; ++day) {
      CAPTURE(day);
      CHECK(OnDuty(nights, "m", At(day, 3)));
      CHECK(OnDuty(nights, "m", At(day, 21)));
      CHECK(!OnDuty(nights, "m", At(day, 12)));
    }
  }

  TEST_CASE("invalid forms are refused, saying what is wrong") {
    struct Bad {
      const char* text;
      const char* says;
    };
    const std::vector<Bad> cases = {
        {"", "empty"},
        {"weekdays 9-18", "day"},
        {"mon-fry 09:00-18:00", "'fry'"},
        {"monday 09:00-18:00", "'monday'"},
        {"mon", "HH:MM-HH:MM"},
        {"mon 09:00", "HH:MM-HH:MM"},
        {"mon 9:00-18:00", "HH:MM"},
        {"mon 09:00-18:60", "18:60"},
        {"mon 25:00-26:00", "25:00"},
        {"mon 24:00-06:00", "24:00"},
        {"mon 09:00-09:00", "same"},
        {"mon 09:00-18:00,", "empty"},
        {"mon 09:00-18:00 tue 09:00-18:00", "HH:MM-HH:MM"},
    };
    for (const Bad& b : cases) {
      CAPTURE(b.text);
      auto r = ParseRota(b.text);
      REQUIRE(!r.ok());
      CHECK_MESSAGE(r.status().message().find(b.says) != std::string::npos, r.status().message());
    }
  }
}

}  // namespace gridrelay
