// Tests for the WeCom adapter's outbound side against a fake WeCom on loopback: robot webhook
// bodies and keys, the app access_token lifecycle, and errcode-to-Status mapping.
#include "adapters/wecom/wecom_adapter.h"

#include <doctest/doctest.h>

#include <string>
#include <thread>
#include <vector>

#include "tests/adapters/wecom/fake_wecom.h"
#include "tests/adapters/wecom/wecom_test_util.h"

namespace gridrelay::wecom {
namespace {

using nlohmann::json;
using namespace gridrelay::wecom::testing;

AdapterEnv Env(HttpClient* http, const Clock* clock) {
  AdapterEnv env;
  env.http = http;
  env.clock = clock;
  return env;
}

struct Fixture {
  FakeWecom fake;
  LoopbackHttpClient http;
  ManualClock clock{1700000000LL * 1000000};
  AdapterEnv env = Env(&http, &clock);

  std::unique_ptr<Adapter> Robot(json extra = json::object()) {
    json s = RobotSettings();
    s["api_base"] = fake.base();
    s["robot_key"] = FakeWecom::kRobotKey;
    s.update(extra);
    return MakeAdapter(s, env);
  }
  std::unique_ptr<Adapter> App(json extra = json::object()) {
    json s = AppSettings();
    s["api_base"] = fake.base();
    s["corp_id"] = FakeWecom::kCorpId;
    s["corp_secret"] = FakeWecom::kSecret;
    s["agent_id"] = 1000002;
    s.update(extra);
    return MakeAdapter(s, env);
  }
};

OutboundMessage GroupMessage(const std::string& text) {
  OutboundMessage m;
  m.channel = "wecom-test";
  m.kind = "group_ack";
  m.audience = Audience::kGroup;
  m.group_id = "wrkGroup1";
  m.text = text;
  m.attempt = 1;
  return m;
}

OutboundMessage UserMessage(const std::string& user, const std::string& text) {
  OutboundMessage m = GroupMessage(text);
  m.kind = "staff_notify";
  m.audience = Audience::kUser;
  m.group_id.clear();
  m.user_id = user;
  return m;
}

TEST_SUITE("wecom send") {

TEST_CASE("a robot text message carries content, mentions and chatid under the robot key") {
  Fixture f;
  auto robot = f.Robot();
  OutboundMessage m = GroupMessage("工单 #12 已派给 张网格员");
  m.mention_user_ids = {"zhangwg"};
  m.mention_mobiles = {"13800001111"};
  REQUIRE(robot->Send(m).ok());
  auto sent = f.fake.requests_to("/cgi-bin/webhook/send");
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].Param("key") == FakeWecom::kRobotKey);
  const json body = sent[0].Json();
  CHECK(body == json{{"msgtype", "text"},
                     {"chatid", "wrkGroup1"},
                     {"text", {{"content", "工单 #12 已派给 张网格员"},
                               {"mentioned_list", {"zhangwg"}},
                               {"mentioned_mobile_list", {"13800001111"}}}}});
}

TEST_CASE("a reply goes through the callback's WebhookUrl, into the same chat") {
  Fixture f;
  auto robot = f.Robot();
  OutboundMessage m = GroupMessage("收到");
  m.group_id.clear();
  m.reply_context = {{"webhook_url", f.fake.base() + "/cgi-bin/webhook/send?key=" + FakeWecom::kOtherRobotKey},
                     {"chat_id", "wrkFromCallback"}, {"post_id", "post-9"}};
  REQUIRE(robot->Send(m).ok());
  auto sent = f.fake.requests_to("/cgi-bin/webhook/send");
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].Param("key") == FakeWecom::kOtherRobotKey);
  CHECK(sent[0].Json()["chatid"] == "wrkFromCallback");
  CHECK(sent[0].Json()["post_id"] == "post-9");

  // A WebhookUrl pointing elsewhere, or one whose host parsers could read two ways, is never
  // followed; the configured key is used instead.
  const std::string host = f.fake.base().substr(7);  // 127.0.0.1:port
  const std::vector<std::string> refused = {
      "http://169.254.169.254/cgi-bin/webhook/send?key=x",
      "http://qyapi.weixin.qq.com#@" + host + "/cgi-bin/webhook/send?key=x",
      "http://qyapi.weixin.qq.com@" + host + "/cgi-bin/webhook/send?key=x",
      "http://" + host + "\\@qyapi.weixin.qq.com/cgi-bin/webhook/send?key=x",
      "http://" + host + "/cgi-bin/webhook/upload_media?key=x",
      "http://" + host + "/cgi-bin/webhook/send",
      "file:///etc/passwd",
  };
  for (const auto& url : refused) {
    CAPTURE(url);
    m.reply_context["webhook_url"] = url;
    REQUIRE(robot->Send(m).ok());
    sent = f.fake.requests_to("/cgi-bin/webhook/send");
    CHECK(sent.back().Param("key") == FakeWecom::kRobotKey);
  }
  CHECK(f.fake.requests().size() == 1 + refused.size());
}

