// Reports (gateway/workflow/report.h): each definition on small hand-computed cases, and the
// window's parsing. The rows are plain data: no store is needed for the aggregation.
#include <doctest/doctest.h>

#include <vector>

#include "gateway/workflow/report.h"
#include "tests/gateway/workflow/workflow_test_util.h"

namespace gridrelay::workflow {
namespace {

constexpr int64_t kHour = 3600LL * 1'000'000;
constexpr int64_t kT0 = 1'800'000'000'000'000;  // every ticket is created here
constexpr ReportWindow kWindow{kT0, kT0 + 24 * kHour};

// A dispatched ticket of grid-a, created at kT0, nothing else set; tests change what they need.
ReportRow Row(TicketStatus status = TicketStatus::kDispatched) {
  ReportRow r;
  r.id = 1;
  r.status = status;
  r.grid_id = "grid-a";
  r.intent = "appeal.facilities";
  r.created_at = kT0;
  return r;
}

Report Build(const std::vector<ReportRow>& rows, int64_t now = kT0 + 10 * kHour,
             ReportGroupBy by = ReportGroupBy::kGrid) {
  ReportBuilder b(by, kWindow, now, &testing::ShippedCalendar());
  for (const ReportRow& r : rows) b.Add(r);
  return std::move(b).Finish();
}

}  // namespace

TEST_SUITE("Report") {
  TEST_CASE("deadlines' figures: resolved on time, working-time durations, escalations by level") {
    using testing::T;
    constexpr int64_t kS = 1'000'000;
    // Created Friday 2026-10-09 17:00: the next working time is the 调休 Saturday 10-10 at 09:00.
    const int64_t created = T("2026-10-09T17:00:00+08:00") * kS;
    const ReportWindow window{created, created + 30 * 24 * kHour};
    ReportRow on_time;
    on_time.id = 1;
    on_time.status = TicketStatus::kClosed;
    on_time.grid_id = "grid-a";
    on_time.level = "grid";
    on_time.created_at = created;
    on_time.accepted_at = T("2026-10-10T09:30:00+08:00") * kS;   // 30 + 30 working minutes
    on_time.resolved_at = T("2026-10-10T14:00:00+08:00") * kS;   // 30 + 180 + 30 working minutes
    on_time.resolve_due_at = T("2026-10-11T17:00:00+08:00") * kS;
    ReportRow late = on_time;
    late.id = 2;
    late.level = "street";
    late.resolve_due_at = T("2026-10-10T12:00:00+08:00") * kS;  // resolved after its deadline
    ReportRow open = on_time;
    open.id = 3;
    open.status = TicketStatus::kInProgress;
    open.level = "community";
    open.resolved_at = 0;
    ReportBuilder b(ReportGroupBy::kGrid, window, created + 48 * kHour, &testing::ShippedCalendar());
    for (const ReportRow& r : {on_time, late, open}) b.Add(r);
    Report r = std::move(b).Finish();
    CHECK(r.total.resolved == 2);
    CHECK(r.total.resolved_on_time == 1);
    CHECK(r.total.resolution_on_time_rate == doctest::Approx(0.5));
    CHECK(r.total.median_response_working_s == 3600);
    CHECK(r.total.median_resolution_working_s == 4 * 3600);
    CHECK(r.total.escalated == 2);
    CHECK(r.total.by_level == std::array<int64_t, 4>{1, 1, 1, 0});
    // Without a calendar the working-time figures are absent, not zero.
    ReportBuilder plain(ReportGroupBy::kGrid, window, created + 48 * kHour, nullptr);
    plain.Add(on_time);
    Report p = std::move(plain).Finish();
    CHECK_FALSE(p.total.median_response_working_s.has_value());
    CHECK(p.total.median_response_s == 16 * 3600 + 1800);
  }

  TEST_CASE("a merged ticket counts only as merged: its survivor carries the request") {
    ReportRow merged = Row(TicketStatus::kMerged);
    ReportRow folded = Row(TicketStatus::kAccepted);  // merged_into set before the status says so
    folded.merged_into = 9;
    folded.accepted_at = kT0 + kHour;
    ReportRow survivor = Row(TicketStatus::kAccepted);
    survivor.accepted_at = kT0 + 2 * kHour;
    Report r = Build({merged, folded, survivor});
    CHECK(r.total.total == 1);
    CHECK(r.total.merged == 2);
    CHECK(r.total.count(TicketStatus::kAccepted) == 1);
    CHECK(r.total.count(TicketStatus::kMerged) == 0);
    CHECK(r.total.needed_response == 1);
    CHECK(r.total.median_response_s == 7200);
  }

  TEST_CASE("rejected tickets count in total and by status, and in no rate, duration or overdue figure") {
    ReportRow a = Row(TicketStatus::kRejected);
    a.accepted_at = kT0 + kHour;
    a.response_due_at = kT0 + kHour / 2;  // accepted late, then rejected: judged neither way
    a.satisfaction = "unsatisfied";
    ReportRow b = Row(TicketStatus::kRejected);
    b.response_due_at = kT0 + kHour;  // past due, never accepted: not overdue either
    Report r = Build({a, b});
    REQUIRE(r.groups.size() == 1);
    const ReportFigures& g = r.groups[0];
    CHECK(g.total == 2);
    CHECK(g.count(TicketStatus::kRejected) == 2);
    CHECK(g.needed_response == 0);
    CHECK(g.needed_resolution == 0);
    CHECK(g.unsatisfied == 0);
    CHECK(g.overdue == 0);
    CHECK_FALSE(g.response_rate.has_value());  // nothing to judge: null, neither 0 nor 1
    CHECK_FALSE(g.resolution_rate.has_value());
    CHECK_FALSE(g.satisfaction_rate.has_value());
    CHECK_FALSE(g.median_response_s.has_value());
    CHECK_FALSE(g.median_resolution_s.has_value());
  }

  TEST_CASE("response rate: accepted on time over accepted or past their response deadline") {
    // now = kT0 + 10 h. Hand count: a, b, c, f needed a response; a and f were on time.
    ReportRow a = Row(TicketStatus::kAccepted);  // accepted at 1 h, due at 2 h: on time
    a.accepted_at = kT0 + kHour;
    a.response_due_at = kT0 + 2 * kHour;
    ReportRow b = Row(TicketStatus::kInProgress);  // accepted at 3 h, due at 2 h: late
    b.accepted_at = kT0 + 3 * kHour;
    b.response_due_at = kT0 + 2 * kHour;
    ReportRow c = Row();  // due at 2 h, never accepted: late
    c.response_due_at = kT0 + 2 * kHour;
    ReportRow d = Row();  // due at 20 h: not judged yet
    d.response_due_at = kT0 + 20 * kHour;
    ReportRow e = Row();  // no deadline yet, not accepted: not judged
    ReportRow f = Row(TicketStatus::kAccepted);  // accepted at 5 h with no deadline: on time
    f.accepted_at = kT0 + 5 * kHour;
    ReportRow g = Row(TicketStatus::kAccepted);  // accepted exactly at its deadline: on time
    g.accepted_at = kT0 + 4 * kHour;
    g.response_due_at = kT0 + 4 * kHour;
    Report r = Build({a, b, c, d, e, f, g});
    CHECK(r.total.needed_response == 5);
    CHECK(r.total.responded_on_time == 3);
    REQUIRE(r.total.response_rate.has_value());
    CHECK(*r.total.response_rate == doctest::Approx(0.6));
    // Response times of a, b, f, g: 1 h, 3 h, 4 h, 5 h. Nearest rank: median rank 2, p90 rank 4.
    CHECK(r.total.median_response_s == 3 * 3600);
    CHECK(r.total.p90_response_s == 5 * 3600);
  }

  TEST_CASE("resolution rate: resolved or closed after resolution over every valid ticket, reopened is not resolved") {
    ReportRow g = Row(TicketStatus::kResolved);
    g.accepted_at = kT0 + kHour;
    g.resolved_at = kT0 + 4 * kHour;
    ReportRow h = Row(TicketStatus::kClosed);
    h.accepted_at = kT0 + kHour;
    h.resolved_at = kT0 + 6 * kHour;
    ReportRow i = Row(TicketStatus::kReopened);  // resolved once, then the resident said no
    i.accepted_at = kT0 + kHour;
    i.resolved_at = kT0 + 2 * kHour;
    ReportRow j = Row(TicketStatus::kInProgress);
    j.accepted_at = kT0 + kHour;
    ReportRow k = Row(TicketStatus::kRejected);
    Report r = Build({g, h, i, j, k});
    CHECK(r.total.total == 5);
    CHECK(r.total.needed_resolution == 4);
    CHECK(r.total.resolved == 2);
    CHECK(*r.total.resolution_rate == doctest::Approx(0.5));
    // 4 h and 6 h: the median of an even count is the lower middle, a real ticket's time.
    CHECK(r.total.median_resolution_s == 4 * 3600);
  }

  TEST_CASE("satisfaction rate: satisfied over satisfied and unsatisfied, no answer is counted apart") {
    std::vector<ReportRow> rows;
    for (const char* answer : {"satisfied", "unsatisfied", "no_answer", "no_answer", ""}) {
      ReportRow r = Row(TicketStatus::kClosed);
      r.accepted_at = kT0 + kHour;
      r.resolved_at = kT0 + 2 * kHour;
      r.satisfaction = answer;
      rows.push_back(r);
    }
    Report r = Build(rows);
    CHECK(r.total.satisfied == 1);
    CHECK(r.total.unsatisfied == 1);
    CHECK(r.total.no_answer == 2);
    CHECK(*r.total.satisfaction_rate == doctest::Approx(0.5));

    // Only silence: nothing to judge, and never 100% satisfied.
    ReportRow silent = rows[2];
    Report quiet = Build({silent, silent});
    CHECK(quiet.total.no_answer == 2);
    CHECK_FALSE(quiet.total.satisfaction_rate.has_value());
  }

  TEST_CASE("overdue: open past the response deadline unaccepted or past the resolve deadline unresolved") {
    const int64_t now = kT0 + 10 * kHour;
    ReportRow unaccepted = Row();  // overdue
    unaccepted.response_due_at = kT0 + 2 * kHour;
    ReportRow accepted_late = Row(TicketStatus::kAccepted);  // late, but accepted: not overdue now
    accepted_late.accepted_at = kT0 + 3 * kHour;
    accepted_late.response_due_at = kT0 + 2 * kHour;
    accepted_late.resolve_due_at = kT0 + 20 * kHour;
    ReportRow unresolved = Row(TicketStatus::kInProgress);  // overdue
    unresolved.accepted_at = kT0 + kHour;
    unresolved.resolve_due_at = kT0 + 8 * kHour;
    ReportRow waiting = Row(TicketStatus::kWaitingResident);  // the clock is paused
    waiting.accepted_at = kT0 + kHour;
    waiting.resolve_due_at = kT0 + 8 * kHour;
    ReportRow resolved = Row(TicketStatus::kResolved);
    resolved.accepted_at = kT0 + kHour;
    resolved.resolved_at = kT0 + 9 * kHour;
    resolved.resolve_due_at = kT0 + 8 * kHour;
    ReportRow due_now = Row();  // due this very instant: not late yet
    due_now.response_due_at = now;
    Report r = Build({unaccepted, accepted_late, unresolved, waiting, resolved, due_now}, now);
    CHECK(r.total.overdue == 2);
  }

  TEST_CASE("groups follow the chosen key, sorted, and the total row sums them") {
    ReportRow a = Row(TicketStatus::kAccepted);
    a.accepted_at = kT0 + kHour;
    ReportRow b = Row(TicketStatus::kAccepted);
    b.grid_id = "grid-b";
    b.intent = "appeal.noise";
    b.accepted_at = kT0 + 3 * kHour;
    ReportRow c = Row();
    c.grid_id = "grid-b";
    c.intent = "appeal.noise";
    c.response_due_at = kT0 + kHour;
    Report by_grid = Build({b, a, c});
    REQUIRE(by_grid.groups.size() == 2);
    CHECK(by_grid.groups[0].key == "grid-a");
    CHECK(by_grid.groups[1].key == "grid-b");
    CHECK(by_grid.groups[0].total == 1);
    CHECK(by_grid.groups[1].total == 2);
    CHECK(*by_grid.groups[0].response_rate == doctest::Approx(1.0));
    CHECK(*by_grid.groups[1].response_rate == doctest::Approx(0.5));
    CHECK(by_grid.total.total == 3);
    CHECK(by_grid.total.count(TicketStatus::kAccepted) == 2);
    CHECK(*by_grid.total.response_rate == doctest::Approx(2.0 / 3));
    CHECK(by_grid.total.median_response_s == 3600);  // 1 h, 3 h: the lower middle
    CHECK(by_grid.total.p90_response_s == 3 * 3600);

    Report by_intent = Build({b, a, c}, kT0 + 10 * kHour, ReportGroupBy::kIntent);
    REQUIRE(by_intent.groups.size() == 2);
    CHECK(by_intent.groups[0].key == "appeal.facilities");
    CHECK(by_intent.groups[1].key == "appeal.noise");

    Report by_team = Build({a, b}, kT0 + 10 * kHour, ReportGroupBy::kTeam);  // no team: one "" group
    REQUIRE(by_team.groups.size() == 1);
    CHECK(by_team.groups[0].key.empty());
    CHECK(by_team.groups[0].total == 2);
  }

  TEST_CASE("an empty window has no groups and a total of zeros with every rate and duration null") {
    Report r = Build({});
    CHECK(r.groups.empty());
    CHECK(r.total.total == 0);
    CHECK_FALSE(r.total.response_rate.has_value());
    CHECK_FALSE(r.total.resolution_rate.has_value());
    CHECK_FALSE(r.total.satisfaction_rate.has_value());
    CHECK_FALSE(r.total.median_response_s.has_value());
    CHECK_FALSE(r.total.p90_response_s.has_value());
    CHECK_FALSE(r.total.median_resolution_s.has_value());
  }

  TEST_CASE("the window takes RFC 3339 dates as whole China-time days and date-times as instants") {
    constexpr int64_t kS = 1'000'000;
    const int64_t now = 1'796'601'600 * kS;  // 2026-12-07T00:00:00Z
    struct Case {
      const char* from;
      const char* to;
      int64_t want_from;  // Unix seconds
      int64_t want_to;
    };
    const Case cases[] = {
        {"2026-11-01", "2026-11-30", 1'793'462'400, 1'796'054'400},  // November, China time
        {"2026-11-01T08:00:00+08:00", "2026-11-02T00:00:00Z", 1'793'462'400 + 8 * 3600, 1'793'577'600},
        {"", "", 1'796'601'600 - 30 * 86400, 1'796'601'600},  // the last 30 days
        {"", "2026-11-30", 1'796'054'400 - 30 * 86400, 1'796'054'400},
    };
    for (const Case& c : cases) {
      CAPTURE(c.from);
      CAPTURE(c.to);
      auto w = ParseReportWindow(c.from, c.to, now);
      REQUIRE(w.ok());
      CHECK(w->from == c.want_from * kS);
      CHECK(w->to == c.want_to * kS);
    }
    for (auto [from, to] : {std::pair{"yesterday", ""}, std::pair{"", "1796601600"}, std::pair{"2026-02-30", ""},
                            std::pair{"2026-11-30", "2026-11-01"}, std::pair{"2026-11-01", "2026-10-31"}}) {
      CAPTURE(from);
      CAPTURE(to);
      auto w = ParseReportWindow(from, to, now);
      CHECK(w.status().code() == StatusCode::kInvalidArgument);
    }
    CHECK(ParseReportWindow("nope", "", now).status().message().find("'from'") != std::string::npos);
  }
}

}  // namespace gridrelay::workflow
