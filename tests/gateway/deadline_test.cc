// Deadlines and escalation end to end (issue #9): a real gateway on loopback with a real SQLite
// file and the shipped calendar.yaml and deadlines.yaml, time driven by a ManualClock. A lapsed
// deadline climbs grid → community → street → district, tells the duty officer of the new
// level and urges the assignee; waiting for the resident pauses the clock; a restart between a
// deadline and its firing fires it once.
#include <doctest/doctest.h>

#include "gateway/core/clock.h"
#include "gateway/store/testing/fault_store.h"
#include "gateway/workflow/calendar.h"
#include "tests/support/test_gateway.h"
#include "util/metrics.h"

namespace gridrelay::testing {
namespace {

constexpr int64_t kSecond = 1000000;
const char* kFacilities = "3栋楼道灯坏了好几天了,晚上太黑";

// Unix microseconds of a China-time ISO string.
int64_t At(const char* iso) {
  auto t = workflow::ParseIsoTime(iso);
  REQUIRE(t.ok());
  return *t * kSecond;
}

struct Fixture {
  explicit Fixture(const std::string& start, StoreFactory store_factory = nullptr) : clock(At(start.c_str())) {
    TestGatewayOptions o;
    o.clock = &clock;
    o.store_factory = std::move(store_factory);
    t = std::make_unique<TestGateway>(o);
  }

  // The resident's message in g1 opens grid-a's ticket; its id.
  int64_t Open(const std::string& msg_id) {
    auto res = t->PostGeneric(TestGateway::Message(msg_id, "g1", kFacilities, "u42"));
    REQUIRE(res);
    REQUIRE(res->status == 200);
    const int64_t message_id = nlohmann::json::parse(res->body)["message_id"];
    const int64_t id = t->TicketOf(message_id);
    REQUIRE(id != 0);
    return id;
  }

  Ticket Get(int64_t id) {
    auto got = t->gateway().store()->GetTicket(id);
    REQUIRE(got.ok());
    REQUIRE(got->has_value());
    return **got;
  }

  void Staff(const std::string& msg_id, const std::string& text) {
    auto res = t->PostGeneric(TestGateway::Message(msg_id, "g1", text, "staff-a"));
    REQUIRE(res);
    REQUIRE(res->status == 200);
  }

  bool WaitFor(const std::function<bool(const Ticket&)>& pred, int64_t id,
               std::chrono::milliseconds within = std::chrono::seconds(10)) {
    return WaitUntil([&] { return pred(Get(id)); }, within);
  }

  // Staff notifications sent to `to` so far.
  std::vector<std::string> NotesTo(const std::string& to) {
    std::vector<std::string> out;
    for (const auto& r : t->receiver().Requests("/staff")) {
      auto j = r.Json();
      if (j.value("to", "") == to || j.value("user_id", "") == to) out.push_back(j.value("text", ""));
    }
    return out;
  }

  int Escalations(int64_t id) {
    auto events = t->gateway().store()->TicketEvents(id);
    REQUIRE(events.ok());
    int n = 0;
    for (const auto& e : *events) n += e.action == "escalate";
    return n;
  }