TEST_CASE("a reply context of the wrong shape is ignored, never thrown on") {
  Fixture f;
  auto robot = f.Robot();
  auto app = f.App();
  for (const json& context : {json(nullptr), json::array({1, 2}), json("text"),
                              json{{"webhook_url", 5}, {"chat_id", json::object()}, {"user_id", 7}, {"format", 1}}}) {
    CAPTURE(context.dump());
    OutboundMessage m = GroupMessage("x");
    m.reply_context = context;
    CHECK(robot->Send(m).ok());  // group_id names the chat; the configured key is used
    CHECK_FALSE(robot->DestinationKey(m).empty());
    m.group_id.clear();
    CHECK(robot->Send(m).code() == StatusCode::kInvalidArgument);
    CHECK(app->Send(m).code() == StatusCode::kFailedPrecondition);
    InboundMessage in;
    in.sender_id = "u";
    in.reply_context = context;
    CHECK(robot->Acknowledge(in, AckInfo{false, 1, "ok"}).status == 200);
  }
}

TEST_CASE("send_chatid false leaves the chat to the robot key") {
  Fixture f;
  auto robot = f.Robot({{"send_chatid", false}});
  REQUIRE(robot->Send(GroupMessage("x")).ok());
  auto sent = f.fake.requests_to("/cgi-bin/webhook/send");
  REQUIRE(sent.size() == 1);
  CHECK_FALSE(sent[0].Json().contains("chatid"));
}

TEST_CASE("markdown robots mention by <@userid> and fall back to text for mobiles") {
  Fixture f;
  auto robot = f.Robot({{"robot_msgtype", "markdown"}});
  OutboundMessage m = GroupMessage("**紧急** 3号楼燃气味");
  m.mention_user_ids = {"a", "b"};
  REQUIRE(robot->Send(m).ok());
  m.mention_mobiles = {"13800001111"};
  REQUIRE(robot->Send(m).ok());
  auto sent = f.fake.requests_to("/cgi-bin/webhook/send");
  REQUIRE(sent.size() == 2);
  CHECK(sent[0].Json()["msgtype"] == "markdown");
  CHECK(sent[0].Json()["markdown"]["content"] == "**紧急** 3号楼燃气味<@a><@b>");
  CHECK(sent[1].Json()["msgtype"] == "text");
  CHECK(sent[1].Json()["text"]["mentioned_mobile_list"] == json::array({"13800001111"}));
}

TEST_CASE("text longer than WeCom's 2048-byte limit is cut on a UTF-8 boundary") {
  Fixture f;
  auto robot = f.Robot();
  std::string text;
  for (int i = 0; i < 1000; ++i) text += "漏";  // 3000 bytes
  REQUIRE(robot->Send(GroupMessage(text)).ok());
  auto sent = f.fake.requests_to("/cgi-bin/webhook/send");
  REQUIRE(sent.size() == 1);
  const std::string content = sent[0].Json()["text"]["content"];
  CHECK(content.size() == 2046);  // 682 whole characters
  CHECK(content == text.substr(0, 2046));
}

