// The deadline table (config/deadlines.yaml) and the deadline clock
// (gateway/workflow/deadlines.h): lookup order, validation with file:line, and the clock that
// starts at dispatch, pauses in waiting_resident and restarts on reopening.
#include <doctest/doctest.h>

#include <array>
#include <vector>

#include "gateway/workflow/deadlines.h"
#include "gateway/workflow/ticket_clock.h"
#include "tests/gateway/workflow/workflow_test_util.h"

namespace gridrelay::workflow {
namespace {

using testing::ShippedCalendar;
using testing::ShippedConfig;
using testing::T;
using testing::TempFile;
using S = TicketStatus;

// A stand-in for intents::kTaxonomyIntents (workflow does not depend on intents/); main.cc
// passes the real list, and check-config's test runs it on the shipped files.
constexpr std::array<std::string_view, 8> kIntents = {
    "appeal.facilities",   "appeal.neighbor_dispute", "appeal.welfare",   "appeal.noise",
    "legal_aid.labor",     "anti_fraud.romance",      "appeal.sanitation", "legal_aid.other",
};

constexpr int64_t kH = 3600, kD = 86400;

TEST_SUITE("DeadlineTable") {
  TEST_CASE("durations parse and print") {
    CHECK(ParseDuration("15m") == 900);
    CHECK(ParseDuration("2h") == 7200);
    CHECK(ParseDuration("7d") == 7 * kD);
    for (const char* bad : {"", "0h", "-2h", "2", "h", "2H", "1.5h", "2 h", "2hours", "99999999h"}) {
      INFO(bad);
      CHECK_FALSE(ParseDuration(bad).has_value());
    }
    CHECK(FormatDuration(900) == "15m");
    CHECK(FormatDuration(86400) == "1d");
    CHECK(FormatDuration(90000) == "25h");
  }

  TEST_CASE("the shipped defaults of issue 9") {
    auto t = DeadlineTable::Load(ShippedConfig() / "deadlines.yaml", kIntents);
    REQUIRE(t.ok());
    struct Case {
      const char* intent;
      bool urgent;
      Deadline response, resolution;
    };
    const Deadline kWorking2h{2 * kH, ClockKind::kWorking};
    const Case kCases[] = {
        // emergencies, risk to life or property: 15 minutes / 2 hours, calendar time
        {"appeal.noise", true, {900, ClockKind::kCalendar}, {2 * kH, ClockKind::kCalendar}},
        {"appeal.facilities", true, {900, ClockKind::kCalendar}, {2 * kH, ClockKind::kCalendar}},
        {"anti_fraud.romance", false, {900, ClockKind::kCalendar}, {2 * kH, ClockKind::kCalendar}},
        // water, power, gas, heating
        {"appeal.facilities", false, kWorking2h, {24 * kH, ClockKind::kCalendar}},
        // general requests
        {"appeal.noise", false, kWorking2h, {7 * kD, ClockKind::kCalendar}},
        {"appeal.sanitation", false, kWorking2h, {7 * kD, ClockKind::kCalendar}},
        // complex requests
        {"appeal.neighbor_dispute", false, kWorking2h, {15 * kD, ClockKind::kCalendar}},
        {"legal_aid.labor", false, kWorking2h, {15 * kD, ClockKind::kCalendar}},
        // an intent the table does not name falls back to its category, then the default
        {"legal_aid.other", false, kWorking2h, {15 * kD, ClockKind::kCalendar}},
        {"appeal.unknown_future_intent", false, kWorking2h, {7 * kD, ClockKind::kCalendar}},
    };
    for (const Case& c : kCases) {
      INFO(c.intent);
      CAPTURE(c.urgent);
      DeadlinePair p = t->For(c.intent, c.urgent);
      CHECK(p.response == c.response);
      CHECK(p.resolution == c.resolution);
    }
  }

  TEST_CASE("an intent override counts before its category, urgent before both, field by field") {
    TempFile f("deadlines.yaml",
               "default:\n  response: {within: 2h, clock: working}\n  resolution: {within: 7d, clock: calendar}\n"
               "urgent:\n  response: {within: 15m, clock: calendar}\n"
               "categories:\n  appeal:\n    resolution: {within: 3d, clock: calendar}\n"
               "intents:\n  appeal.noise:\n    resolution: {within: 4h, clock: working}\n");
    auto t = DeadlineTable::Load(f.path(), kIntents);
    REQUIRE(t.ok());
    CHECK(t->For("appeal.noise", false).resolution == Deadline{4 * kH, ClockKind::kWorking});
    CHECK(t->For("appeal.sanitation", false).resolution == Deadline{3 * kD, ClockKind::kCalendar});
    CHECK(t->For("legal_aid.labor", false).resolution == Deadline{7 * kD, ClockKind::kCalendar});
    // urgent sets only the response here: the resolution still comes from the intent
    CHECK(t->For("appeal.noise", true).response == Deadline{900, ClockKind::kCalendar});
    CHECK(t->For("appeal.noise", true).resolution == Deadline{4 * kH, ClockKind::kWorking});
  }

  TEST_CASE("invalid tables fail with file:line") {
    const std::string kDefault =
        "default:\n  response: {within: 2h, clock: working}\n  resolution: {within: 7d, clock: calendar}\n";
    struct Bad {
      const char* what;
      std::string yaml;
      const char* where;
      const char* message;
    };
    const Bad kBad[] = {
        {"an unknown intent", kDefault + "intents:\n  appeal.lift:\n    resolution: {within: 1d, clock: calendar}\n",
         "deadlines.yaml:5", "unknown intent 'appeal.lift'"},
        {"an unknown category", kDefault + "categories:\n  appea:\n    resolution: {within: 1d, clock: calendar}\n",
         "deadlines.yaml:5", "unknown category 'appea'"},
        {"a zero duration", kDefault + "urgent:\n  response: {within: 0m, clock: calendar}\n", "deadlines.yaml:5",
         "positive"},
        {"a negative duration", kDefault + "urgent:\n  response: {within: -15m, clock: calendar}\n",
         "deadlines.yaml:5", "positive"},
        {"an unknown clock", kDefault + "urgent:\n  response: {within: 15m, clock: wall}\n", "deadlines.yaml:5",
         "working or calendar"},
        {"working days", kDefault + "urgent:\n  response: {within: 1d, clock: working}\n", "deadlines.yaml:5",
         "hours or minutes"},
        {"an unknown key", kDefault + "urgent:\n  respons: {within: 15m, clock: calendar}\n", "deadlines.yaml:5",
         "unknown key 'respons'"},
        {"an unknown key in a deadline", kDefault + "urgent:\n  response: {whithin: 15m, clock: calendar}\n",
         "deadlines.yaml:5", "unknown key 'whithin'"},
        {"a missing clock", kDefault + "urgent:\n  response: {within: 15m}\n", "deadlines.yaml:5", "'clock'"},
        {"no default", "urgent:\n  response: {within: 15m, clock: calendar}\n", "deadlines.yaml:1", "'default'"},
        {"half a default", "default:\n  response: {within: 2h, clock: working}\n", "deadlines.yaml:2",
         "both a response and a resolution"},
    };
    for (const Bad& b : kBad) {
      INFO(b.what);
      TempFile f("deadlines.yaml", b.yaml);
      auto t = DeadlineTable::Load(f.path(), kIntents);
      REQUIRE_FALSE(t.ok());
      CAPTURE(t.status().message());
      CHECK(t.status().message().find(b.where) != std::string::npos);
      CHECK(t.status().message().find(b.message) != std::string::npos);
    }
  }
}

TEST_SUITE("DeadlineClock") {
  const Deadline kResolve2h{2 * kH, ClockKind::kWorking};

  ClockReading Read(Deadline d, DeadlineKind kind, const std::vector<StatusChange>& h, const char* now) {
    auto r = ReadDeadlineClock(ShippedCalendar(), d, kind, h, T(now));
    REQUIRE(r.ok());
    return *r;
  }

  TEST_CASE("the clock starts at dispatch, not at acceptance") {
    const std::vector<StatusChange> h = {{T("2026-10-09T16:00:00+08:00"), S::kNew},
                                         {T("2026-10-09T16:30:00+08:00"), S::kDispatched}};
    ClockReading r = Read(kResolve2h, DeadlineKind::kResolution, h, "2026-10-09T17:00:00+08:00");
    CHECK(r.state == ClockReading::State::kRunning);
    CHECK(r.elapsed == 1800);
    REQUIRE(r.due.has_value());
    CHECK(FormatChinaTime(*r.due) == "2026-10-10T10:00:00+08:00");
    CHECK_FALSE(r.overdue);
    ClockReading late = Read(kResolve2h, DeadlineKind::kResolution, h, "2026-10-10T10:00:00+08:00");
    CHECK(late.overdue);
    CHECK(late.elapsed == 2 * kH);
  }

  TEST_CASE("a new ticket has no clock yet") {
    ClockReading r = Read(kResolve2h, DeadlineKind::kResolution, {{T("2026-10-09T16:00:00+08:00"), S::kNew}},
                          "2026-10-12T16:00:00+08:00");
    CHECK(r.state == ClockReading::State::kNotStarted);
    CHECK_FALSE(r.due.has_value());
    CHECK_FALSE(r.overdue);
  }

  TEST_CASE("waiting_resident pauses the clock and the due time moves by the pause") {
    std::vector<StatusChange> h = {{T("2026-03-09T09:00:00+08:00"), S::kDispatched},
                                   {T("2026-03-09T09:30:00+08:00"), S::kAccepted},
                                   {T("2026-03-09T10:00:00+08:00"), S::kWaitingResident}};
    ClockReading paused = Read(kResolve2h, DeadlineKind::kResolution, h, "2026-03-10T16:00:00+08:00");
    CHECK(paused.state == ClockReading::State::kPaused);
    CHECK(paused.elapsed == 3600);
    CHECK_FALSE(paused.due.has_value());
    CHECK_FALSE(paused.overdue);  // a day and a half later, but paused
    h.push_back({T("2026-03-10T09:00:00+08:00"), S::kInProgress});
    ClockReading resumed = Read(kResolve2h, DeadlineKind::kResolution, h, "2026-03-10T09:30:00+08:00");
    CHECK(resumed.state == ClockReading::State::kRunning);
    CHECK(resumed.elapsed == 3600 + 1800);
    CHECK(FormatChinaTime(*resumed.due) == "2026-03-10T10:00:00+08:00");
  }

  TEST_CASE("reopening restarts the clock from zero") {
    const std::vector<StatusChange> h = {{T("2026-03-09T09:00:00+08:00"), S::kDispatched},
                                         {T("2026-03-09T09:10:00+08:00"), S::kAccepted},
                                         {T("2026-03-09T10:50:00+08:00"), S::kResolved},
                                         {T("2026-03-11T14:00:00+08:00"), S::kReopened}};
    ClockReading resolved_read = Read(kResolve2h, DeadlineKind::kResolution,
                                      std::vector<StatusChange>(h.begin(), h.end() - 1), "2026-03-11T09:00:00+08:00");
    CHECK(resolved_read.state == ClockReading::State::kStopped);
    CHECK(resolved_read.elapsed == 110 * 60);
    CHECK_FALSE(resolved_read.overdue);
    ClockReading r = Read(kResolve2h, DeadlineKind::kResolution, h, "2026-03-11T15:00:00+08:00");
    CHECK(r.state == ClockReading::State::kRunning);
    CHECK(r.elapsed == 3600);
    CHECK(FormatChinaTime(*r.due) == "2026-03-11T16:00:00+08:00");
  }

  TEST_CASE("the response clock stops at acceptance") {
    const Deadline k15m{900, ClockKind::kCalendar};
    const std::vector<StatusChange> h = {{T("2026-10-01T03:00:00+08:00"), S::kDispatched},
                                         {T("2026-10-01T03:20:00+08:00"), S::kAccepted},
                                         {T("2026-10-01T04:00:00+08:00"), S::kWaitingResident}};
    ClockReading r = Read(k15m, DeadlineKind::kResponse, h, "2026-10-01T05:00:00+08:00");
    CHECK(r.state == ClockReading::State::kStopped);
    CHECK(r.elapsed == 1200);
    CHECK(r.overdue);  // accepted after 20 minutes of a 15-minute deadline
    ClockReading running = Read(k15m, DeadlineKind::kResponse, {h[0]}, "2026-10-01T03:10:00+08:00");
    CHECK(FormatChinaTime(*running.due) == "2026-10-01T03:15:00+08:00");
    CHECK_FALSE(running.overdue);
  }

  TEST_CASE("a transfer keeps the clock running") {
    const std::vector<StatusChange> h = {{T("2026-03-09T09:00:00+08:00"), S::kDispatched},
                                         {T("2026-03-09T09:30:00+08:00"), S::kAccepted},
                                         {T("2026-03-09T10:00:00+08:00"), S::kTransferred}};
    ClockReading r = Read(kResolve2h, DeadlineKind::kResolution, h, "2026-03-09T10:30:00+08:00");
    CHECK(r.elapsed == 5400);
    CHECK(FormatChinaTime(*r.due) == "2026-03-09T11:00:00+08:00");
  }

  TEST_CASE("a history out of time order is refused") {
    const std::vector<StatusChange> h = {{T("2026-03-09T10:00:00+08:00"), S::kDispatched},
                                         {T("2026-03-09T09:00:00+08:00"), S::kAccepted}};
    CHECK(ReadDeadlineClock(ShippedCalendar(), kResolve2h, DeadlineKind::kResolution, h, T("2026-03-09T11:00:00+08:00"))
              .status()
              .code() == StatusCode::kInvalidArgument);
  }

  TEST_CASE("an escalation restarts only the deadline that lapsed") {
    const std::vector<StatusChange> h = {{T("2026-03-09T09:00:00+08:00"), S::kDispatched},
                                         {T("2026-03-09T11:00:00+08:00"), S::kDispatched, DeadlineKind::kResponse}};
    ClockReading response = Read(kResolve2h, DeadlineKind::kResponse, h, "2026-03-09T11:30:00+08:00");
    CHECK(response.elapsed == 1800);  // counted from the escalation
    CHECK(FormatChinaTime(*response.due) == "2026-03-09T14:30:00+08:00");
    ClockReading resolution = Read(kResolve2h, DeadlineKind::kResolution, h, "2026-03-09T11:30:00+08:00");
    CHECK(resolution.elapsed == 2 * kH + 1800);  // unaffected: it keeps counting from dispatch
    CHECK(resolution.overdue);
  }

  TEST_CASE("a running clock past the calendar's end carries the flag") {
    ClockReading r = Read(kResolve2h, DeadlineKind::kResolution, {{T("2026-12-31T17:00:00+08:00"), S::kDispatched}},
                          "2026-12-31T17:10:00+08:00");
    CHECK(r.past_calendar_end);
  }
}

TEST_SUITE("ticket clocks") {
  TicketEvent Event(const char* at, const char* action, nlohmann::json detail) {
    return {0, 7, T(at) * 1000000, "w-a", action, std::move(detail)};
  }

  TEST_CASE("the status history keeps dispatch, real status changes and escalations for a lapsed deadline") {
    const std::vector<TicketEvent> events = {
        Event("2026-03-09T09:00:00+08:00", "created", {{"intent", "appeal.facilities"}}),
        Event("2026-03-09T09:00:00+08:00", "dispatched", {{"level", "grid"}}),
        Event("2026-03-09T09:30:00+08:00", "accept", {{"from", "dispatched"}, {"to", "accepted"}}),
        // A note keeps the status: it must not count as entering it again (reopened would reset).
        Event("2026-03-09T09:40:00+08:00", "note", {{"from", "accepted"}, {"to", "accepted"}}),
        Event("2026-03-09T09:50:00+08:00", "supervise", {{"from", "accepted"}, {"to", "accepted"}, {"level", "community"}}),
        Event("2026-03-10T09:00:00+08:00", "escalate",
              {{"from", "accepted"}, {"to", "accepted"}, {"deadline", "resolution"}}),
        Event("2026-03-10T10:00:00+08:00", "refused", {{"action", "resolve"}}),
        Event("2026-03-10T11:00:00+08:00", "wait_resident", {{"from", "accepted"}, {"to", "waiting_resident"}}),
    };
    const std::vector<StatusChange> h = StatusHistory(events);
    REQUIRE(h.size() == 4);
    CHECK(h[0].status == S::kDispatched);
    CHECK(h[1].status == S::kAccepted);
    CHECK(h[1].at == T("2026-03-09T09:30:00+08:00"));
    CHECK(h[2].status == S::kAccepted);
    CHECK(h[2].restarts == DeadlineKind::kResolution);
    CHECK(h[3].status == S::kWaitingResident);
    CHECK_FALSE(h[3].restarts.has_value());
  }

  TEST_CASE("PlanClocks schedules the running deadlines and cancels the stopped ones, keeping their due times") {
    auto table = DeadlineTable::Load(ShippedConfig() / "deadlines.yaml", kIntents);
    REQUIRE(table.ok());
    Ticket t;
    t.id = 7;
    t.intent = "appeal.noise";  // the defaults: response 2 working hours, resolution 7 days
    std::vector<StatusChange> h = {{T("2026-10-09T17:00:00+08:00"), S::kDispatched}};
    auto plan = PlanClocks(ShippedCalendar(), *table, &t, h, T("2026-10-09T17:00:00+08:00") * 1000000);
    REQUIRE(plan.ok());
    REQUIRE(plan->schedule.size() == 2);
    CHECK(plan->schedule[0].key == "t7:response");
    CHECK(plan->schedule[0].kind == std::string(kResponseDeadlineTimer));
    // Friday 17:00 + 2 working hours: half an hour on Friday, then the 调休 Saturday from 09:00.
    CHECK(FormatChinaTime(t.response_due_at / 1000000) == "2026-10-10T10:30:00+08:00");
    CHECK(plan->schedule[0].due_at == t.response_due_at);
    CHECK(FormatChinaTime(t.resolve_due_at / 1000000) == "2026-10-16T17:00:00+08:00");

    h.push_back({T("2026-10-10T09:30:00+08:00"), S::kAccepted});
    const int64_t response_due = t.response_due_at;
    plan = PlanClocks(ShippedCalendar(), *table, &t, h, T("2026-10-10T09:30:00+08:00") * 1000000);
    REQUIRE(plan.ok());
    CHECK(plan->cancel == std::vector<std::string>{"t7:response"});
    REQUIRE(plan->schedule.size() == 1);
    CHECK(plan->schedule[0].key == "t7:resolution");
    CHECK(t.response_due_at == response_due);  // the report judges "on time" against it
  }
}

}  // namespace
}  // namespace gridrelay::workflow
