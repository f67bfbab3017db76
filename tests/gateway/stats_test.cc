// Reports end to end: tickets opened by resident messages through a real gateway on loopback,
// put into their states with the store's Apply (as the workflow's actions will), then read
// back through GET /api/v1/stats and `gridrelay report` on the same SQLite file. Time is a
// ManualClock: the tickets' ages and deadlines are exact.
#include <doctest/doctest.h>

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <sstream>

#include "gateway/report_command.h"
#include "gateway/workflow/calendar.h"
#include "gateway/workflow/ticket_clock.h"
#include "tests/support/test_gateway.h"

namespace gridrelay::testing {
namespace {

constexpr int64_t kHour = 3600LL * 1'000'000;

// 2026-11-10T10:00:00+08:00, when every ticket opens.
int64_t OpenTime() { return *workflow::ParseIsoTime("2026-11-10T10:00:00+08:00") * 1'000'000; }

// What each ticket becomes, relative to OpenTime() (0: unset).
struct Fate {
  TicketStatus status;
  int64_t accepted, resolved, response_due, resolve_due;
  const char* satisfaction;
};

// Five resident messages: three in grid-a's groups, two in grid-b's; each opens a ticket. Then
// grid-a: closed and satisfied (on time) | resolved, accepted late | rejected;
// grid-b: never accepted, past its response deadline | closed with no answer.
struct StatsFixture {
  ManualClock clock{OpenTime()};
  TestGateway t{TestGatewayOptions{.clock = &clock}};