TEST_CASE("platform answers map to transient or permanent errors with WeCom's message") {
  struct Case {
    const char* name;
    Scripted answer;
    StatusCode code;
    const char* mentions;
  };
  const std::vector<Case> cases = {
      {"rate limit 45009", {200, R"({"errcode":45009,"errmsg":"api freq out of limit"})"},
       StatusCode::kResourceExhausted, "api freq out of limit"},
      {"system busy -1", {200, R"({"errcode":-1,"errmsg":"system busy"})"}, StatusCode::kUnavailable, "system busy"},
      {"bad key 93000", {200, R"({"errcode":93000,"errmsg":"invalid webhook url"})"}, StatusCode::kPermissionDenied,
       "93000"},
      {"no valid user 81013", {200, R"({"errcode":81013,"errmsg":"user & party & tag all invalid"})"},
       StatusCode::kNotFound, "81013"},
      {"content too long 45002", {200, R"({"errcode":45002,"errmsg":"content size out of limit"})"},
       StatusCode::kInvalidArgument, "45002"},
      {"odd field types in an answer", {200, R"({"errcode":0,"errmsg":5,"invaliduser":["x"]})"}, StatusCode::kOk, ""},
      {"unknown errcode", {200, R"({"errcode":99999,"errmsg":"something new"})"}, StatusCode::kFailedPrecondition,
       "something new"},
      {"HTTP 502", {502, "bad gateway"}, StatusCode::kUnavailable, "502"},
      {"HTTP 429", {429, ""}, StatusCode::kResourceExhausted, "429"},
      {"HTTP 408", {408, ""}, StatusCode::kUnavailable, "408"},
      {"HTTP 404", {404, "not found"}, StatusCode::kNotFound, "404"},
      {"HTML instead of JSON", {200, "<html>portal</html>"}, StatusCode::kUnavailable, "not a JSON object"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    Fixture f;
    auto robot = f.Robot();
    f.fake.ScriptSend(c.answer);
    Status s = robot->Send(GroupMessage("x"));
    CHECK(s.code() == c.code);
    CHECK(s.message().find(c.mentions) != std::string::npos);
    CHECK(s.IsTransient() == (c.code == StatusCode::kUnavailable || c.code == StatusCode::kResourceExhausted));
  }
}

TEST_CASE("an unreachable WeCom is a transient error") {
  LoopbackHttpClient http;
  ManualClock clock(0);
  int port;
  {
    httplib::Server probe;  // bind and release a port so nothing listens on it
    port = probe.bind_to_any_port("127.0.0.1");
  }
  json s = RobotSettings();
  s["api_base"] = "http://127.0.0.1:" + std::to_string(port);
  s["robot_key"] = "k";
  s["timeout_ms"] = 500;
  auto robot = MakeAdapter(s, Env(&http, &clock));
  Status status = robot->Send(GroupMessage("x"));
  CHECK(status.IsTransient());
}

TEST_CASE("sends that cannot be addressed fail permanently before any request") {
  Fixture f;
  json s = RobotSettings();
  s["api_base"] = f.fake.base();
  auto keyless = MakeAdapter(s, f.env);
  CHECK(keyless->Send(GroupMessage("x")).code() == StatusCode::kFailedPrecondition);
  CHECK_FALSE(keyless->CanReplyPrivately());
  CHECK(f.Robot()->Send(UserMessage("zhangsan", "x")).code() == StatusCode::kFailedPrecondition);
  // No chat named: refused rather than broadcast to every group the robot is in.
  OutboundMessage nowhere = GroupMessage("x");
  nowhere.group_id.clear();
  CHECK(f.Robot()->Send(nowhere).code() == StatusCode::kInvalidArgument);
  CHECK(f.fake.requests().empty());
  CHECK(f.Robot({{"send_chatid", false}})->Send(nowhere).ok());
}

TEST_CASE("app messages fetch a token once, cache it and send the documented body") {
  Fixture f;
  auto app = f.App();
  CHECK(app->CanReplyPrivately());
  REQUIRE(app->Send(UserMessage("zhangsan", "您的法律援助申请已受理")).ok());
  REQUIRE(app->Send(UserMessage("lisi", "第二条")).ok());
  CHECK(f.fake.gettoken_calls() == 1);
  auto token_calls = f.fake.requests_to("/cgi-bin/gettoken");
  REQUIRE(token_calls.size() == 1);
  CHECK(token_calls[0].Param("corpid") == FakeWecom::kCorpId);
  CHECK(token_calls[0].Param("corpsecret") == FakeWecom::kSecret);
  auto sent = f.fake.requests_to("/cgi-bin/message/send");
  REQUIRE(sent.size() == 2);
  CHECK(sent[0].Param("access_token") == "tok-1");
  CHECK(sent[0].Json() == json{{"touser", "zhangsan"},
                               {"msgtype", "text"},
                               {"agentid", 1000002},
                               {"text", {{"content", "您的法律援助申请已受理"}}},
                               {"safe", 0},
                               {"enable_duplicate_check", 1},
                               {"duplicate_check_interval", 1800}});
  CHECK(sent[1].Json()["touser"] == "lisi");
}

TEST_CASE("an app send that WeCom reports as an invalid user is not found, whatever the field's shape") {
  Fixture f;
  auto app = f.App();
  REQUIRE(app->Send(UserMessage("u1", "warm up the token")).ok());
  f.fake.ScriptSend({200, R"({"errcode":0,"errmsg":"ok","invaliduser":"ghost"})"});
  Status s = app->Send(UserMessage("ghost", "x"));
  CHECK(s.code() == StatusCode::kNotFound);
  CHECK(s.message().find("ghost") != std::string::npos);
  f.fake.ScriptSend({200, R"({"errcode":0,"errmsg":"ok","invaliduser":["ghost"]})"});
  CHECK(app->Send(UserMessage("ghost", "x")).ok());  // not the documented shape: not trusted either way
}

TEST_CASE("an app channel's conversation reply goes to the user who wrote") {
  Fixture f;
  auto app = f.App();
  OutboundMessage m = GroupMessage("收到");
  m.group_id.clear();
  m.reply_context = {{"user_id", "mycreate"}};
  REQUIRE(app->Send(m).ok());
  auto sent = f.fake.requests_to("/cgi-bin/message/send");
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].Json()["touser"] == "mycreate");
}

