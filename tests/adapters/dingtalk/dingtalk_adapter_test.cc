// Tests for the dingtalk adapter: settings, golden callbacks (tests/fixtures/dingtalk), the
// timestamp/sign check and source allow-list, hostile input, acknowledgements, simulated
// callbacks, and sends (session webhook and signed custom robot) to a fake DingTalk on loopback.
#include <random>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "util/crypto.h"
#include "adapters/dingtalk/dingtalk.h"
#include "adapters/dingtalk/dingtalk_wire.h"
#include "util/http_client.h"
#include "tests/adapters/common/adapter_test_util.h"
#include "tests/support/fake_http_server.h"

namespace gridrelay::dingtalk {
namespace {

using nlohmann::json;
using testing::FakeHttpServer;
using testing::FakeResponse;
using testing::Mutate;
using testing::ParsedToJson;

constexpr int64_t kNow = 1700000000;
constexpr const char* kAppSecret = "this-is-app-secret";

ChannelSpec Spec(json settings) { return testing::TestChannelSpec("dingtalk", "dingtalk-test", 30, std::move(settings)); }

std::unique_ptr<Adapter> Make(json settings, HttpClient* http = nullptr, const Clock* clock = nullptr) {
  return testing::CreateAdapter(Register, Spec(std::move(settings)), testing::TestEnv(http, clock));
}

WebhookRequest Signed(const std::string& body, int64_t timestamp_ms = kNow * 1000, const std::string& secret = kAppSecret,
                      const std::string& remote = "203.119.200.1") {
  WebhookRequest r{"POST", {}, {{"content-type", "application/json"}}, body, remote};
  r.headers["timestamp"] = std::to_string(timestamp_ms);
  r.headers["sign"] = Sign(timestamp_ms, secret);
  return r;
}

std::string TextCallback(const std::string& msg_id = "msg-1") {
  return json{{"msgtype", "text"},
              {"text", {{"content", " 有人冒充公安说我涉嫌洗钱"}}},
              {"msgId", msg_id},
              {"createAt", kNow * 1000},
              {"conversationType", "2"},
              {"conversationId", "cid-1"},
              {"senderId", "$:LWCP_v1:$u1"},
              {"senderStaffId", "staff-1"},
              {"senderNick", "钱阿姨"},
              {"chatbotUserId", "$:LWCP_v1:$bot"},
              {"sessionWebhook", "https://oapi.dingtalk.com/robot/sendBySession?session=s1"},
              {"sessionWebhookExpiredTime", (kNow + 1200) * 1000}}
      .dump();
}

TEST_SUITE("dingtalk adapter") {
  TEST_CASE("settings errors name the file and line of the offending key") {
    testing::CheckSettingsErrors(Register, Spec, {
        {json::object(), "gridrelay.yaml:30:", "'app_secret'"},
        {{{"app_secret", "s"}, {"allowed_sources", {"10.0.0.0/8", "nope"}}}, "gridrelay.yaml:31:", "'nope'"},
        {{{"app_secret", "s"}, {"allowed_sources", json::object()}}, "gridrelay.yaml:31:", "list"},
        {{{"app_secret", "s"}, {"access_token", "t"}, {"secret", "abc"}}, "gridrelay.yaml:33:", "SEC"},
        {{{"app_secret", "s"}, {"secret", "SECx"}}, "gridrelay.yaml:32:", "access_token"},
        {{{"app_secret", "s"}, {"freshness_window_seconds", -1}}, "gridrelay.yaml:32:", ">= 0"},
        {{{"app_secret", "s"}, {"api_base", "oapi.dingtalk.com"}}, "gridrelay.yaml:31:", "http"},
        {{{"app_secret", "s"}, {"app_secrett", "x"}}, "gridrelay.yaml:32:", "unknown dingtalk setting 'app_secrett'"},
        {{{"allow_unauthenticated", true}, {"app_key", "k"}}, "gridrelay.yaml:32:", "'app_secret'"},
        {{{"app_secret", "s"}, {"api_v1_base", "api.dingtalk.com"}}, "gridrelay.yaml:31:", "http"},
    });
  }

  TEST_CASE("defaults: 20 a minute without bursts, one bucket per robot or conversation") {
    auto adapter = Make({{"app_secret", kAppSecret}, {"allowed_sources", "203.119.0.0/16"}});
    CHECK(adapter->DestinationRateLimit().per_minute == 20);
    CHECK(adapter->DestinationRateLimit().burst == 1);
    CHECK_FALSE(adapter->CanReplyPrivately());
    OutboundMessage robot, session;
    session.reply_context = {{"conversation_id", "cid-1"}, {"session_webhook", "https://oapi.dingtalk.com/x"}};
    CHECK(adapter->DestinationKey(robot) == "robot:dingtalk-test");
    CHECK(adapter->DestinationKey(session) == "conversation:cid-1");
  }

  TEST_CASE("golden callbacks parse to their normalised messages") {
    const std::vector<testing::Fixture> fixtures = testing::LoadFixtures(GRIDRELAY_FIXTURES_DIR);
    for (const auto& [name_binding, fixture] : fixtures) {
      const auto& name = name_binding;  // clang 14 cannot capture a structured binding (CAPTURE)
      CAPTURE(name);
      auto adapter = Make(fixture["settings"]);
      const int64_t now = fixture["now"].get<int64_t>();
      auto parsed = adapter->ParseWebhook(
          Signed(fixture["body"].dump(), now * 1000, fixture["settings"]["app_secret"].get<std::string>()), now);
      REQUIRE_MESSAGE(parsed.ok(), parsed.status().ToString());
      const json actual = ParsedToJson(*parsed);
      testing::CheckExpected(actual, fixture["expect"]);
    }
    CHECK(fixtures.size() >= 7);
  }

  TEST_CASE("hostile and malformed callbacks are refused with the right status") {
    auto adapter = Make({{"app_secret", kAppSecret}, {"allowed_sources", {"203.119.0.0/16", "::1"}}});
    const std::string body = TextCallback();
    WebhookRequest no_sign = Signed(body);
    no_sign.headers.erase("sign");
    WebhookRequest no_timestamp = Signed(body);
    no_timestamp.headers.erase("timestamp");
    WebhookRequest seconds = Signed(body);
    seconds.headers["timestamp"] = std::to_string(kNow);  // seconds, not ms: outside the window
    seconds.headers["sign"] = Sign(kNow, kAppSecret);
    WebhookRequest flipped = Signed(body);
    flipped.headers["sign"][3] ^= 1;
    WebhookRequest url_encoded = Signed(body);
    url_encoded.headers["sign"] = crypto::UrlEncode(url_encoded.headers["sign"]);
    struct Case {
      const char* name;
      WebhookRequest request;
      int status;
    } cases[] = {
        {"no sign", no_sign, 401},
        {"no timestamp", no_timestamp, 401},
        {"timestamp in seconds", seconds, 401},
        {"flipped sign", flipped, 401},
        {"URL-encoded sign", url_encoded, 401},
        {"another secret", Signed(body, kNow * 1000, "other"), 401},
        {"stale by an hour and a second", Signed(body, (kNow - 3601) * 1000), 401},
        {"an hour and a second ahead", Signed(body, (kNow + 3601) * 1000), 401},
        {"source not allowed", Signed(body, kNow * 1000, kAppSecret, "8.8.8.8"), 403},
        {"no source address", Signed(body, kNow * 1000, kAppSecret, ""), 403},
        {"truncated JSON", Signed(body.substr(0, body.size() - 3)), 400},
        {"no msgId", Signed(R"({"conversationType":"2","conversationId":"c"})"), 400},
        {"bad conversationType", Signed(R"({"msgId":"m","conversationType":"3","conversationId":"c"})"), 400},
        {"deep nesting", Signed(std::string(300000, '[')), 400},
        {"oversized body", Signed(std::string(2 << 20, 'x')), 413},
        {"GET", WebhookRequest{"GET", {}, {}, "", "203.119.200.1"}, 400},
    };
    for (const Case& c : cases) {
      CAPTURE(c.name);
      auto parsed = adapter->ParseWebhook(c.request, kNow);
      REQUIRE_FALSE(parsed.ok());
      CHECK(HttpStatusFor(parsed.status()) == c.status);
    }
    CHECK(adapter->ParseWebhook(Signed(body, (kNow - 3600) * 1000), kNow).ok());  // the window's edge
    CHECK(adapter->ParseWebhook(Signed(body, kNow * 1000, kAppSecret, "::1"), kNow).ok());
  }

  TEST_CASE("odd but valid callbacks never fail, and a byte-identical retry keeps its msgId") {
    auto adapter = Make({{"app_secret", kAppSecret}});
    json odd = json::parse(TextCallback());
    odd["text"] = nullptr;
    odd["createAt"] = "not a number";
    // Spliced in as text: dumping a deeply nested value would recurse in the test itself.
    std::string body = odd.dump();
    body.insert(1, R"("atUsers":)" + std::string(100000, '[') + std::string(100000, ']') + ",");
    auto parsed = adapter->ParseWebhook(Signed(body), kNow);
    REQUIRE_MESSAGE(parsed.ok(), parsed.status().ToString());
    CHECK(parsed->message.text.empty());
    CHECK(parsed->message.sent_at == 0);
    const WebhookRequest same = Signed(TextCallback("msg-9"));
    auto a = adapter->ParseWebhook(same, kNow);
    auto b = adapter->ParseWebhook(same, kNow + 30);
    REQUIRE(a.ok());
    REQUIRE(b.ok());
    CHECK(a->message.dedup_key == "msg-9");
    CHECK(b->message.dedup_key == "msg-9");
  }

  TEST_CASE("acknowledgements: an empty message, or the passive reply mentioning the sender") {
    auto adapter = Make({{"app_secret", kAppSecret}});
    auto parsed = adapter->ParseWebhook(Signed(TextCallback()), kNow);
    REQUIRE(parsed.ok());
    CHECK(json::parse(adapter->Acknowledge(parsed->message, {false, 1, ""}).body) == json{{"msgtype", "empty"}});
    CHECK(json::parse(adapter->Acknowledge(parsed->message, {true, 1, "已收到"}).body) == json{{"msgtype", "empty"}});
    const WebhookReply reply = adapter->Acknowledge(parsed->message, {false, 1, "已收到，工单 #3"});
    CHECK(reply.status == 200);
    const json body = json::parse(reply.body);
    CHECK(body["msgtype"] == "text");
    CHECK(body["text"]["content"] == "已收到，工单 #3");
    CHECK(body["at"]["atUserIds"] == json::array({"staff-1"}));
  }

  TEST_CASE("simulated callbacks are signed and parse back to the same message") {
    auto adapter = Make({{"app_secret", kAppSecret}});
    SimulatedMessage sim{"cid-group-7", "staff-7", "孙大姐", "小区停车位被占了", "", kNow};
    auto request = adapter->BuildCallback(sim);
    REQUIRE_MESSAGE(request.ok(), request.status().ToString());
    CHECK(request->headers["sign"] == Sign(kNow * 1000, kAppSecret));
    auto parsed = adapter->ParseWebhook(*request, kNow);
    REQUIRE_MESSAGE(parsed.ok(), parsed.status().ToString());
    CHECK(parsed->message.group_id == "cid-group-7");
    CHECK(parsed->message.sender_id == "staff-7");
    CHECK(parsed->message.sender_name == "孙大姐");
    CHECK(parsed->message.text == sim.text);
    CHECK(parsed->message.reply_context.contains("session_webhook"));
    auto priv = adapter->ParseWebhook(*adapter->BuildCallback({"", "staff-7", "", "私聊", "m-2", kNow}), kNow);
    REQUIRE(priv.ok());
    CHECK(priv->message.chat_type == ChatType::kPrivate);
    CHECK(priv->message.dedup_key == "m-2");
  }

  TEST_CASE("a live session webhook carries the reply, otherwise the signed custom robot") {
    FakeHttpServer platform;
    for (const char* path : {"/robot/send", "/robot/sendBySession"}) {
      platform.On(path, [](const auto&) { return FakeResponse{200, R"({"errcode":0,"errmsg":"ok"})"}; });
    }
    HttplibClient http;
    ManualClock clock(int64_t{kNow} * 1000000);
    auto adapter = Make({{"app_secret", kAppSecret}, {"api_base", platform.url()}, {"access_token", "robot-token"},
                         {"secret", "SEC0123456789abcdef"}},
                        &http, &clock);
    // A callback through the adapter, so the session URL passes the api_base check.
    json callback = json::parse(TextCallback());
    callback["sessionWebhook"] = platform.url() + "/robot/sendBySession?session=s1";
    auto parsed = adapter->ParseWebhook(Signed(callback.dump()), kNow);
    REQUIRE(parsed.ok());

    OutboundMessage reply;
    reply.group_id = "cid-1";
    reply.text = "已收到";
    reply.mention_user_ids = {"staff-1"};
    reply.reply_context = parsed->message.reply_context;
    CHECK(adapter->Send(reply).ok());

    OutboundMessage notify;  // no reply context: the custom robot
    notify.group_id = "staff-group";
    notify.text = "新工单 #3：反诈";
    notify.mention_mobiles = {"13800000000"};
    CHECK(adapter->Send(notify).ok());

    clock.SetMicros((kNow + 1200 - 30) * int64_t{1000000});  // the session expires within a minute
    CHECK(adapter->Send(reply).ok());

    auto requests = platform.Requests();
    REQUIRE(requests.size() == 3);
    CHECK(requests[0].path == "/robot/sendBySession");
    CHECK(requests[0].query.at("session") == "s1");
    json body = json::parse(requests[0].body);
    CHECK(body["msgtype"] == "text");
    CHECK(body["text"]["content"] == "已收到");
    CHECK(body["at"]["atUserIds"] == json::array({"staff-1"}));

    CHECK(requests[1].path == "/robot/send");
    CHECK(requests[1].query.at("access_token") == "robot-token");
    CHECK(requests[1].query.at("timestamp") == std::to_string(kNow * 1000));
    CHECK(requests[1].query.at("sign") == Sign(kNow * 1000, "SEC0123456789abcdef"));  // decoded by the server
    body = json::parse(requests[1].body);
    CHECK(body["at"]["atMobiles"] == json::array({"13800000000"}));
    CHECK(body["at"]["isAtAll"] == false);

    CHECK(requests[2].path == "/robot/send");
    CHECK(requests[2].query.at("timestamp") == std::to_string((kNow + 1200 - 30) * 1000));
  }

  TEST_CASE("private sends need a live one-to-one session, without a robot nothing can be sent") {
    FakeHttpServer platform;
    platform.On("/robot/sendBySession", [](const auto&) { return FakeResponse{200, R"({"errcode":0,"errmsg":"ok"})"}; });
    HttplibClient http;
    ManualClock clock(int64_t{kNow} * 1000000);
    auto adapter = Make({{"app_secret", kAppSecret}, {"api_base", platform.url()}}, &http, &clock);
    OutboundMessage m;
    m.audience = Audience::kUser;
    m.user_id = "staff-1";
    m.text = "x";
    m.reply_context = {{"conversation_type", "1"}, {"sender_staff_id", "staff-1"},
                       {"session_webhook", platform.url() + "/robot/sendBySession?session=p"},
                       {"session_webhook_expires_ms", (kNow + 600) * 1000}};
    CHECK(adapter->Send(m).ok());
    m.user_id = "someone-else";
    CHECK(adapter->Send(m).code() == StatusCode::kFailedPrecondition);
    m.audience = Audience::kGroup;
    CHECK(adapter->Send(m).code() == StatusCode::kFailedPrecondition);  // a 1:1 session is not a group
    CHECK(platform.Requests().size() == 1);
  }

  TEST_CASE("robot answers map to transient or permanent errors") {
    struct Case {
      int status;
      const char* body;
      StatusCode code;
    } cases[] = {
        {200, R"({"errcode":0,"errmsg":"ok"})", StatusCode::kOk},
        {200, R"({"errcode":130101,"errmsg":"send too fast, exceed 20 times per minute"})", StatusCode::kResourceExhausted},
        {200, R"({"errcode":310000,"errmsg":"sign not match"})", StatusCode::kPermissionDenied},
        {200, R"({"errcode":300001,"errmsg":"token is not exist"})", StatusCode::kPermissionDenied},
        {200, R"({"errcode":-1,"errmsg":"系统繁忙"})", StatusCode::kUnavailable},
        {200, R"({"errcode":400102,"errmsg":"robot stopped"})", StatusCode::kFailedPrecondition},
        {200, R"({"errcode":"0"})", StatusCode::kUnavailable},
        {502, "bad gateway", StatusCode::kUnavailable},
        {429, "", StatusCode::kResourceExhausted},
        {403, "", StatusCode::kPermissionDenied},
        {408, "", StatusCode::kUnavailable},
    };
    FakeHttpServer platform;
    HttplibClient http;
    auto adapter = Make({{"app_secret", kAppSecret}, {"api_base", platform.url()}, {"access_token", "t"}}, &http);
    OutboundMessage m;
    m.text = "x";
    for (const Case& c : cases) {
      CAPTURE(c.body);
      platform.On("/robot/send", [&c](const auto&) { return FakeResponse{c.status, c.body}; });
      Status s = adapter->Send(m);
      CHECK(s.code() == c.code);
      if (!s.ok()) CHECK(s.message().find("dingtalk") != std::string::npos);
    }
  }

  TEST_CASE("with app_key, sends without a live session go through the app robot API, to any group or one user") {
    FakeHttpServer platform;
    int tokens = 0;
    platform.On("/v1.0/oauth2/accessToken", [&tokens](const auto& r) {
      const json body = json::parse(r.body);
      if (body["appKey"] != "ding-app-key" || body["appSecret"] != kAppSecret) return FakeResponse{400, R"({"code":"bad"})"};
      return FakeResponse{200, json{{"accessToken", "tok-" + std::to_string(++tokens)}, {"expireIn", 7200}}.dump()};
    });
    for (const char* path : {"/v1.0/robot/groupMessages/send", "/v1.0/robot/oToMessages/batchSend"})
      platform.On(path, [](const auto&) { return FakeResponse{200, R"({"processQueryKey":"q"})"}; });
    platform.On("/robot/sendBySession", [](const auto&) { return FakeResponse{200, R"({"errcode":0,"errmsg":"ok"})"}; });
    HttplibClient http;
    ManualClock clock(int64_t{kNow} * 1000000);
    auto adapter = Make({{"app_secret", kAppSecret}, {"api_base", platform.url()}, {"api_v1_base", platform.url()},
                         {"app_key", "ding-app-key"}, {"access_token", "custom-robot"}},
                        &http, &clock);
    CHECK(adapter->CanReplyPrivately());
    CHECK(!Make({{"app_secret", kAppSecret}})->CanReplyPrivately());

    OutboundMessage note;  // a progress note: no reply context of its own
    note.group_id = "cid-7";
    note.text = "工单#7 已办结";
    note.mention_user_ids = {"staff-1"};
    REQUIRE(adapter->Send(note).ok());
    note.group_id = "cid-8";  // another group of the same robot: the custom robot could not reach it
    REQUIRE(adapter->Send(note).ok());
    OutboundMessage to_user;
    to_user.audience = Audience::kUser;
    to_user.user_id = "staff-9";
    to_user.text = "请评价";
    REQUIRE(adapter->Send(to_user).ok());

    const auto groups = platform.Requests("/v1.0/robot/groupMessages/send");
    REQUIRE(groups.size() == 2);
    CHECK(groups[0].headers.at("x-acs-dingtalk-access-token") == "tok-1");
    const json g0 = groups[0].Json();
    CHECK(g0["robotCode"] == "ding-app-key");
    CHECK(g0["openConversationId"] == "cid-7");
    CHECK(g0["msgKey"] == "sampleText");
    CHECK(json::parse(g0["msgParam"].get<std::string>()) == json{{"content", "工单#7 已办结"}});
    CHECK(groups[1].Json()["openConversationId"] == "cid-8");
    const auto users = platform.Requests("/v1.0/robot/oToMessages/batchSend");
    REQUIRE(users.size() == 1);
    CHECK(users[0].Json()["userIds"] == json::array({"staff-9"}));
    CHECK(tokens == 1);  // cached
    CHECK(platform.Requests("/robot/send").empty());

    // A live session still carries the reply to the message that brought it.
    OutboundMessage reply = note;
    reply.group_id = "cid-1";
    reply.reply_context = {{"conversation_id", "cid-1"}, {"conversation_type", "2"},
                           {"session_webhook", platform.url() + "/robot/sendBySession?session=s1"},
                           {"session_webhook_expires_ms", (kNow + 1200) * 1000}};
    REQUIRE(adapter->Send(reply).ok());
    CHECK(platform.Requests("/robot/sendBySession").size() == 1);
    CHECK(platform.Requests("/v1.0/robot/groupMessages/send").size() == 2);

    // Five minutes before the token expires a new one is fetched; a refused token is retried.
    clock.SetMicros((kNow + 7200 - 299) * int64_t{1000000});
    REQUIRE(adapter->Send(note).ok());
    CHECK(tokens == 2);
    CHECK(platform.Requests("/v1.0/robot/groupMessages/send").back().headers.at("x-acs-dingtalk-access-token") == "tok-2");
    platform.FailNext("/v1.0/robot/groupMessages/send", 1, 401);
    Status refused = adapter->Send(note);
    CHECK(refused.code() == StatusCode::kUnavailable);
    CHECK(refused.message().find("401") != std::string::npos);
    REQUIRE(adapter->Send(note).ok());
    CHECK(tokens == 3);
    platform.FailNext("/v1.0/robot/groupMessages/send", 1, 403);
    CHECK(adapter->Send(note).code() == StatusCode::kPermissionDenied);
    platform.FailNext("/v1.0/robot/groupMessages/send", 1, 429);
    CHECK(adapter->Send(note).code() == StatusCode::kResourceExhausted);
  }

  TEST_CASE("seeded mutations of a signed callback never crash and never answer 5xx") {
    auto adapter = Make({{"app_secret", kAppSecret}});
    std::mt19937 rng(20241123);
    int accepted = 0;
    for (int i = 0; i < 4000; ++i) {
      auto parsed = adapter->ParseWebhook(Signed(Mutate(TextCallback(), rng)), kNow);
      accepted += testing::AcceptedOrRefusedBelow500(parsed);
    }
    CHECK(accepted > 0);
  }
}

}  // namespace
}  // namespace gridrelay::dingtalk
