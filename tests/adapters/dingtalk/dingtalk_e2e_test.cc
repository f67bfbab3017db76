// End to end for the dingtalk channel type: a real gateway on loopback receives a signed
// outgoing-robot callback (built by the adapter's BuildCallback, as `gridrelay simulate` does)
// from an allowed source, opens a ticket, notifies the worker on the staff channel, and replies
// through the conversation's sessionWebhook on a fake DingTalk; a callback from a source that is
// not allowed is refused.
#include <doctest/doctest.h>

#include <functional>
#include <memory>

#include "adapters/dingtalk/dingtalk_wire.h"
#include "gateway/core/clock.h"
#include "util/metrics.h"
#include "tests/adapters/common/adapter_e2e_util.h"
#include "tests/support/test_gateway.h"

namespace gridrelay::testing {
namespace {

using nlohmann::json;

const char* kFacilities = "3栋楼道灯坏了好几天了,晚上太黑";

TestGatewayOptions WithDingTalk(const FakeHttpServer& dingtalk, const std::string& sources) {
  TestGatewayOptions o;
  o.extra_channels = "  ding:\n    type: dingtalk\n    app_secret: e2e-app-secret\n    allowed_sources: " + sources +
                     "\n    access_token: robot-e2e\n    secret: SECe2e\n    api_base: " + dingtalk.url() + "\n";
  o.extra_grids = "  - {id: grid-ding, name: 钉钉网格, community: c, worker: w-a, groups: [{channel: ding, group: cid-e2e}]}\n";
  return o;
}

TEST_SUITE("dingtalk e2e") {
  TEST_CASE("a signed DingTalk callback becomes a ticket, a staff notification and a reply through the sessionWebhook") {
    FakeHttpServer dingtalk;
    dingtalk.On("/robot/sendBySession", [](const RecordedRequest&) { return FakeResponse{200, R"({"errcode":0,"errmsg":"ok"})"}; });
    TestGateway t(WithDingTalk(dingtalk, "['127.0.0.1', '::1']"));
    const Adapter* adapter = t.gateway().runtime()->FindAdapter("ding");
    REQUIRE(adapter != nullptr);
    const int64_t now = SystemClock::Get().NowSeconds();
    auto callback = adapter->BuildCallback({"cid-e2e", "staff-77", "周大爷", kFacilities, "", now});
    REQUIRE(callback.ok());
    const int64_t timestamp = std::stoll(callback->headers.at("timestamp"));
    CHECK(callback->headers.at("sign") == dingtalk::Sign(timestamp, "e2e-app-secret"));

    auto res = PostWebhook(t, "/webhook/dingtalk/ding", *callback);
    REQUIRE(res);
    CHECK(res->status == 200);
    CHECK(json::parse(res->body) == json{{"msgtype", "empty"}});

    REQUIRE(t.receiver().WaitFor(1, "/staff"));
    REQUIRE(dingtalk.WaitFor(1, "/robot/sendBySession"));
    json tickets = t.Api("/api/v1/tickets")["tickets"];
    REQUIRE(tickets.size() == 1);
    CHECK(tickets[0]["grid"] == "grid-ding");
    const RecordedRequest sent = dingtalk.Requests("/robot/sendBySession")[0];
    CHECK(sent.query.at("session").rfind("sim", 0) == 0);
    const json body = sent.Json();
    CHECK(body["msgtype"] == "text");
    CHECK(body["text"]["content"].get<std::string>().find(tickets[0]["number"].get<std::string>()) != std::string::npos);

    // The same callback again: 200, a duplicate, no second ticket.
    auto again = PostWebhook(t, "/webhook/dingtalk/ding", *callback);
    REQUIRE(again);
    CHECK(again->status == 200);
    CHECK(t.gateway().metrics()->Counter(metric::kDuplicates, {{"channel", "ding"}}) == 1);
    CHECK(t.Api("/api/v1/tickets")["tickets"].size() == 1);

    WebhookRequest forged = *callback;
    forged.headers["sign"] = dingtalk::Sign(timestamp, "not-the-secret");
    auto refused = PostWebhook(t, "/webhook/dingtalk/ding", forged);
    REQUIRE(refused);
    CHECK(refused->status == 401);
  }

  TEST_CASE("a callback from a source outside allowed_sources is refused with 403") {
    FakeHttpServer dingtalk;
    TestGateway t(WithDingTalk(dingtalk, "['10.9.9.0/24']"));
    const Adapter* adapter = t.gateway().runtime()->FindAdapter("ding");
    REQUIRE(adapter != nullptr);
    auto callback = adapter->BuildCallback({"cid-e2e", "staff-77", "", kFacilities, "", SystemClock::Get().NowSeconds()});
    REQUIRE(callback.ok());
    auto res = PostWebhook(t, "/webhook/dingtalk/ding", *callback);
    REQUIRE(res);
    CHECK(res->status == 403);
    CHECK(t.Api("/api/v1/tickets")["tickets"].empty());
  }
}

}  // namespace
}  // namespace gridrelay::testing

