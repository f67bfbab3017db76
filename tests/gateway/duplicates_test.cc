// Duplicate appeals end to end (issue #11): a real gateway on loopback with a real SQLite file.
// Residents u1..u3 report in grid-a's groups g1 and g2; `staff-a` on `demo` is w-a, grid-a's
// worker; the staff channel is the receiver's /staff, the groups' replies its /group.
#include <doctest/doctest.h>

#include "gateway/core/clock.h"
#include "gateway/store/open_store.h"
#include "intents/intent_engine.h"
#include "tests/support/test_gateway.h"

namespace gridrelay::testing {
namespace {

const char* kLight = "3栋楼道灯坏了好几天了，晚上太黑";
const char* kLightAgain = "3栋的楼道灯还是不亮，晚上上楼摸黑";
const char* kLightThird = "三栋楼道的灯坏了，谁来修一下";
const char* kOtherLight = "5栋楼道灯坏了好几天了，晚上太黑";

TestGatewayOptions WithDuplicates() {
  TestGatewayOptions o;
  o.duplicates = "";  // the built-in defaults: on, appeals, 72 h
  return o;
}

std::vector<int64_t> MessageIds(const nlohmann::json& ticket) {
  std::vector<int64_t> ids;
  for (const auto& m : ticket["messages"]) ids.push_back(m["id"]);
  return ids;
}

// Commits resident reports in g1 straight into the store of a stopped gateway, so that its
// inbox meets them all in one pass when it starts again; returns their message ids.
std::vector<int64_t> IngestWhileDown(TestGateway& t, const std::vector<std::pair<const char*, std::string>>& reports) {
  auto engine = intents::IntentEngine::Load(t.config_dir());
  REQUIRE(engine.ok());
  auto store = OpenStore("sqlite:" + (t.data_dir() / "gridrelay.db").string());
  REQUIRE(store.ok());
  std::vector<IngestItem> items;
  for (const auto& [text, sender] : reports) {
    IngestItem item;
    item.message.channel = "demo";
    item.message.dedup_key = "down-" + std::to_string(items.size() + 1);
    item.message.group_id = "g1";
    item.message.sender_id = sender;
    item.message.text = text;
    item.classification = (*engine)->Classify(text);
    items.push_back(std::move(item));
  }
  auto r = (*store)->Ingest(items, SystemClock::Get().NowMicros());
  REQUIRE(r.ok());
  std::vector<int64_t> ids;
  for (const auto& x : *r) ids.push_back(x.message_id);
  return ids;
}

}  // namespace

TEST_SUITE("duplicates e2e") {
  TEST_CASE("three residents reporting one broken light get one ticket, each hears it, its progress and the question") {
    TestGateway t(WithDuplicates());
    const int64_t m1 = t.Says("a1", "g1", kLight, "u1");
    const int64_t id = t.TicketOf(m1);
    const int64_t m2 = t.Says("a2", "g1", kLightAgain, "u2");
    const int64_t m3 = t.Says("a3", "g2", kLightThird, "u3");  // another group of the same grid
    CHECK(t.TicketOf(m2) == id);
    CHECK(t.TicketOf(m3) == id);
    // A different problem in the same grid (another building) opens its own ticket.
    const int64_t m4 = t.Says("a4", "g1", kOtherLight, "u4");
    const int64_t other = t.TicketOf(m4);
    CHECK(other != id);

    auto ticket = t.Ticket(id);
    CHECK(ticket["reporters"] == 3);
    CHECK(MessageIds(ticket) == std::vector<int64_t>{m1, m2, m3});
    int attached = 0;
    for (const auto& e : ticket["events"])
      if (e["action"] == "attach") {
        ++attached;
        CHECK(e["detail"]["rule"].get<std::string>().find("shared place 3栋") == 0);
      }
    CHECK(attached == 2);
    CHECK(t.Ticket(other)["reporters"] == 1);

    // Each duplicate's reporter is told which ticket carries her report, without her words.
    const std::string merged = "已合并到工单#" + std::to_string(id);
    REQUIRE(t.WaitForSent("/group", merged, 2));
    for (const auto& j : t.Sent("/group", merged)) {
      CHECK(j["text"].get<std::string>().find("楼道灯") == std::string::npos);
      CHECK(j["mention_user_ids"].size() == 1);
    }
    // The assignee was notified once, for the ticket: the duplicates add no noise.
    CHECK(t.Sent("/staff", "3栋").size() == 1);

    // 接单 and 办结: every reporter hears, in each group once, @-mentioning those who wrote there.
    REQUIRE(t.PostGeneric(TestGateway::Message("s1", "g1", "接单 " + std::to_string(id), "staff-a"))->status == 200);
    const std::string accepted = "工单#" + std::to_string(id) + " 已由";
    REQUIRE(t.WaitForSent("/group", accepted, 2));
    for (const auto& j : t.Sent("/group", accepted)) {
      const auto mentions = j["mention_user_ids"].get<std::vector<std::string>>();
      if (j["group_id"] == "g1") CHECK(mentions == std::vector<std::string>{"u1", "u2"});
      else CHECK(mentions == std::vector<std::string>{"u3"});
    }
    REQUIRE(t.PostGeneric(TestGateway::Message("s2", "g1", "办结 " + std::to_string(id) + " 灯已更换", "staff-a"))->status ==
            200);
    REQUIRE(t.WaitForSent("/group", "满意请回复1", 2));
    // Any reporter may answer: u3's 1 (in g2) closes it.
    t.Says("a5", "g2", "1", "u3");
    REQUIRE(WaitUntil([&] { return t.Ticket(id)["status"] == "closed"; }));
    CHECK(t.Ticket(id)["satisfaction"] == "satisfied");
    // 查询 shows the worker one ticket with its residents.
    REQUIRE(t.PostGeneric(TestGateway::Message("s3", "g1", "查询 " + std::to_string(id), "staff-a"))->status == 200);
    CHECK(t.WaitForSent("/group", "3位居民反映"));
  }

  TEST_CASE("two reports of one problem in one batch still make one ticket") {
    TestGateway t(WithDuplicates());
    // Three reports committed while the gateway is down: the inbox sees them in one pass on
    // start, and the later ones wait for the first one's ticket rather than opening their own.
    t.Stop();
    const std::vector<int64_t> ids = IngestWhileDown(t, {{kLight, "u1"}, {kLightAgain, "u2"}, {kLightThird, "u3"}});
    t.Start();
    const int64_t id = t.TicketOf(ids[0]);
    CHECK(t.TicketOf(ids[1]) == id);
    CHECK(t.TicketOf(ids[2]) == id);
    CHECK(t.Ticket(id)["reporters"] == 3);
  }

  TEST_CASE("a burst of reports joining one ticket in one pass counts each resident once") {
    TestGateway t(WithDuplicates());
    const int64_t first = t.Says("b0", "g1", kLight, "u1");
    const int64_t id = t.TicketOf(first);
    t.Stop();
    // u1 opened the ticket; u2 and u3 report twice each in the same pass; u4..u9 once.
    std::vector<std::pair<const char*, std::string>> burst = {
        {kLightAgain, "u2"}, {kLightThird, "u1"}, {kLightAgain, "u3"}, {kLightThird, "u2"}, {kLightAgain, "u3"}};
    for (int i = 4; i <= 9; ++i) burst.push_back({i % 2 ? kLightAgain : kLightThird, "u" + std::to_string(i)});
    const std::vector<int64_t> ids = IngestWhileDown(t, burst);
    t.Start();
    for (int64_t m : ids) CHECK(t.TicketOf(m) == id);
    const nlohmann::json ticket = t.Ticket(id);
    CHECK(ticket["reporters"] == 9);
    CHECK(ticket["messages"].size() == burst.size() + 1);
    // And a report after the pass, from a resident the ticket already counts, adds no one.
    CHECK(t.TicketOf(t.Says("b1", "g1", kLightAgain, "u5")) == id);
    CHECK(t.Ticket(id)["reporters"] == 9);
  }

  TEST_CASE("an urgent duplicate attaches, gets its safety reply at once and pages the assignee and the duty officer") {
    TestGateway t(WithDuplicates());
    const int64_t m1 = t.Says("c1", "g1", "12栋电梯坏了，困了人", "u1");
    const int64_t id = t.TicketOf(m1);
    CHECK(t.Ticket(id)["urgent"] == false);
    const int64_t m2 = t.Says("c2", "g1", "12栋电梯坏了，有人被困在里面", "u2");
    CHECK(t.TicketOf(m2) == id);
    auto ticket = t.Ticket(id);
    CHECK(ticket["urgent"] == true);
    CHECK(ticket["reporters"] == 2);
    // Its safety reply went out with the message, before any ticket work.
    bool safety = false;
    for (const auto& r : t.receiver().Requests("/group")) safety = safety || r.Json()["kind"] == "safety_reply";
    CHECK(safety);
    for (const char* who : {"w-a", "c-1"}) {
      CAPTURE(who);
      CHECK(WaitUntil([&] {
        for (const auto& j : t.Sent("/staff", "【紧急】工单#" + std::to_string(id)))
          if (j["user_id"] == who) return true;
        return false;
      }));
    }
  }

  TEST_CASE("拆分 undoes a wrong merge, 合并 makes one by hand, the API's merge and split are their twins") {
    TestGateway t(WithDuplicates());
    const int64_t m1 = t.Says("d1", "g1", kLight, "u1");
    const int64_t id = t.TicketOf(m1);
    const int64_t m2 = t.Says("d2", "g1", kLightAgain, "u2");
    REQUIRE(t.TicketOf(m2) == id);
    const std::string n = std::to_string(id);

    // The opening report stays; a message of another ticket is refused; then m2 is split off.
    REQUIRE(t.PostGeneric(TestGateway::Message("s1", "g1", "拆分 " + n + " " + std::to_string(m1), "staff-a"))->status ==
            200);
    CHECK(t.WaitForSent("/group", "首条反映，不能拆出"));
    REQUIRE(t.PostGeneric(TestGateway::Message("s2", "g1", "拆分 " + n + " 99999", "staff-a"))->status == 200);
    CHECK(t.WaitForSent("/group", "不属于工单#" + n));
    REQUIRE(t.PostGeneric(TestGateway::Message("s3", "g1", "拆分 " + n + " " + std::to_string(m2), "staff-a"))->status ==
            200);
    int64_t split = 0;
    REQUIRE(WaitUntil([&] {
      split = t.TicketOf(m2);
      return split != id;
    }));
    CHECK_MESSAGE(t.Ticket(id)["reporters"] == 1, t.Ticket(id).dump());
    CHECK(MessageIds(t.Ticket(id)) == std::vector<int64_t>{m1});
    auto own = t.Ticket(split);
    CHECK(own["status"] == "dispatched");
    CHECK(own["message_id"] == m2);
    CHECK(own["assignee"]["id"] == "w-a");
    CHECK(!own["response_due_at"].is_null());  // its own deadlines
    CHECK(t.WaitForSent("/group", "已单独登记为工单#" + std::to_string(split)));
    CHECK(t.WaitForSent("/group", "已将消息" + std::to_string(m2) + "拆分为工单#" + std::to_string(split)));

    // 合并 by hand: the split ticket folds back; its report moves with it.
    REQUIRE(t.PostGeneric(TestGateway::Message("s4", "g1", "合并 " + std::to_string(split) + " " + std::to_string(split),
                                               "staff-a"))->status == 200);
    CHECK(t.WaitForSent("/group", "不能把工单合并到自身"));
    REQUIRE(t.PostGeneric(TestGateway::Message("s5", "g1", "合并 " + std::to_string(split) + " " + n, "staff-a"))->status ==
            200);
    REQUIRE(WaitUntil([&] { return t.Ticket(split)["status"] == "merged"; }));
    CHECK(t.Ticket(split)["merged_into"] == id);
    CHECK(t.TicketOf(m2) == id);  // a message is always linked to exactly one ticket
    CHECK(t.Ticket(id)["reporters"] == 2);
    CHECK(t.WaitForSent("/group", "已合并到工单#" + n + "一并处理"));
    CHECK(t.WaitForSent("/group", "共2位居民反映"));

    // The API: split a third report off by message, then merge it back; bad input is a 400 or a
    // 409 with a reason.
    const int64_t m3 = t.Says("d3", "g1", kLightThird, "u3");
    REQUIRE(t.TicketOf(m3) == id);
    auto [s1, b1] = t.Act(id, {{"action", "split"}, {"message", m3}});
    REQUIRE(s1 == 200);
    CHECK(b1["reporters"] == 2);
    const int64_t again = t.TicketOf(m3);
    CHECK(again != id);
    CHECK(t.Act(again, {{"action", "merge"}}).first == 400);                          // no target
    CHECK(t.Act(again, {{"action", "merge"}, {"to", "abc"}}).first == 400);            // not a number
    CHECK(t.Act(again, {{"action", "merge"}, {"to", id + 1000}}).first == 404);        // no such ticket
    auto [s2, b2] = t.Act(again, {{"action", "merge"}, {"to", id}});
    CHECK(s2 == 200);
    CHECK(b2["status"] == "merged");
    CHECK(t.Act(again, {{"action", "merge"}, {"to", id}}).first == 409);               // merged already
    CHECK(t.Act(id, {{"action", "split"}, {"message", m1}}).first == 409);             // its opening report
    CHECK(t.Ticket(id)["reporters"] == 3);
    CHECK(t.Act(id, {{"action", "attach"}, {"to", m2}}).first == 400);                // the gateway's own
  }

  TEST_CASE("a worker cannot merge into a ticket outside her scope, which is answered as missing") {
    TestGateway t(WithDuplicates());
    const int64_t a = t.TicketOf(t.Says("e1", "g1", kLight, "u1"));
    const int64_t b = t.TicketOf(t.Says("e2", "g3", kLight, "u2"));  // grid-b: not a duplicate, not hers
    CHECK(a != b);
    REQUIRE(t.AddToken("w-a", "worker", "grid:grid-a", "tok-wa"));
    CHECK(t.Act(a, {{"action", "merge"}, {"to", b}}, "tok-wa").first == 404);
    CHECK(t.Ticket(a)["status"] == "dispatched");
  }

  // Regression: a split of a report that had opened a ticket of its own (X, merged into Y since)
  // answered 500, because it tried to open a second ticket for the same message.
  TEST_CASE("regression: splitting a report out of the ticket its own ticket was merged into restores that ticket") {
    TestGateway t(WithDuplicates());
    const int64_t m1 = t.Says("r1", "g1", kLight, "u1");
    const int64_t x = t.TicketOf(m1);
    const int64_t m2 = t.Says("r2", "g1", kOtherLight, "u2");  // another building: a ticket of its own
    const int64_t y = t.TicketOf(m2);
    REQUIRE(x != y);
    REQUIRE(t.Act(x, {{"action", "accept"}}).first == 200);
    REQUIRE(t.Act(x, {{"action", "merge"}, {"to", y}}).first == 200);
    REQUIRE(t.TicketOf(m1) == y);

    auto [status, body] = t.Act(y, {{"action", "split"}, {"message", m1}});
    REQUIRE_MESSAGE(status == 200, body.dump());
    CHECK(body["reporters"] == 1);
    CHECK(t.TicketOf(m1) == x);  // back to the ticket it opened: no second ticket for it
    auto own = t.Ticket(x);
    CHECK(own["status"] == "accepted");  // as it was before the merge
    CHECK(own["merged_into"].is_null());
    CHECK(own["reporters"] == 1);
    CHECK(!own["resolve_due_at"].is_null());
    CHECK(MessageIds(own) == std::vector<int64_t>{m1});
    CHECK(MessageIds(t.Ticket(y)) == std::vector<int64_t>{m2});
    CHECK(t.WaitForSent("/group", "已单独登记为工单#" + std::to_string(x)));
    bool restored = false;
    for (const auto& e : own["events"]) restored = restored || e["action"] == "restored";
    CHECK(restored);
    // The chat verb takes the same path: merged again, split again by 拆分.
    REQUIRE(t.Act(x, {{"action", "merge"}, {"to", y}}).first == 200);
    REQUIRE(t.Says("r3", "g1", "拆分 " + std::to_string(y) + " " + std::to_string(m1), "staff-a") != 0);
    REQUIRE(t.WaitForSent("/group", "拆回其原工单#" + std::to_string(x)));
    CHECK(t.Ticket(x)["status"] == "accepted");
  }
}

}  // namespace gridrelay::testing
