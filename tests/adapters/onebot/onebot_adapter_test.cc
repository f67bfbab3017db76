// Tests for the onebot adapter: settings, the X-Signature / Bearer checks, golden event
// fixtures (tests/fixtures/onebot), hostile input, acknowledgements, simulated callbacks, and
// sending to a fake OneBot HTTP API on loopback.
#include <random>
#include <sstream>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "util/crypto.h"
#include "adapters/onebot/onebot.h"
#include "util/http_client.h"
#include "tests/adapters/common/adapter_test_util.h"
#include "tests/support/fake_http_server.h"

namespace gridrelay::onebot {
namespace {

using nlohmann::json;
using testing::FakeHttpServer;
using testing::FakeResponse;
using testing::Mutate;
using testing::ParsedToJson;

constexpr int64_t kNow = 1700000000;
constexpr const char* kSecret = "gridrelay-demo-secret";

ChannelSpec Spec(json settings) { return testing::TestChannelSpec("onebot", "onebot-test", 10, std::move(settings)); }

std::unique_ptr<Adapter> Make(json settings, const AdapterEnv& env = {}) {
  return testing::CreateAdapter(Register, Spec(std::move(settings)), env);
}

WebhookRequest Signed(const std::string& body, const std::string& secret = kSecret) {
  WebhookRequest r;
  r.method = "POST";
  r.body = body;
  r.headers["content-type"] = "application/json";
  r.headers["x-signature"] = "sha1=" + crypto::HexEncode(crypto::HmacSha1(secret, body));
  return r;
}

json V11() { return {{"version", 11}, {"secret", kSecret}}; }

std::string GroupEvent(int64_t time = kNow, const std::string& message = "\"hello\"") {
  return R"({"time":)" + std::to_string(time) +
         R"(,"self_id":10000,"post_type":"message","message_type":"group","message_id":5,"group_id":777,"user_id":20001,"message":)" +
         message + "}";
}

TEST_SUITE("onebot adapter") {
  TEST_CASE("settings errors name the file and line of the offending key") {
    testing::CheckSettingsErrors(Register, Spec, {
        {{{"version", 13}, {"secret", "s"}}, "gridrelay.yaml:12:", "11 or 12"},
        {{{"version", 11}}, "gridrelay.yaml:10:", "'secret' is required"},       // key absent: the channel's line
        {{{"version", 12}}, "gridrelay.yaml:10:", "'access_token' is required"},
        {{{"version", 12}, {"access_token", "t"}, {"secret", "s"}}, "gridrelay.yaml:12:", "X-Signature"},
        {{{"secret", "s"}, {"api_base", "ftp://x"}}, "gridrelay.yaml:11:", "http://"},
        {{{"secret", "s"}, {"freshness_window_seconds", -1}}, "gridrelay.yaml:11:", ">= 0"},
        {{{"secret", json::array()}}, "gridrelay.yaml:11:", "must be a string"},
        {{{"secret", "s"}, {"timeout_ms", "soon"}}, "gridrelay.yaml:12:", "integer"},
        {{{"secret", "s"}, {"secrets", "x"}}, "gridrelay.yaml:12:", "unknown onebot setting 'secrets'"},
    });
  }

  TEST_CASE("defaults: v11, 20 a minute per destination, private replies possible") {
    auto adapter = Make({{"secret", 12345}});  // a YAML number is accepted as a secret
    CHECK(adapter->type() == "onebot");
    CHECK(adapter->CanReplyPrivately());
    CHECK(adapter->DestinationRateLimit().per_minute == 20);
    CHECK(Make({{"secret", "s"}, {"rate_limit_per_minute", 5}})->DestinationRateLimit().per_minute == 5);
    CHECK(Make({{"allow_unauthenticated", true}})->ParseWebhook({"POST", {}, {}, GroupEvent(), ""}, kNow).ok());
  }

  TEST_CASE("the spec's signature over fixed inputs is accepted") {
    // HMAC-SHA1(key="gridrelay-demo-secret", body) computed independently (Python hmac).
    WebhookRequest r;
    r.method = "POST";
    r.body = R"({"post_type":"meta_event","time":1700000000})";
    r.headers["x-signature"] = "sha1=3ea5c669f6b85bc66783ef0842cdc9f99ffdf636";
    auto parsed = Make(V11())->ParseWebhook(r, kNow);
    REQUIRE_MESSAGE(parsed.ok(), parsed.status().ToString());
    CHECK(parsed->kind == ParsedWebhook::Kind::kIgnore);
    CHECK(parsed->reply.status == 204);
    CHECK(parsed->reply.body.empty());
  }

  TEST_CASE("golden events parse to their normalised messages") {
    const std::vector<testing::Fixture> fixtures = testing::LoadFixtures(GRIDRELAY_FIXTURES_DIR);
    for (const auto& [name_binding, fixture] : fixtures) {
      const auto& name = name_binding;  // clang 14 cannot capture a structured binding (CAPTURE)
      CAPTURE(name);
      auto adapter = Make(fixture["settings"]);
      WebhookRequest r;
      r.method = "POST";
      r.body = fixture["event"].dump();
      if (fixture["settings"]["version"] == 11) {
        r = Signed(r.body, fixture["settings"]["secret"].get<std::string>());
      } else {
        r.headers["authorization"] = "Bearer " + fixture["settings"]["access_token"].get<std::string>();
      }
      auto parsed = adapter->ParseWebhook(r, fixture["now"].get<int64_t>());
      REQUIRE_MESSAGE(parsed.ok(), parsed.status().ToString());
      const json actual = ParsedToJson(*parsed);
      testing::CheckExpected(actual, fixture["expect"]);
      if (parsed->kind == ParsedWebhook::Kind::kMessage) CHECK(parsed->message.channel == "onebot-test");
    }
    CHECK(fixtures.size() >= 10);
  }

  TEST_CASE("hostile and malformed v11 requests are refused with the right status") {
    auto adapter = Make({{"version", 11}, {"secret", kSecret}, {"self_id", "10000"}});
    const std::string body = GroupEvent();
    const std::string good = "sha1=" + crypto::HexEncode(crypto::HmacSha1(kSecret, body));
    std::string upper = good;
    for (size_t i = 5; i < upper.size(); ++i) upper[i] = static_cast<char>(std::toupper(upper[i]));
    auto with_signature = [&](const std::string& signature) {
      WebhookRequest r{"POST", {}, {}, body, ""};
      if (!signature.empty()) r.headers["x-signature"] = signature;
      return r;
    };
    std::string deep(100000, '[');
    struct Case {
      const char* name;
      WebhookRequest request;
      int64_t now;
      int status;
    } cases[] = {
        {"missing signature", with_signature(""), kNow, 401},
        {"upper-case hex", with_signature(upper), kNow, 401},
        {"bare hex", with_signature(good.substr(5)), kNow, 401},
        {"sha256 prefix", with_signature("sha256=" + good.substr(5)), kNow, 401},
        {"trailing space", with_signature(good + " "), kNow, 401},
        {"signature of another body", with_signature("sha1=" + crypto::HexEncode(crypto::HmacSha1(kSecret, body + " "))), kNow, 401},
        {"another secret", Signed(body, "wrong-secret"), kNow, 401},
        {"stale time", Signed(body), kNow + 301, 401},
        {"time from the future", Signed(body), kNow - 301, 401},
        {"truncated JSON", Signed(body.substr(0, body.size() / 2)), kNow, 400},
        {"empty body", Signed(""), kNow, 400},
        {"JSON array", Signed("[1,2]"), kNow, 400},
        {"deeply nested JSON", Signed(deep), kNow, 400},
        {"time as a string", Signed(R"({"time":"1700000000","self_id":10000,"post_type":"message"})"), kNow, 400},
        {"group message without group_id",
         Signed(R"({"time":1700000000,"self_id":10000,"post_type":"message","message_type":"group","message_id":1,"user_id":2})"), kNow, 400},
        {"event for another bot account", Signed(R"({"time":1700000000,"self_id":99,"post_type":"message"})"), kNow, 403},
        {"GET", WebhookRequest{"GET", {}, {}, "", ""}, kNow, 400},
        {"oversized body", Signed(std::string(2 << 20, ' ')), kNow, 413},
    };
    for (const Case& c : cases) {
      CAPTURE(c.name);
      auto parsed = adapter->ParseWebhook(c.request, c.now);
      REQUIRE_FALSE(parsed.ok());
      CHECK(HttpStatusFor(parsed.status()) == c.status);
      const WebhookReply reply = adapter->RenderError(parsed.status());
      CHECK(reply.status == c.status);
      CHECK(json::parse(reply.body).contains("error"));
    }
  }

  TEST_CASE("odd but valid events never fail: data null, nesting inside a segment, message null") {
    auto adapter = Make(V11());
    std::string nested = "{\"type\":\"mystery\",\"data\":{\"x\":" + std::string(50000, '[') + std::string(50000, ']') + "}}";
    struct Case {
      const char* message;
      std::string json_message;
      const char* text;
    } cases[] = {
        {"data null", R"([{"type":"text","data":null},{"type":"text","data":{"text":"ok"}}])", "ok"},
        {"nesting inside a segment", "[" + nested + R"(,{"type":"text","data":{"text":"ok"}}])", "ok"},
        {"message null", "null", ""},
        {"message a number", "42", ""},
        {"empty array", "[]", ""},
    };
    for (const Case& c : cases) {
      CAPTURE(c.message);
      auto parsed = adapter->ParseWebhook(Signed(GroupEvent(kNow, c.json_message)), kNow);
      REQUIRE_MESSAGE(parsed.ok(), parsed.status().ToString());
      CHECK(parsed->kind == ParsedWebhook::Kind::kMessage);
      CHECK(parsed->message.text == c.text);
    }
  }

  TEST_CASE("a byte-identical retry parses to the same dedup key, a reused message_id to another") {
    auto adapter = Make(V11());
    auto first = adapter->ParseWebhook(Signed(GroupEvent()), kNow);
    auto retry = adapter->ParseWebhook(Signed(GroupEvent()), kNow + 10);
    auto reused = adapter->ParseWebhook(Signed(GroupEvent(kNow + 60)), kNow + 60);  // same message_id, later
    REQUIRE(first.ok());
    REQUIRE(retry.ok());
    REQUIRE(reused.ok());
    CHECK(first->message.dedup_key == retry->message.dedup_key);
    CHECK(first->message.dedup_key != reused->message.dedup_key);
  }

  TEST_CASE("freshness can be switched off per channel") {
    auto adapter = Make({{"secret", kSecret}, {"freshness_window_seconds", 0}});
    CHECK(adapter->ParseWebhook(Signed(GroupEvent(1400000000)), kNow).ok());
  }

  TEST_CASE("v12 accepts the Bearer token in the header or the query, and nothing else") {
    auto adapter = Make({{"version", 12}, {"access_token", "tok"}});
    const std::string body =
        R"({"id":"e1","time":1700000000.5,"type":"message","detail_type":"group","message_id":"m1","self":{"platform":"qq","user_id":"b"},"message":[],"alt_message":"fallback text","group_id":"g","user_id":"u"})";
    struct Case {
      const char* name;
      std::map<std::string, std::string> headers;
      std::map<std::string, std::string> query;
      int status;  // 0: accepted
    } cases[] = {
        {"header", {{"authorization", "Bearer tok"}}, {}, 0},
        {"query", {}, {{"access_token", "tok"}}, 0},
        {"wrong token", {{"authorization", "Bearer tok2"}}, {}, 401},
        {"no scheme", {{"authorization", "tok"}}, {}, 401},
        {"nothing", {}, {}, 401},
        {"X-Signature is not v12 auth", {{"x-signature", "sha1=00"}}, {}, 401},
    };
    for (const Case& c : cases) {
      CAPTURE(c.name);
      auto parsed = adapter->ParseWebhook({"POST", c.query, c.headers, body, ""}, kNow);
      if (c.status == 0) {
        REQUIRE_MESSAGE(parsed.ok(), parsed.status().ToString());
        CHECK(parsed->message.dedup_key == "e1");
        CHECK(parsed->message.text == "fallback text");  // alt_message when no segments
      } else {
        REQUIRE_FALSE(parsed.ok());
        CHECK(HttpStatusFor(parsed.status()) == c.status);
      }
    }
  }

  TEST_CASE("acknowledgements: 200 with no operation, or a quick-operation reply never read as CQ codes") {
    auto v11 = Make(V11());
    auto parsed = v11->ParseWebhook(Signed(GroupEvent()), kNow);
    REQUIRE(parsed.ok());
    for (const AckInfo& info : {AckInfo{false, 1, ""}, AckInfo{true, 1, "已收到"}}) {  // duplicates say nothing again
      const WebhookReply nothing = v11->Acknowledge(parsed->message, info);
      CHECK(nothing.status == 200);
      CHECK(json::parse(nothing.body) == json::object());
    }
    WebhookReply reply = v11->Acknowledge(parsed->message, {false, 1, "已收到 [CQ:at,qq=1]"});
    CHECK(reply.status == 200);
    const json body = json::parse(reply.body);
    CHECK(body["reply"] == "已收到 [CQ:at,qq=1]");
    CHECK(body["auto_escape"] == true);
    CHECK(body["at_sender"] == true);

    auto v12 = Make({{"version", 12}, {"access_token", "t"}});
    InboundMessage m;
    m.chat_type = ChatType::kGroup;
    m.group_id = "g";
    m.sender_id = "u";
    CHECK(v12->Acknowledge(m, {true, 1, "ok"}).body == "[]");
    reply = v12->Acknowledge(m, {false, 1, "ok"});
    CHECK(reply.status == 200);
    const json actions = json::parse(reply.body);
    REQUIRE(actions.is_array());
    CHECK(actions[0]["action"] == "send_message");
    CHECK(actions[0]["params"]["group_id"] == "g");
    CHECK(actions[0]["params"]["message"][0]["type"] == "mention");
  }

  TEST_CASE("simulated callbacks are signed and parse back to the same message") {
    for (json settings : {V11(), json{{"version", 12}, {"access_token", "tok"}}}) {
      CAPTURE(settings.dump());
      auto adapter = Make(settings);
      SimulatedMessage sim{"123456", "20001", "王阿姨", "有人让我下载 APP 转账 [急] & 求助", "", kNow};
      auto request = adapter->BuildCallback(sim);
      REQUIRE_MESSAGE(request.ok(), request.status().ToString());
      auto parsed = adapter->ParseWebhook(*request, kNow);
      REQUIRE_MESSAGE(parsed.ok(), parsed.status().ToString());
      CHECK(parsed->kind == ParsedWebhook::Kind::kMessage);
      CHECK(parsed->message.group_id == "123456");
      CHECK(parsed->message.sender_id == "20001");
      CHECK(parsed->message.text == sim.text);
      CHECK_FALSE(parsed->message.from_bot);
      // Two simulated messages are two messages.
      auto again = adapter->ParseWebhook(*adapter->BuildCallback(sim), kNow);
      REQUIRE(again.ok());
      CHECK(again->message.dedup_key != parsed->message.dedup_key);
    }
    auto v11 = Make(V11());
    auto bad = v11->BuildCallback({"not-a-number", "1", "", "x", "", kNow});
    CHECK(bad.status().code() == StatusCode::kInvalidArgument);
    // `gridrelay simulate` names its resident; v11 needs a number, the same one every time.
    auto named = v11->ParseWebhook(*v11->BuildCallback({"123", "sim-resident", "", "x", "", kNow}), kNow);
    auto named_again = v11->ParseWebhook(*v11->BuildCallback({"123", "sim-resident", "", "y", "", kNow}), kNow);
    REQUIRE(named.ok());
    REQUIRE(named_again.ok());
    CHECK(named->message.sender_id.find_first_not_of("0123456789") == std::string::npos);
    CHECK(named->message.sender_id == named_again->message.sender_id);
    auto priv = v11->BuildCallback({"", "20001", "", "私聊", "77", kNow});
    REQUIRE(priv.ok());
    auto parsed = v11->ParseWebhook(*priv, kNow);
    REQUIRE(parsed.ok());
    CHECK(parsed->message.chat_type == ChatType::kPrivate);
    CHECK(parsed->message.platform_msg_id == "77");
  }

  TEST_CASE("v11 sends go to send_group_msg / send_private_msg with the token and at segments") {
    FakeHttpServer platform;
    for (const char* path : {"/send_group_msg", "/send_private_msg"}) {
      platform.On(path, [](const auto&) { return FakeResponse{200, R"({"status":"ok","retcode":0,"data":{"message_id":1}})"}; });
    }
    HttplibClient http;
    auto adapter = Make({{"secret", kSecret}, {"access_token", "api-token"}, {"api_base", platform.url() + "/"}},
                        testing::TestEnv(&http));
    OutboundMessage group;
    group.audience = Audience::kGroup;
    group.group_id = "123456";
    group.text = "已收到，工单 #7";
    group.mention_user_ids = {"20001"};
    CHECK(adapter->Send(group).ok());
    OutboundMessage user;
    user.audience = Audience::kUser;
    user.user_id = "20002";
    user.text = "法律援助";
    user.reply_context = {{"group_id", "123456"}};  // the group the resident wrote in
    CHECK(adapter->Send(user).ok());

    auto requests = platform.Requests();
    REQUIRE(requests.size() == 2);
    CHECK(requests[0].path == "/send_group_msg");
    CHECK(requests[0].headers.at("authorization") == "Bearer api-token");
    json body = json::parse(requests[0].body);
    CHECK(body["group_id"] == 123456);  // a number, as v11 ids are
    CHECK(body["message"][0] == json{{"type", "at"}, {"data", {{"qq", "20001"}}}});
    CHECK(body["message"][1]["data"]["text"] == " 已收到，工单 #7");
    CHECK(requests[1].path == "/send_private_msg");
    body = json::parse(requests[1].body);
    CHECK(body["user_id"] == 20002);
    CHECK(body["group_id"] == 123456);  // temporary session for non-friends
    CHECK(body["message"] == json::array({{{"type", "text"}, {"data", {{"text", "法律援助"}}}}}));
  }

  TEST_CASE("v12 sends one send_message action with string ids and the idempotency key as echo") {
    FakeHttpServer platform;
    platform.On("/", [](const auto&) {
      return FakeResponse{200, R"({"status":"ok","retcode":0,"data":{"message_id":"1","time":1.0},"message":""})"};
    });
    HttplibClient http;
    auto adapter = Make({{"version", 12}, {"access_token", "tok"}, {"api_base", platform.url()}}, testing::TestEnv(&http));
    OutboundMessage m;
    m.group_id = "g-1";
    m.text = "hi";
    m.mention_user_ids = {"u-1"};
    m.idempotency_key = "ticket-7-ack";
    CHECK(adapter->Send(m).ok());
    auto requests = platform.Requests();
    REQUIRE(requests.size() == 1);
    CHECK(requests[0].path == "/");
    CHECK(requests[0].headers.at("authorization") == "Bearer tok");
    const json body = json::parse(requests[0].body);
    CHECK(body["action"] == "send_message");
    CHECK(body["echo"] == "ticket-7-ack");
    CHECK(body["params"]["detail_type"] == "group");
    CHECK(body["params"]["group_id"] == "g-1");
    CHECK(body["params"]["message"][0] == json{{"type", "mention"}, {"data", {{"user_id", "u-1"}}}});
  }

  TEST_CASE("API answers map to transient or permanent errors") {
    struct Case {
      int version;
      int status;
      const char* body;
      StatusCode code;
    } cases[] = {
        {11, 200, R"({"status":"ok","retcode":0})", StatusCode::kOk},
        {11, 200, R"({"status":"async","retcode":1})", StatusCode::kOk},
        {11, 200, R"({"status":"failed","retcode":1404,"msg":"no such group"})", StatusCode::kNotFound},
        {11, 200, R"({"status":"failed","retcode":100,"wording":"消息发送失败"})", StatusCode::kFailedPrecondition},
        {11, 200, R"({"status":"failed","retcode":"x"})", StatusCode::kFailedPrecondition},
        {11, 200, "<html>", StatusCode::kUnavailable},
        {11, 401, "", StatusCode::kPermissionDenied},
        {11, 403, "", StatusCode::kPermissionDenied},
        {11, 404, "", StatusCode::kNotFound},
        {11, 406, "", StatusCode::kInvalidArgument},
        {11, 408, "", StatusCode::kUnavailable},
        {11, 429, "", StatusCode::kResourceExhausted},
        {11, 502, "", StatusCode::kUnavailable},
        {12, 200, R"({"status":"failed","retcode":36000,"message":"tired"})", StatusCode::kResourceExhausted},
        {12, 200, R"({"status":"failed","retcode":33001,"message":"net"})", StatusCode::kUnavailable},
        {12, 200, R"({"status":"failed","retcode":10003,"message":"bad param"})", StatusCode::kInvalidArgument},
        {12, 200, R"({"status":"failed","retcode":35001,"message":"not in group"})", StatusCode::kFailedPrecondition},
    };
    HttplibClient http;
    FakeHttpServer platform;
    for (const Case& c : cases) {
      CAPTURE(c.version);
      CAPTURE(c.status);
      CAPTURE(c.body);
      platform.On(c.version == 11 ? "/send_group_msg" : "/", [&c](const auto&) { return FakeResponse{c.status, c.body}; });
      json settings = c.version == 11 ? V11() : json{{"version", 12}, {"access_token", "t"}};
      settings["api_base"] = platform.url();
      OutboundMessage m;
      m.group_id = "1";
      m.text = "x";
      Status s = Make(settings, testing::TestEnv(&http))->Send(m);
      CHECK(s.code() == c.code);
      if (!s.ok()) CHECK(s.IsTransient() == (c.code == StatusCode::kUnavailable || c.code == StatusCode::kResourceExhausted));
    }
  }

  TEST_CASE("an unreachable API is transient, a non-numeric v11 id is permanent and sends nothing") {
    HttplibClient http;
    std::string dead_base;
    {
      FakeHttpServer gone;
      dead_base = gone.url();
    }
    OutboundMessage m;
    m.group_id = "1";
    m.text = "x";
    Status s = Make({{"secret", "s"}, {"api_base", dead_base}, {"timeout_ms", 500}}, testing::TestEnv(&http))->Send(m);
    CHECK(s.IsTransient());
    FakeHttpServer platform;
    m.group_id = "g-1";
    s = Make({{"secret", "s"}, {"api_base", platform.url()}}, testing::TestEnv(&http))->Send(m);
    CHECK(s.code() == StatusCode::kInvalidArgument);
    CHECK(platform.Requests().empty());
  }

  TEST_CASE("seeded mutations of signed events never crash and never answer 5xx") {
    auto adapter = Make(V11());
    std::mt19937 rng(20241123);
    const std::string bases[] = {
        GroupEvent(kNow, R"("[CQ:at,qq=10000] 楼道灯坏了&#91;急&#93;[CQ:image,file=a.jpg]")"),
        GroupEvent(kNow, R"([{"type":"text","data":{"text":"hi"}},{"type":"at","data":null},{"type":"image","data":{"file":"f"}}])"),
    };
    int accepted = 0;
    for (int i = 0; i < 4000; ++i) {
      auto parsed = adapter->ParseWebhook(Signed(Mutate(bases[i % 2], rng)), kNow);
      accepted += testing::AcceptedOrRefusedBelow500(parsed);
    }
    CHECK(accepted > 0);
  }
}

}  // namespace
}  // namespace gridrelay::onebot