namespace gridrelay::testing {
namespace {

// The closed loop on DingTalk, a mention-only platform: the robot hears only messages that
// @-mention it, and a conversation's sessionWebhook dies about 20 minutes after the message
// that brought it. Time runs on a manual clock.
struct DingLoop {
  static constexpr int64_t kT0 = 1'800'000'000;  // seconds
  ManualClock clock{kT0 * 1'000'000};
  FakeHttpServer dingtalk;
  std::unique_ptr<TestGateway> t;
  const Adapter* adapter = nullptr;

  // `app_api`: the channel sends through the app robot API (app_key) and has no custom robot.
  explicit DingLoop(bool app_api = false) {
    for (const char* path : {"/robot/sendBySession", "/robot/send"})
      dingtalk.On(path, [](const RecordedRequest&) { return FakeResponse{200, R"({"errcode":0,"errmsg":"ok"})"}; });
    dingtalk.On("/v1.0/oauth2/accessToken",
                [](const RecordedRequest&) { return FakeResponse{200, R"({"accessToken":"app-tok","expireIn":7200})"}; });
    dingtalk.On("/v1.0/robot/groupMessages/send",
                [](const RecordedRequest&) { return FakeResponse{200, R"({"processQueryKey":"q"})"}; });
    TestGatewayOptions o = WithDingTalk(dingtalk, "['127.0.0.1', '::1']");
    if (app_api) {
      o.extra_channels = "  ding:\n    type: dingtalk\n    app_secret: e2e-app-secret\n    app_key: ding-e2e-app\n"
                         "    api_base: " + dingtalk.url() + "\n    api_v1_base: " + dingtalk.url() + "\n";
    }
    o.extra_grids = "  - {id: grid-ding, name: 钉钉网格, community: c, worker: w-ding, groups: [{channel: ding, group: cid-e2e}]}\n";
    o.extra_staff = "  - {id: w-ding, name: 网格员丁, role: grid_worker, accounts: {ding: ding-staff-1}, notify: {channel: staff, to: w-ding}}\n";
    o.clock = &clock;
    t = std::make_unique<TestGateway>(o);
    adapter = t->gateway().runtime()->FindAdapter("ding");
    REQUIRE(adapter != nullptr);
  }

  int64_t Now() const { return clock.NowSeconds(); }