TEST_CASE("an expired token (42001) is refreshed and the send retried once") {
  Fixture f;
  auto app = f.App();
  REQUIRE(app->Send(UserMessage("u1", "a")).ok());
  f.fake.ScriptSend({200, R"({"errcode":42001,"errmsg":"access_token expired"})"});
  REQUIRE(app->Send(UserMessage("u1", "b")).ok());
  CHECK(f.fake.gettoken_calls() == 2);
  auto sent = f.fake.requests_to("/cgi-bin/message/send");
  REQUIRE(sent.size() == 3);
  CHECK(sent[1].Param("access_token") == "tok-1");
  CHECK(sent[2].Param("access_token") == "tok-2");

  // WeCom may drop a token early (40014): same recovery, without a script.
  f.fake.ExpireToken();
  REQUIRE(app->Send(UserMessage("u1", "c")).ok());
  CHECK(f.fake.gettoken_calls() == 3);

  // Refused twice in a row: transient, and no third attempt.
  f.fake.ScriptSend({200, R"({"errcode":42001,"errmsg":"access_token expired"})"});
  f.fake.ScriptSend({200, R"({"errcode":42001,"errmsg":"access_token expired"})"});
  const size_t before = f.fake.requests_to("/cgi-bin/message/send").size();
  Status twice = app->Send(UserMessage("u1", "d"));
  CHECK(twice.IsTransient());
  CHECK(f.fake.requests_to("/cgi-bin/message/send").size() == before + 2);
}

TEST_CASE("the token is refreshed before it expires") {
  Fixture f;
  auto app = f.App();
  REQUIRE(app->Send(UserMessage("u1", "a")).ok());
  f.clock.AdvanceMicros((7200 - 301) * 1000000LL);
  REQUIRE(app->Send(UserMessage("u1", "b")).ok());
  CHECK(f.fake.gettoken_calls() == 1);
  f.clock.AdvanceMicros(2 * 1000000LL);  // inside the 300 s margin
  REQUIRE(app->Send(UserMessage("u1", "c")).ok());
  CHECK(f.fake.gettoken_calls() == 2);
}

TEST_CASE("a bad secret is permanent and nothing is sent") {
  Fixture f;
  auto app = f.App({{"corp_secret", "wrong"}});
  Status s = app->Send(UserMessage("u1", "a"));
  CHECK(s.code() == StatusCode::kPermissionDenied);
  CHECK(s.message().find("40001") != std::string::npos);
  CHECK(f.fake.requests_to("/cgi-bin/message/send").empty());
  // A busy gettoken is transient.
  f.fake.ScriptGettoken({200, R"({"errcode":-1,"errmsg":"system busy"})"});
  CHECK(f.App()->Send(UserMessage("u1", "a")).IsTransient());
}

TEST_CASE("concurrent app sends share one gettoken call") {
  Fixture f;
  auto app = f.App();
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      if (app->Send(UserMessage("u" + std::to_string(i), "hi")).ok()) ++ok;
    });
  }
  for (auto& t : threads) t.join();
  CHECK(ok == 8);
  CHECK(f.fake.gettoken_calls() == 1);
  CHECK(f.fake.requests_to("/cgi-bin/message/send").size() == 8);
}

TEST_CASE("destinations are rate-limited per robot and per app user, without exposing the key") {
  Fixture f;
  auto robot = f.Robot();
  OutboundMessage a = GroupMessage("x");
  OutboundMessage b = GroupMessage("y");
  b.group_id = "wrkGroup2";
  CHECK(robot->DestinationKey(a) == robot->DestinationKey(b));  // WeCom limits the robot
  CHECK(robot->DestinationKey(a).find(FakeWecom::kRobotKey) == std::string::npos);
  OutboundMessage other = a;
  other.reply_context = {{"webhook_url", f.fake.base() + "/cgi-bin/webhook/send?key=" + FakeWecom::kOtherRobotKey}};
  CHECK(robot->DestinationKey(other) != robot->DestinationKey(a));
  CHECK(robot->DestinationRateLimit().per_minute == 20);
  CHECK(f.Robot({{"rate_limit_per_minute", 5}})->DestinationRateLimit().per_minute == 5);

  auto app = f.App();
  CHECK(app->DestinationKey(UserMessage("u1", "x")) != app->DestinationKey(UserMessage("u2", "x")));
  CHECK(app->DestinationRateLimit().per_minute == 30);
}

}  // TEST_SUITE

}  // namespace
}  // namespace gridrelay::wecom