  ManualClock clock;
  std::unique_ptr<TestGateway> t;
};

bool Contains(const std::vector<std::string>& texts, const std::string& needle) {
  for (const auto& s : texts)
    if (s.find(needle) != std::string::npos) return true;
  return false;
}

}  // namespace

TEST_SUITE("deadlines") {
  TEST_CASE("a lapsed response deadline climbs one level and tells its duty officer, a second lapse climbs again") {
    Fixture f("2026-03-09T09:00:00+08:00");  // a Monday
    const int64_t id = f.Open("m1");
    Ticket t = f.Get(id);
    REQUIRE(t.intent == "appeal.facilities");
    // Response: 2 working hours from dispatch; resolution: 24 calendar hours.
    CHECK(t.response_due_at == At("2026-03-09T11:00:00+08:00"));
    CHECK(t.resolve_due_at == At("2026-03-10T09:00:00+08:00"));
    CHECK(t.level == "grid");

    f.clock.AdvanceMicros(At("2026-03-09T10:59:59+08:00") - f.clock.NowMicros());
    CHECK_FALSE(f.WaitFor([](const Ticket& x) { return x.level != "grid"; }, id, std::chrono::milliseconds(300)));

    f.clock.AdvanceMicros(At("2026-03-09T11:00:00+08:00") - f.clock.NowMicros());  // due: it lapses
    REQUIRE(f.WaitFor([](const Ticket& x) { return x.level == "community"; }, id));
    t = f.Get(id);
    CHECK(t.supervised);
    CHECK(t.status == TicketStatus::kDispatched);  // escalation is a level, not a state
    CHECK(t.assignee_id == "w-a");                 // the worker keeps the work
    REQUIRE(WaitUntil([&] { return Contains(f.NotesTo("c-1"), "【升级督办】"); }));
    CHECK(Contains(f.NotesTo("c-1"), "响应超时"));
    REQUIRE(WaitUntil([&] { return Contains(f.NotesTo("w-a"), "【督办】"); }));
    // The response deadline starts again at the new level: 11:00 + 2 working hours, lunch skipped.
    CHECK(t.response_due_at == At("2026-03-09T14:30:00+08:00"));

    f.clock.AdvanceMicros(At("2026-03-09T14:30:00+08:00") - f.clock.NowMicros());
    REQUIRE(f.WaitFor([](const Ticket& x) { return x.level == "street"; }, id));
    REQUIRE(WaitUntil([&] { return Contains(f.NotesTo("s-1"), "【升级督办】"); }));
    CHECK(f.Escalations(id) == 2);

    // Accepting stops the response clock: no third escalation for it.
    f.Staff("s1", "接单 " + std::to_string(id));
    REQUIRE(f.WaitFor([](const Ticket& x) { return x.status == TicketStatus::kAccepted; }, id));
    f.clock.AdvanceMicros(At("2026-03-09T17:00:00+08:00") - f.clock.NowMicros());
    CHECK_FALSE(f.WaitFor([](const Ticket& x) { return x.level != "street"; }, id, std::chrono::milliseconds(300)));
    // The resolution deadline (24 h) still runs: it lapses next morning, and the ticket reaches
    // the district.
    f.clock.AdvanceMicros(At("2026-03-10T09:00:01+08:00") - f.clock.NowMicros());
    REQUIRE(f.WaitFor([](const Ticket& x) { return x.level == "district"; }, id));
    REQUIRE(WaitUntil([&] { return Contains(f.NotesTo("d-1"), "办理超时"); }));
    // Past the district there is nowhere to go: the district hears again, and the event says so.
    f.clock.AdvanceMicros(At("2026-03-11T09:00:02+08:00") - f.clock.NowMicros());
    REQUIRE(WaitUntil([&] { return f.Escalations(id) == 4; }));
    auto events = f.t->gateway().store()->TicketEvents(id);
    REQUIRE(events.ok());
    CHECK(events->back().detail.value("beyond_top", false));
    CHECK(f.Get(id).level == "district");
  }

  TEST_CASE("waiting for the resident pauses the resolution clock, the rest of the budget runs afterwards") {
    Fixture f("2026-03-09T09:00:00+08:00");
    const int64_t id = f.Open("m1");
    const std::string n = std::to_string(id);
    f.Staff("s1", "接单 " + n);
    REQUIRE(f.WaitFor([](const Ticket& x) { return x.status == TicketStatus::kAccepted; }, id));
    f.clock.AdvanceMicros(At("2026-03-09T10:00:00+08:00") - f.clock.NowMicros());
    f.Staff("s2", "等回复 " + n + " 请提供具体楼层");
    REQUIRE(f.WaitFor([](const Ticket& x) { return x.status == TicketStatus::kWaitingResident; }, id));
    // Thirty hours of waiting: past the 24 h budget, yet nothing lapses.
    f.clock.AdvanceMicros(At("2026-03-10T16:00:00+08:00") - f.clock.NowMicros());
    CHECK_FALSE(f.WaitFor([](const Ticket& x) { return x.level != "grid"; }, id, std::chrono::milliseconds(300)));
    // Back at work: 1 h of the 24 was used before the pause, 23 h remain.
    f.Staff("s3", "处理中 " + n);
    REQUIRE(f.WaitFor([](const Ticket& x) { return x.status == TicketStatus::kInProgress; }, id));
    CHECK(f.Get(id).resolve_due_at == At("2026-03-11T15:00:00+08:00"));
    f.clock.AdvanceMicros(At("2026-03-11T14:59:00+08:00") - f.clock.NowMicros());
    CHECK_FALSE(f.WaitFor([](const Ticket& x) { return x.level != "grid"; }, id, std::chrono::milliseconds(300)));
    f.clock.AdvanceMicros(At("2026-03-11T15:00:01+08:00") - f.clock.NowMicros());
    REQUIRE(f.WaitFor([](const Ticket& x) { return x.level == "community"; }, id));
    CHECK(f.Escalations(id) == 1);
  }

  TEST_CASE("a deadline that lapses while the gateway is down fires once after the restart") {
    Fixture f("2026-03-09T09:00:00+08:00");
    const int64_t id = f.Open("m1");
    f.t->Stop();
    f.clock.AdvanceMicros(At("2026-03-09T11:30:00+08:00") - f.clock.NowMicros());
    f.t->Start();
    REQUIRE(f.WaitFor([](const Ticket& x) { return x.level == "community"; }, id));
    // Restarted again: the fired timer is gone, the new one is not due yet.
    f.t->Restart();
    CHECK_FALSE(f.WaitFor([](const Ticket& x) { return x.level != "community"; }, id, std::chrono::milliseconds(500)));
    CHECK(f.Escalations(id) == 1);
    int told = 0;
    for (const auto& s : f.NotesTo("c-1")) told += s.find("【升级督办】") != std::string::npos;
    CHECK(told == 1);
  }

  TEST_CASE("a gateway that dies while firing a deadline, before its commit, fires it once after the restart") {
    FaultStore* fault = nullptr;
    Fixture f("2026-03-09T09:00:00+08:00", FaultStore::Around(OpenStore, &fault));
    REQUIRE(fault != nullptr);
    const int64_t id = f.Open("m1");
    // The runner leases the lapsed response timer, plans the escalation and dies before its
    // transaction commits: nothing of it is written, and the lease stays behind.
    fault->FailApplies(true);
    f.clock.AdvanceMicros(At("2026-03-09T11:30:00+08:00") - f.clock.NowMicros());
    REQUIRE(WaitUntil([&] { return fault->refused_writes() > 0; }));
    f.t->Restart();  // a new FaultStore, without faults, on the same file
    // The dead runner's lease holds the timer for its minute: nobody fires it meanwhile.
    CHECK_FALSE(f.WaitFor([](const Ticket& x) { return x.level != "grid"; }, id, std::chrono::milliseconds(500)));
    f.clock.AdvanceMicros(int64_t{61} * kSecond);
    REQUIRE(f.WaitFor([](const Ticket& x) { return x.level == "community"; }, id));
    f.t->Restart();
    f.clock.AdvanceMicros(int64_t{61} * kSecond);
    CHECK_FALSE(f.WaitFor([](const Ticket& x) { return x.level != "community"; }, id, std::chrono::milliseconds(500)));
    CHECK(f.Escalations(id) == 1);
    int told = 0;
    for (const auto& s : f.NotesTo("c-1")) told += s.find("【升级督办】") != std::string::npos;
    CHECK(told == 1);
  }

  TEST_CASE("past the calendar's last year: /readyz warns a month ahead, and a deadline counted there is counted") {
    auto calendar = workflow::Calendar::Load(SourceConfigDir() / "calendar.yaml");
    REQUIRE(calendar.ok());
    const std::string last = std::to_string(calendar->last_year());
    const std::string next = std::to_string(calendar->last_year() + 1);
    {
      Fixture f(last + "-03-09T09:00:00+08:00");
      auto ready = f.t->Api("/readyz");
      CHECK(ready["status"] == "ready");
      CHECK(ready["warnings"].empty());
      f.Open("m1");
      CHECK(f.t->gateway().metrics()->Counter(metric::kPastCalendarEnd) == 0);
    }
    Fixture f(last + "-12-31T17:00:00+08:00");
    auto ready = f.t->Api("/readyz");
    CHECK(ready["status"] == "ready");
    REQUIRE(ready["warnings"].size() == 1);
    CHECK(ready["warnings"][0].get<std::string>().find("no holidays for " + next) != std::string::npos);
    // The deadlines of a ticket opened on New Year's Eve (24 hours; 2 working hours) fall in next year.
    f.Open("m1");
    CHECK(f.t->gateway().metrics()->Counter(metric::kPastCalendarEnd) == 1);
  }

  TEST_CASE("督办 by hand climbs one level like a lapsed deadline, without restarting any clock") {
    Fixture f("2026-03-09T09:00:00+08:00");
    const int64_t id = f.Open("m1");
    const int64_t due = f.Get(id).response_due_at;
    REQUIRE(f.t->gateway().store()->CreateToken(ApiToken{.name = "c-1", .role = "supervisor", .scope = "community:c"},
                                                 "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", 1).ok());
    httplib::Client c = f.t->Client();
    auto res = c.Post(("/api/v1/tickets/" + std::to_string(id) + "/actions").c_str(),
                      {{"Authorization", "Bearer test"}}, R"({"action":"supervise"})", "application/json");
    REQUIRE(res);
    CHECK(res->status == 200);
    Ticket t = f.Get(id);
    CHECK(t.level == "community");
    CHECK(t.supervised);
    CHECK(t.response_due_at == due);
    REQUIRE(WaitUntil([&] { return Contains(f.NotesTo("c-1"), "上级督办"); }));
  }
}

}  // namespace gridrelay::testing