  // Waits for `pred` while time passes: half a second of the manual clock per poll, so that
  // deliveries held back by DingTalk's 20-a-minute budget go out as they would.
  bool Until(const std::function<bool()>& pred) {
    return WaitUntil([&] {
      if (pred()) return true;
      clock.AdvanceMicros(500'000);
      return false;
    });
  }

  // The callback DingTalk posts for `text` by `sender` in the group, whose sessionWebhook lives
  // for 20 minutes (as DingTalk's do). Returns the request and its session id.
  std::pair<WebhookRequest, std::string> Callback(const std::string& msg_id, const std::string& sender,
                                                  const std::string& text) const {
    auto r = adapter->BuildCallback({"cid-e2e", sender, "", text, msg_id, Now()});
    REQUIRE(r.ok());
    json body = json::parse(r->body);
    body["sessionWebhookExpiredTime"] = (Now() + 20 * 60) * 1000;
    r->body = body.dump();
    const std::string url = body["sessionWebhook"];
    return {*r, url.substr(url.find("session=") + 8)};
  }

  std::string Post(const std::string& msg_id, const std::string& sender, const std::string& text) {
    auto [request, session] = Callback(msg_id, sender, text);
    auto res = PostWebhook(*t, "/webhook/dingtalk/ding", request);
    REQUIRE(res);
    REQUIRE(res->status == 200);
    return session;
  }

  // The texts sent through `path`, with `session` when given (sessionWebhook sends).
  std::vector<json> Sent(const std::string& path, const std::string& session = "") const {
    std::vector<json> out;
    for (const auto& r : dingtalk.Requests(path)) {
      if (!session.empty() && (!r.query.count("session") || r.query.at("session") != session)) continue;
      out.push_back(r.Json());
    }
    return out;
  }

  // Waits for a custom robot message containing `needle`; returns it (null on timeout).
  json WaitForRobot(const std::string& needle) {
    json found;
    Until([&] {
      for (const json& b : Sent("/robot/send"))
        if (b["text"]["content"].get<std::string>().find(needle) != std::string::npos) {
          found = b;
          return true;
        }
      return false;
    });
    return found;
  }

  json Ticket(int64_t id) const { return t->Api("/api/v1/tickets/" + std::to_string(id)); }
  bool WaitForStatus(int64_t id, const std::string& status) {
    return Until([&] { return Ticket(id)["status"] == status; });
  }
};

TEST_SUITE("dingtalk e2e") {
  TEST_CASE("the closed loop on DingTalk: @-mentions in, later notes by the custom robot once the session is dead") {
    DingLoop d;
    REQUIRE(d.adapter->SeesOnlyMentions());
    const std::string resident_session = d.Post("r-1", "resident-1", kFacilities);
    REQUIRE(WaitUntil([&] { return d.Sent("/robot/sendBySession", resident_session).size() == 1; }));
    json tickets = d.t->Api("/api/v1/tickets")["tickets"];
    REQUIRE(tickets.size() == 1);
    const int64_t id = tickets[0]["id"];
    const std::string n = std::to_string(id);
    CHECK(tickets[0]["assignee"]["id"] == "w-ding");

    // 25 minutes later the resident's sessionWebhook is dead; the worker @-mentions the robot.
    d.clock.AdvanceMicros(int64_t{25} * 60 * 1'000'000);
    const std::string staff_session = d.Post("s-1", "ding-staff-1", "接单 " + n);
    REQUIRE(d.WaitForStatus(id, "accepted"));
    // Her answer goes back through her own live session, the resident's note through the robot.
    REQUIRE(d.Until([&] { return !d.Sent("/robot/sendBySession", staff_session).empty(); }));
    CHECK(d.Sent("/robot/sendBySession", staff_session)[0]["text"]["content"].get<std::string>().find(
              "已受理工单#" + n) != std::string::npos);
    const json progress = d.WaitForRobot("工单#" + n + " 已由网格员丁受理");
    REQUIRE(progress.is_object());
    CHECK(progress["at"]["atUserIds"] == json::array({"resident-1"}));
    CHECK(progress["text"]["content"].get<std::string>().find("楼道灯") == std::string::npos);
    // The custom robot's request is signed (加签) at the clock's time.
    bool signed_now = false;
    for (const auto& r : d.dingtalk.Requests("/robot/send")) {
      CHECK(r.query.at("access_token") == "robot-e2e");
      const int64_t ts = std::stoll(r.query.at("timestamp"));
      signed_now = ts / 1000 <= d.Now() && ts / 1000 > d.Now() - 60 && r.query.at("sign") == dingtalk::Sign(ts, "SECe2e");
    }
    CHECK(signed_now);

    d.clock.AdvanceMicros(int64_t{30} * 60 * 1'000'000);
    d.Post("s-2", "ding-staff-1", "办结 " + n + " 灯已更换");
    REQUIRE(d.WaitForStatus(id, "resolved"));
    // The question asks her to @ the robot: it would not hear a bare "1".
    const json asked = d.WaitForRobot("满意请@我回复1");
    REQUIRE(asked.is_object());
    CHECK(asked["text"]["content"].get<std::string>().find("已办结：灯已更换") != std::string::npos);
    CHECK(asked["at"]["atUserIds"] == json::array({"resident-1"}));

    // Her answer @-mentions the robot (DingTalk leaves the mention out of the content).
    d.clock.AdvanceMicros(int64_t{10} * 60 * 1'000'000);
    d.Post("r-2", "resident-1", "1");
    REQUIRE(d.WaitForStatus(id, "closed"));
    CHECK(d.Ticket(id)["satisfaction"] == "satisfied");
    CHECK(d.WaitForRobot("感谢您的评价").is_object());
    // Nothing went to the resident's dead session after the acknowledgement.
    CHECK(d.Sent("/robot/sendBySession", resident_session).size() == 1);

    auto stats = d.t->Api("/api/v1/stats?group_by=grid");
    REQUIRE(stats["groups"].size() == 1);
    const json row = stats["groups"][0];
    CHECK(row["key"] == "grid-ding");
    CHECK(row["response_rate"] == 1.0);
    CHECK(row["resolution_rate"] == 1.0);
    CHECK(row["satisfaction_rate"] == 1.0);
  }

  TEST_CASE("with an app robot (app_key), the resident's notes go through the app API into her group") {
    DingLoop d(true);
    const std::string resident_session = d.Post("r-1", "resident-1", kFacilities);
    REQUIRE(WaitUntil([&] { return d.Sent("/robot/sendBySession", resident_session).size() == 1; }));
    json tickets = d.t->Api("/api/v1/tickets")["tickets"];
    REQUIRE(tickets.size() == 1);
    const int64_t id = tickets[0]["id"];
    const std::string n = std::to_string(id);
    // The app API's texts sent so far, by the group they went to.
    auto app_texts = [&] {
      std::vector<std::pair<std::string, std::string>> out;
      for (const auto& r : d.dingtalk.Requests("/v1.0/robot/groupMessages/send")) {
        const json b = r.Json();
        CHECK(r.headers.at("x-acs-dingtalk-access-token") == "app-tok");
        out.emplace_back(b["openConversationId"], json::parse(b["msgParam"].get<std::string>())["content"]);
      }
      return out;
    };
    auto app_sent = [&](const std::string& needle) {
      return d.Until([&] {
        for (const auto& [group, text] : app_texts())
          if (group == "cid-e2e" && text.find(needle) != std::string::npos) return true;
        return false;
      });
    };
    d.clock.AdvanceMicros(int64_t{25} * 60 * 1'000'000);
    d.Post("s-1", "ding-staff-1", "接单 " + n);
    REQUIRE(d.WaitForStatus(id, "accepted"));
    CHECK(app_sent("工单#" + n + " 已由网格员丁受理"));
    d.Post("s-2", "ding-staff-1", "办结 " + n + " 灯已更换");
    REQUIRE(d.WaitForStatus(id, "resolved"));
    CHECK(app_sent("满意请@我回复1"));
    d.Post("r-2", "resident-1", "1");
    REQUIRE(d.WaitForStatus(id, "closed"));
    CHECK(app_sent("感谢您的评价"));
    CHECK(d.dingtalk.Requests("/robot/send").empty());  // no custom robot configured, none used
    CHECK(d.Sent("/robot/sendBySession", resident_session).size() == 1);
  }
}

}  // namespace
}  // namespace gridrelay::testing
