// The closed loop end to end (issue #8): a real gateway on loopback with a real SQLite file,
// the generic channel's group and the staff channel as a real HTTP receiver. Staff command from
// their platform accounts (`staff-a` on `demo` is w-a, grid-a's worker); residents answer the
// satisfaction question; the no-answer timer runs on a manual clock.
#include <doctest/doctest.h>

#include <map>

#include "gateway/core/clock.h"
#include "tests/support/test_gateway.h"

namespace gridrelay::testing {
namespace {

const char* kFacilities = "3栋楼道灯坏了好几天了,晚上太黑";

// The texts the receiver got on `path` so far.
std::vector<std::string> Texts(TestGateway& t, const std::string& path) {
  std::vector<std::string> out;
  for (const auto& r : t.receiver().Requests(path)) out.push_back(r.Json().value("text", ""));
  return out;
}

// Waits until some message on `path` contains `needle`; returns it ("" on timeout).
std::string WaitForText(TestGateway& t, const std::string& path, const std::string& needle) {
  std::string found;
  WaitUntil([&] {
    for (const std::string& s : Texts(t, path))
      if (s.find(needle) != std::string::npos) {
        found = s;
        return true;
      }
    return false;
  });
  return found;
}

// Opens a ticket from a resident message in g1 and returns its id.
int64_t OpenTicket(TestGateway& t, const std::string& msg_id, const std::string& sender = "u42") {
  auto res = t.PostGeneric(TestGateway::Message(msg_id, "g1", kFacilities, sender));
  REQUIRE(res);
  REQUIRE(res->status == 200);
  const int64_t message_id = nlohmann::json::parse(res->body)["message_id"];
  const int64_t id = t.TicketOf(message_id);
  REQUIRE(id != 0);
  return id;
}

// Posts a message from staff-a (w-a's account) in g1; returns its message id.
int64_t StaffSays(TestGateway& t, const std::string& msg_id, const std::string& text,
                  const std::string& account = "staff-a") {
  auto res = t.PostGeneric(TestGateway::Message(msg_id, "g1", text, account));
  REQUIRE(res);
  REQUIRE(res->status == 200);
  return nlohmann::json::parse(res->body)["message_id"];
}

bool WaitForStatus(TestGateway& t, int64_t id, const std::string& status) {
  return WaitUntil([&] { return t.Ticket(id)["status"] == status; });
}

}  // namespace

TEST_SUITE("closed loop") {
  TEST_CASE("the API's actions are the chat verbs' twin: same table, same refusals, same notes to the resident") {
    TestGateway t;
    const int64_t id = OpenTicket(t, "m1");
    REQUIRE(t.AddToken("w-a", "worker", "grid:grid-a", "tok-wa"));
    REQUIRE(t.AddToken("w-b", "worker", "grid:grid-b", "tok-wb"));
    REQUIRE(t.AddToken("c-1", "supervisor", "community:c", "tok-c1"));

    CHECK(t.Act(id, {{"action", "resolve"}, {"note", "x"}}, "tok-wa").first == 409);  // never accepted
    CHECK(t.Act(id, {{"action", "accept"}}, "tok-wb").first == 404);                  // outside her scope
    CHECK(t.Act(id, {{"action", "fly"}}, "tok-wa").first == 400);
    CHECK(t.Act(id, {{"action", "satisfied"}}, "tok-wa").first == 400);               // the gateway's own
    CHECK(t.Act(id + 1000, {{"action", "accept"}}, "tok-wa").first == 404);
    CHECK(t.Act(id, {{"action", "accept"}}, "nope").first == 401);

    auto [status, body] = t.Act(id, {{"action", "accept"}}, "tok-wa");
    CHECK(status == 200);
    CHECK(body["status"] == "accepted");
    CHECK(!WaitForText(t, "/group", "已由网格员甲受理").empty());
    CHECK(t.Act(id, {{"action", "transfer"}, {"to", "w-b"}}, "tok-wa").first == 400);  // no reason
    auto supervised = t.Act(id, {{"action", "supervise"}}, "tok-c1");
    CHECK(supervised.first == 200);
    CHECK(supervised.second["supervised"] == true);
    CHECK(!WaitForText(t, "/staff", "【督办】").empty());

    auto ticket = t.Ticket(id);
    std::vector<std::string> actions;
    for (const auto& e : ticket["events"]) actions.push_back(e["action"]);
    CHECK(actions == std::vector<std::string>{"created", "dispatched", "refused", "refused", "accept", "refused",
                                              "supervise"});
  }

  TEST_CASE("post, 接单, 办结, 1: the ticket closes satisfied and the resident hears each step without her words") {
    TestGateway t;
    const int64_t id = OpenTicket(t, "m1");
    const std::string n = std::to_string(id);

    StaffSays(t, "s1", "接单 " + n);
    REQUIRE(WaitForStatus(t, id, "accepted"));
    CHECK(!WaitForText(t, "/group", "已受理工单#" + n).empty());        // the bot confirms to staff
    const std::string progress = WaitForText(t, "/group", "工单#" + n + " 已由");
    CHECK(progress.find("网格员甲") != std::string::npos);
    CHECK(progress.find("楼道灯") == std::string::npos);

    StaffSays(t, "s2", "办结" + n + " 灯已更换");  // no space between verb and number
    REQUIRE(WaitForStatus(t, id, "resolved"));
    const std::string asked = WaitForText(t, "/group", "满意请回复1");
    CHECK(asked.find("已办结") != std::string::npos);
    CHECK(asked.find("灯已更换") != std::string::npos);  // the worker's summary, not the resident's words

    // Someone else's "1" in the group is an ordinary message, not her answer.
    REQUIRE(t.PostGeneric(TestGateway::Message("r0", "g1", "1", "u99"))->status == 200);
    REQUIRE(t.PostGeneric(TestGateway::Message("r1", "g1", "１", "u42"))->status == 200);  // full-width
    REQUIRE(WaitForStatus(t, id, "closed"));
    auto ticket = t.Ticket(id);
    CHECK(ticket["satisfaction"] == "satisfied");
    CHECK(!ticket["accepted_at"].is_null());
    CHECK(!ticket["closed_at"].is_null());
    CHECK(!WaitForText(t, "/group", "感谢您的评价").empty());

    std::vector<std::string> actions;
    for (const auto& e : ticket["events"]) actions.push_back(e["action"]);
    CHECK(actions == std::vector<std::string>{"created", "dispatched", "accept", "resolve", "satisfied"});
    CHECK(ticket["events"][2]["actor"] == "w-a");
    CHECK(ticket["events"][3]["detail"]["note"] == "灯已更换");

    // The supervisors' three rates over this one ticket: all met.
    auto stats = t.Api("/api/v1/stats?group_by=grid");
    REQUIRE(stats["groups"].size() == 1);
    const auto& row = stats["groups"][0];
    CHECK(row["key"] == "grid-a");
    CHECK(row["total"] == 1);
    CHECK(row["response_rate"] == 1.0);
    CHECK(row["resolution_rate"] == 1.0);
    CHECK(row["satisfaction_rate"] == 1.0);
  }

  TEST_CASE("an unsatisfied answer reopens the ticket under supervision and tells the supervisor") {
    TestGateway t;
    const int64_t id = OpenTicket(t, "m1");
    const std::string n = std::to_string(id);
    StaffSays(t, "s1", "接单 #" + n);
    REQUIRE(WaitForStatus(t, id, "accepted"));
    StaffSays(t, "s2", "办结 " + n + " 已处理");
    REQUIRE(WaitForStatus(t, id, "resolved"));
    REQUIRE(t.PostGeneric(TestGateway::Message("r1", "g1", "不满意", "u42"))->status == 200);
    REQUIRE(WaitForStatus(t, id, "reopened"));
    auto ticket = t.Ticket(id);
    CHECK(ticket["supervised"] == true);
    CHECK(ticket["satisfaction"] == "unsatisfied");
    CHECK(ticket["resolved_at"].is_null());  // the resolution clock starts again
    // The assignee and the grid's supervisor (its community's duty officer) both hear of it.
    for (const char* who : {"w-a", "c-1"}) {
      CAPTURE(who);
      CHECK(WaitUntil([&] {
        for (const auto& r : t.receiver().Requests("/staff"))
          if (r.Json()["user_id"] == who && r.Json()["text"].get<std::string>().find("不满意") != std::string::npos)
            return true;
        return false;
      }));
    }
  }

  TEST_CASE("silence past the configured wait closes the ticket as no_answer, never as satisfied") {
    ManualClock clock(1'800'000'000'000'000);
    TestGatewayOptions o;
    o.clock = &clock;
    TestGateway t(o);
    const int64_t id = OpenTicket(t, "m1");
    const std::string n = std::to_string(id);
    StaffSays(t, "s1", "接单 " + n);
    REQUIRE(WaitForStatus(t, id, "accepted"));
    StaffSays(t, "s2", "办结 " + n + " 已处理");
    REQUIRE(WaitForStatus(t, id, "resolved"));
    clock.AdvanceMicros(int64_t{71} * 3600 * 1000000);
    // Nothing fires before the wait is over.
    CHECK_FALSE(WaitUntil([&] { return t.Ticket(id)["status"] != "resolved"; }, std::chrono::milliseconds(300)));
    clock.AdvanceMicros(int64_t{2} * 3600 * 1000000);
    REQUIRE(WaitForStatus(t, id, "closed"));
    CHECK(t.Ticket(id)["satisfaction"] == "no_answer");
    // A late "1" changes nothing: the ticket is closed.
    REQUIRE(t.PostGeneric(TestGateway::Message("late", "g1", "1", "u42"))->status == 200);
    CHECK_FALSE(WaitUntil([&] { return t.Ticket(id)["satisfaction"] != "no_answer"; }, std::chrono::milliseconds(300)));
  }

  TEST_CASE("a resident typing a command is an ordinary message, staff get a usage hint or a refusal that says why") {
    TestGateway t;
    const int64_t id = OpenTicket(t, "m1");
    const std::string n = std::to_string(id);
    // A resident's 办结 is not a command: it opens its own ticket or nothing, and the ticket stays.
    REQUIRE(t.PostGeneric(TestGateway::Message("r1", "g1", "办结 " + n, "u42"))->status == 200);
    // Staff resolving a ticket never accepted is refused, and nothing changes.
    StaffSays(t, "s1", "办结 " + n + " 已处理");
    CHECK(WaitForText(t, "/group", "尚未受理").find("先接单") != std::string::npos);
    // A verb without its parts gets the usage line; ordinary staff chat gets nothing.
    StaffSays(t, "s2", "转办 " + n);
    CHECK(!WaitForText(t, "/group", "用法").empty());
    const int64_t chat = StaffSays(t, "s3", "办结了吗");
    REQUIRE(WaitUntil([&] { return t.Api("/api/v1/messages/" + std::to_string(chat))["state"] == "ignored"; }));
    CHECK(t.Api("/api/v1/messages/" + std::to_string(chat))["replies"].empty());
    auto ticket = t.Ticket(id);
    CHECK(ticket["status"] == "dispatched");
    bool refused = false;
    for (const auto& e : ticket["events"]) refused = refused || e["action"] == "refused";
    CHECK(refused);
  }

  TEST_CASE("transfer needs a known reason and target, past the bounce limit the supervisor decides") {
    TestGatewayOptions o;
    o.loop = "loop:\n  max_bounces: 2\n  satisfaction_wait_hours: 72\n  reasons:\n"
             "    transfer: {not_my_grid: 不属本网格}\n    return: {not_my_grid: 不属本网格}\n"
             "    reject: {not_a_request: 非诉求}\n";
    TestGateway t(o);
    const int64_t id = OpenTicket(t, "m1");
    const std::string n = std::to_string(id);
    StaffSays(t, "s1", "转办 " + n + " w-b because");
    CHECK(WaitForText(t, "/group", "未知理由").find("not_my_grid") != std::string::npos);
    StaffSays(t, "s2", "转办 " + n + " w-nobody not_my_grid");
    CHECK(!WaitForText(t, "/group", "w-nobody").empty());
    CHECK(t.Ticket(id)["assignee"]["id"] == "w-a");

    StaffSays(t, "s3", "转办 " + n + " w-b not_my_grid");
    REQUIRE(WaitUntil([&] { return t.Ticket(id)["assignee"]["id"] == "w-b"; }));
    auto ticket = t.Ticket(id);
    CHECK(ticket["status"] == "transferred");
    CHECK(ticket["bounces"] == 1);
    CHECK(ticket["reason"] == "not_my_grid");
    const std::string assigned = WaitForText(t, "/staff", "转办工单#" + n);
    CHECK(assigned.find("不属本网格") != std::string::npos);
    // w-a no longer holds it: her next transfer is refused.
    StaffSays(t, "s4", "转办 " + n + " w-b not_my_grid");
    CHECK(!WaitForText(t, "/group", "不是其承办人").empty());
  }
  TEST_CASE("a restart in the middle of the loop loses nothing and sends nothing twice") {
    TestGateway t;
    const int64_t id = OpenTicket(t, "m1");
    const std::string n = std::to_string(id);
    StaffSays(t, "s1", "接单 " + n);
    REQUIRE(WaitForStatus(t, id, "accepted"));
    REQUIRE(!WaitForText(t, "/group", "已由网格员甲受理").empty());
    t.Restart();
    // The platform re-delivers the 接单 it already had acknowledged: a duplicate, not a second accept.
    StaffSays(t, "s1", "接单 " + n);
    StaffSays(t, "s2", "办结 " + n + " 已处理");
    REQUIRE(WaitForStatus(t, id, "resolved"));
    t.Restart();
    REQUIRE(t.PostGeneric(TestGateway::Message("r1", "g1", "1", "u42"))->status == 200);
    REQUIRE(WaitForStatus(t, id, "closed"));
    REQUIRE(!WaitForText(t, "/group", "感谢您的评价").empty());

    const auto ticket = t.Ticket(id);  // held: a range-for over a temporary's member would dangle
    std::vector<std::string> actions;
    for (const auto& e : ticket["events"]) actions.push_back(e["action"]);
    CHECK(actions == std::vector<std::string>{"created", "dispatched", "accept", "resolve", "satisfied"});
    // Each note reached the group once, keyed by ticket version.
    std::map<std::string, int> by_key;
    for (const auto& r : t.receiver().Requests("/group")) ++by_key[r.Json().value("idempotency_key", "")];
    for (const auto& [key, count] : by_key) {
      CAPTURE(key);
      CHECK(count == 1);
    }
    CHECK(by_key.size() == 6);  // ack, answer+progress (接单), answer+question (办结), thanks
  }
}

}  // namespace gridrelay::testing