  StatsFixture() {
    const char* groups[] = {"g1", "g2", "g1", "g3", "g3"};
    const Fate fates[] = {
        {TicketStatus::kClosed, 1 * kHour, 5 * kHour, 2 * kHour, 24 * kHour, "satisfied"},
        {TicketStatus::kResolved, 3 * kHour, 7 * kHour, 2 * kHour, 24 * kHour, ""},
        {TicketStatus::kRejected, 0, 0, 2 * kHour, 0, ""},
        {TicketStatus::kDispatched, 0, 0, 2 * kHour, 24 * kHour, ""},
        {TicketStatus::kClosed, 1 * kHour, 3 * kHour, 2 * kHour, 24 * kHour, "no_answer"},
    };
    for (int i = 0; i < 5; ++i) {
      auto res = t.PostGeneric(TestGateway::Message("s" + std::to_string(i), groups[i],
                                                    std::to_string(i + 1) + "栋楼道灯坏了好几天了,晚上太黑"));
      REQUIRE(res);
      REQUIRE(res->status == 200);
    }
    REQUIRE(t.receiver().WaitFor(5, "/staff"));  // each ticket notified its worker
    auto tickets = t.gateway().store()->ListTickets(TicketFilter{});
    REQUIRE(tickets.ok());
    REQUIRE(tickets->size() == 5);
    ChangeSet change;
    for (const Ticket& before : *tickets) {
      // Message "s<i>" opened ticket i (ids ascend in message order; the list is newest first).
      const size_t i = static_cast<size_t>(before.id - tickets->back().id);
      const Fate& f = fates[i];
      Ticket after = before;
      after.status = f.status;
      auto at = [](int64_t d) { return d ? OpenTime() + d : 0; };
      after.accepted_at = at(f.accepted);
      after.resolved_at = at(f.resolved);
      after.closed_at = f.status == TicketStatus::kClosed ? after.resolved_at + kHour : 0;
      after.response_due_at = at(f.response_due);
      after.resolve_due_at = at(f.resolve_due);
      after.satisfaction = f.satisfaction;
      change.ticket_updates.push_back({after, before.version});
      // The fates are set by hand: the deadline timers dispatch scheduled must not escalate the
      // tickets (and move their due times) behind the figures' back once the clock moves on.
      for (auto kind : {workflow::DeadlineKind::kResponse, workflow::DeadlineKind::kResolution})
        change.cancel_timers.push_back(workflow::DeadlineTimerKey(before.id, kind));
    }
    REQUIRE(t.gateway().store()->Apply(change, OpenTime() + 8 * kHour).ok());
    clock.SetMicros(OpenTime() + 10 * kHour);
  }
};

const nlohmann::json& Group(const nlohmann::json& stats, const std::string& key) {
  for (const auto& g : stats["groups"])
    if (g["key"] == key) return g;
  FAIL("no group " << key);
  static const nlohmann::json none;
  return none;
}

}  // namespace

TEST_SUITE("stats") {
  TEST_CASE("GET /api/v1/stats counts, rates and times each grid's tickets by the README's definitions") {
    StatsFixture fx;
    int status = 0;
    auto stats = fx.t.Api("/api/v1/stats?from=2026-11-01&to=2026-11-30&group_by=grid", &status);
    REQUIRE(status == 200);
    CAPTURE(stats.dump(1));
    CHECK(stats["group_by"] == "grid");
    CHECK(stats["from"] == "2026-10-31T16:00:00.000Z");  // 2026-11-01 in China time
    CHECK(stats["to"] == "2026-11-30T16:00:00.000Z");    // the end of 2026-11-30
    REQUIRE(stats["groups"].size() == 2);

    const auto& a = Group(stats, "grid-a");
    CHECK(a["total"] == 3);
    CHECK(a["by_status"]["closed"] == 1);
    CHECK(a["by_status"]["resolved"] == 1);
    CHECK(a["by_status"]["rejected"] == 1);
    CHECK(a["needed_response"] == 2);  // the rejected ticket is judged by nothing
    CHECK(a["response_rate"] == 0.5);
    CHECK(a["resolution_rate"] == 1.0);
    CHECK(a["satisfaction_rate"] == 1.0);
    CHECK(a["no_answer"] == 0);
    CHECK(a["median_response_s"] == 3600);
    CHECK(a["p90_response_s"] == 3 * 3600);
    CHECK(a["median_resolution_s"] == 5 * 3600);
    CHECK(a["overdue"] == 0);

    const auto& b = Group(stats, "grid-b");
    CHECK(b["total"] == 2);
    CHECK(b["response_rate"] == 0.5);  // the unaccepted ticket is past its deadline: judged, late
    CHECK(b["resolution_rate"] == 0.5);
    CHECK(b["satisfaction_rate"].is_null());  // silence only: nothing to judge
    CHECK(b["no_answer"] == 1);
    CHECK(b["median_resolution_s"] == 3 * 3600);
    CHECK(b["overdue"] == 1);

    const auto& total = stats["total"];
    CHECK(total["total"] == 5);
    CHECK(total["response_rate"] == 0.5);
    CHECK(total["resolution_rate"] == 0.75);
    CHECK(total["satisfaction_rate"] == 1.0);
    CHECK(total["median_response_s"] == 3600);   // 1 h, 1 h, 3 h
    CHECK(total["p90_response_s"] == 3 * 3600);
    CHECK(total["median_resolution_s"] == 5 * 3600);  // 3 h, 5 h, 7 h
    CHECK(total["overdue"] == 1);

    // The default window is the 30 days before the clock's now; October holds nothing.
    auto recent = fx.t.Api("/api/v1/stats?group_by=intent", &status);
    REQUIRE(status == 200);
    CHECK(recent["total"]["total"] == 5);
    auto october = fx.t.Api("/api/v1/stats?from=2026-10-01&to=2026-10-31", &status);
    REQUIRE(status == 200);
    CHECK(october["groups"].empty());
    CHECK(october["total"]["response_rate"].is_null());
  }

  TEST_CASE("GET /api/v1/stats answers 400 with a JSON error for a bad from, to or group_by") {
    StatsFixture fx;
    for (const char* query : {"?group_by=street", "?from=last-week", "?to=1796601600", "?from=2026-11-30&to=2026-11-01"}) {
      CAPTURE(query);
      int status = 0;
      auto body = fx.t.Api(std::string("/api/v1/stats") + query, &status);
      CHECK(status == 400);
      CHECK(body["error"]["code"] == "invalid_argument");
    }
  }

  TEST_CASE("gridrelay report prints the API's figures as a table, and the API's JSON with --json") {
    StatsFixture fx;
    std::ostringstream out, err;
    ReportArgs args{.from = "2026-11-01", .to = "2026-11-30", .group_by = "grid", .json = true};
    REQUIRE(RunReport(*fx.t.gateway().store(), args, fx.t.gateway().runtime()->calendar.get(), fx.clock.NowMicros(), out, err) == 0);
    const auto api = fx.t.Api("/api/v1/stats?from=2026-11-01&to=2026-11-30&group_by=grid");
    CHECK(nlohmann::json::parse(out.str()) == api);

    std::ostringstream table;
    args.json = false;
    REQUIRE(RunReport(*fx.t.gateway().store(), args, fx.t.gateway().runtime()->calendar.get(), fx.clock.NowMicros(), table, err) == 0);
    const std::string text = table.str();
    CAPTURE(text);
    CHECK(text.find("tickets created 2026-11-01T00:00:00+08:00 .. 2026-12-01T00:00:00+08:00, by grid") !=
          std::string::npos);
    // grid-b: 2 tickets, 50% responded and resolved, no satisfaction figure, 1 no answer,
    // 1 h median and p90 response, 3 h median resolution, all resolved on time, 1 h and 2 h in
    // working time (the rest fell outside working hours), 1 overdue, none escalated or merged.
    CHECK(text.find("grid-b      2     50.0%       50.0%             -          1             1h0m          1h0m               3h0m   100.0%              1h0m                2h0m        1          0       0") !=
          std::string::npos);
    CHECK(text.find("total       5     50.0%       75.0%        100.0%          1             1h0m          3h0m               5h0m   100.0%              1h0m               3h30m        1          0       0") != std::string::npos);

    std::ostringstream bad_out, bad_err;
    args.group_by = "street";
    CHECK(RunReport(*fx.t.gateway().store(), args, fx.t.gateway().runtime()->calendar.get(), fx.clock.NowMicros(), bad_out, bad_err) == 2);
    CHECK(bad_err.str().find("--group-by") != std::string::npos);
  }

  TEST_CASE("the real binary's report reads the gateway's SQLite file") {
    StatsFixture fx;
    fx.t.Stop();  // the file is the binary's alone
    const std::string cmd = std::string(GRIDRELAY_BINARY) + " report --json --from 2026-11-01 --to 2026-11-30 " +
                            "--group-by grid --config " + fx.t.config_dir().string() + " --data " +
                            fx.t.data_dir().string() + " 2>&1";
    std::string output;
    FILE* p = ::popen(cmd.c_str(), "r");
    REQUIRE(p != nullptr);
    std::array<char, 4096> buf;
    size_t n;
    while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) output.append(buf.data(), n);
    const int status = ::pclose(p);
    CAPTURE(output);
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    auto j = nlohmann::json::parse(output, nullptr, false);
    REQUIRE(j.is_object());
    CHECK(j["total"]["total"] == 5);
    CHECK(j["total"]["resolution_rate"] == 0.75);
  }
}

}  // namespace gridrelay::testing
