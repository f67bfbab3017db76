// Tests for the feishu adapter: settings, golden events (tests/fixtures/feishu), the
// challenge, signature and token checks, hostile input, simulated callbacks, and the custom
// bot webhook against a fake Feishu on loopback.
#include <random>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "util/crypto.h"
#include "adapters/feishu/feishu.h"
#include "adapters/feishu/feishu_wire.h"
#include "util/http_client.h"
#include "tests/adapters/common/adapter_test_util.h"
#include "tests/support/fake_http_server.h"

namespace gridrelay::feishu {
namespace {

using nlohmann::json;
using testing::FakeHttpServer;
using testing::FakeResponse;
using testing::Mutate;
using testing::ParsedToJson;

constexpr int64_t kNow = 1700000000;
constexpr const char* kKey = "gridrelay-feishu-key";

ChannelSpec Spec(json settings) { return testing::TestChannelSpec("feishu", "feishu-test", 20, std::move(settings)); }

std::unique_ptr<Adapter> Make(json settings, HttpClient* http = nullptr, const Clock* clock = nullptr) {
  return testing::CreateAdapter(Register, Spec(std::move(settings)), testing::TestEnv(http, clock));
}

WebhookRequest Plain(const std::string& body) { return {"POST", {}, {{"content-type", "application/json"}}, body, ""}; }

// Encrypts `event` with kKey and signs the body as Feishu does.
WebhookRequest Encrypted(const std::string& event, bool sign = true, int64_t timestamp = kNow,
                         const std::string& key = kKey) {
  WebhookRequest r = Plain(json{{"encrypt", *Encrypt(key, event, crypto::RandomBytes(16))}}.dump());
  if (sign) {
    r.headers["x-lark-request-timestamp"] = std::to_string(timestamp);
    r.headers["x-lark-request-nonce"] = "n-1";
    r.headers["x-lark-signature"] = RequestSignature(std::to_string(timestamp), "n-1", key, r.body);
  }
  return r;
}

std::string TextEvent(const std::string& event_id = "ev-1", const std::string& token = "vtok") {
  return json{{"schema", "2.0"},
              {"header", {{"event_id", event_id}, {"event_type", "im.message.receive_v1"}, {"create_time", "1700000000000"},
                          {"token", token}, {"app_id", "cli_a1"}}},
              {"event", {{"sender", {{"sender_id", {{"open_id", "ou_1"}}}, {"sender_type", "user"}}},
                         {"message", {{"message_id", "om_1"}, {"create_time", "1700000000000"}, {"chat_id", "oc_1"},
                                      {"chat_type", "group"}, {"message_type", "text"},
                                      {"content", R"({"text":"@_user_1 楼上漏水"})"}}}}}}
      .dump();
}

TEST_SUITE("feishu adapter") {
  TEST_CASE("settings errors name the file and line of the offending key") {
    testing::CheckSettingsErrors(Register, Spec, {
        {json::object(), "gridrelay.yaml:20:", "verification_token"},
        {{{"verification_token", "v"}, {"webhook_url", "ftp://x"}}, "gridrelay.yaml:22:", "http"},
        {{{"verification_token", "v"}, {"webhook_url", "http://x"}, {"hook_token", "t"}}, "gridrelay.yaml:21:", "not both"},
        {{{"verification_token", "v"}, {"freshness_window_seconds", -5}}, "gridrelay.yaml:21:", ">= 0"},
        {{{"verification_token", "v"}, {"rate_limit_per_minute", "many"}}, "gridrelay.yaml:21:", "number"},
        {{{"encrypt_key", json::object()}}, "gridrelay.yaml:21:", "string"},
        {{{"verification_token", "v"}, {"app_secret", "s"}}, "gridrelay.yaml:21:", "'app_id'"},
        {{{"verification_token", "v"}, {"verfication_token", "x"}}, "gridrelay.yaml:21:", "unknown feishu setting 'verfication_token'"},
    });
  }

  TEST_CASE("defaults: 100 a minute in bursts of 5 per bot and never more than 5 in a second, no private replies") {
    auto adapter = Make({{"verification_token", "v"}});
    CHECK(adapter->DestinationRateLimit().per_minute == 100);
    CHECK(adapter->DestinationRateLimit().burst == 5);
    CHECK(adapter->DestinationRateLimit().per_second == 5);  // Feishu's 5/s (error 11232 beyond)
    CHECK_FALSE(adapter->CanReplyPrivately());
    OutboundMessage a, b;
    a.group_id = "oc_1";
    b.group_id = "oc_2";
    CHECK(adapter->DestinationKey(a) == adapter->DestinationKey(b));  // one bot, one bucket
  }

  TEST_CASE("golden events parse to their normalised messages") {
    const std::vector<testing::Fixture> fixtures = testing::LoadFixtures(GRIDRELAY_FIXTURES_DIR);
    for (const auto& [name_binding, fixture] : fixtures) {
      const auto& name = name_binding;  // clang 14 cannot capture a structured binding (CAPTURE)
      CAPTURE(name);
      const json& settings = fixture["settings"];
      auto adapter = Make(settings);
      const std::string event = fixture["event"].dump();
      WebhookRequest r = settings.contains("encrypt_key")
                             ? Encrypted(event, !fixture.value("unsigned", false), kNow,
                                         settings["encrypt_key"].get<std::string>())
                             : Plain(event);
      auto parsed = adapter->ParseWebhook(r, fixture["now"].get<int64_t>());
      REQUIRE_MESSAGE(parsed.ok(), parsed.status().ToString());
      const json actual = ParsedToJson(*parsed);
      testing::CheckExpected(actual, fixture["expect"]);
    }
    CHECK(fixtures.size() >= 9);
  }

  TEST_CASE("hostile and malformed callbacks are refused with the right status") {
    auto encrypted = Make({{"verification_token", "vtok"}, {"encrypt_key", kKey}});
    auto plain = Make({{"verification_token", "vtok"}, {"app_id", "cli_a1"}});
    WebhookRequest bad_signature = Encrypted(TextEvent());
    bad_signature.headers["x-lark-signature"][0] ^= 1;
    WebhookRequest resigned_other_ts = Encrypted(TextEvent());
    resigned_other_ts.headers["x-lark-request-timestamp"] = "1700000001";  // signature no longer covers it
    WebhookRequest tampered = Encrypted(TextEvent());
    tampered.body[20] = tampered.body[20] == 'A' ? 'B' : 'A';  // signature check fails first
    WebhookRequest bad_b64 = Plain(R"({"encrypt":"%%%%"})");
    WebhookRequest unsigned_bad_b64 = bad_b64;
    json other_app = json::parse(TextEvent());
    other_app["header"]["app_id"] = "cli_b";
    const std::string other_app_body = other_app.dump();
    bad_b64.headers["x-lark-request-timestamp"] = "1";
    bad_b64.headers["x-lark-request-nonce"] = "n";
    bad_b64.headers["x-lark-signature"] = RequestSignature("1", "n", kKey, bad_b64.body);
    struct Case {
      const char* name;
      const Adapter* adapter;
      WebhookRequest request;
      int status;
    } cases[] = {
        {"wrong signature", encrypted.get(), bad_signature, 401},
        {"timestamp not covered", encrypted.get(), resigned_other_ts, 401},
        {"tampered body", encrypted.get(), tampered, 401},
        {"unsigned event", encrypted.get(), Encrypted(TextEvent(), false), 401},
        {"other encrypt key", encrypted.get(), Encrypted(TextEvent(), true, kNow, "other-key"), 401},
        {"plaintext to an encrypted channel", encrypted.get(), Plain(TextEvent()), 401},
        {"signed bad base64", encrypted.get(), bad_b64, 400},
        {"unsigned bad base64", encrypted.get(), unsigned_bad_b64, 400},
        {"decrypts to non-JSON", encrypted.get(), Encrypted("not json"), 400},
        {"wrong verification token", plain.get(), Plain(TextEvent("ev-1", "other")), 401},
        {"challenge with a wrong token", plain.get(), Plain(R"({"type":"url_verification","challenge":"c","token":"x"})"), 401},
        {"encrypted body to a plain channel", plain.get(), Plain(R"({"encrypt":"abc"})"), 400},
        {"truncated JSON", plain.get(), Plain(TextEvent().substr(0, 40)), 400},
        {"not schema 2.0", plain.get(), Plain(R"({"schema":"3.0","header":{}})"), 400},
        {"event without ids", plain.get(),
         Plain(R"({"schema":"2.0","header":{"event_type":"im.message.receive_v1","token":"vtok","app_id":"cli_a1"},"event":null})"), 400},
        {"another app", plain.get(), Plain(other_app_body), 403},
        {"deep nesting", plain.get(), Plain(std::string(200000, '[')), 400},
        {"oversized body", plain.get(), Plain(std::string(2 << 20, ' ')), 413},
        {"GET", plain.get(), WebhookRequest{"GET", {}, {}, "", ""}, 400},
    };
    for (const Case& c : cases) {
      CAPTURE(c.name);
      auto parsed = c.adapter->ParseWebhook(c.request, kNow);
      REQUIRE_FALSE(parsed.ok());
      CHECK(HttpStatusFor(parsed.status()) == c.status);
    }
  }

  TEST_CASE("odd but valid message events never fail") {
    auto adapter = Make({{"verification_token", "vtok"}});
    json event = json::parse(TextEvent());
    event["event"]["message"]["content"] = std::string(100000, '[');
    event["event"]["sender"] = nullptr;
    // Spliced in as text: dumping a deeply nested value would recurse in the test itself.
    std::string body = event.dump();
    body.insert(1, R"("extra":)" + std::string(100000, '[') + std::string(100000, ']') + ",");
    auto parsed = adapter->ParseWebhook(Plain(body), kNow);
    REQUIRE_MESSAGE(parsed.ok(), parsed.status().ToString());
    CHECK(parsed->message.text.empty());
    CHECK(parsed->message.sender_id.empty());
  }

  TEST_CASE("a re-push hours later and a byte-identical retry keep the event_id as dedup key") {
    auto adapter = Make({{"verification_token", "vtok"}, {"encrypt_key", kKey}});
    auto first = adapter->ParseWebhook(Encrypted(TextEvent()), kNow);
    auto repush = adapter->ParseWebhook(Encrypted(TextEvent(), true, kNow + 6 * 3600), kNow + 6 * 3600);
    WebhookRequest same = Encrypted(TextEvent());
    auto a = adapter->ParseWebhook(same, kNow);
    auto b = adapter->ParseWebhook(same, kNow + 1);
    REQUIRE(first.ok());
    REQUIRE(repush.ok());
    REQUIRE(a.ok());
    REQUIRE(b.ok());
    CHECK(first->message.dedup_key == "ev-1");
    CHECK(repush->message.dedup_key == "ev-1");
    CHECK(a->message.dedup_key == b->message.dedup_key);
  }

  TEST_CASE("a configured freshness window applies to the signed timestamp") {
    auto adapter = Make({{"verification_token", "vtok"}, {"encrypt_key", kKey}, {"freshness_window_seconds", 7 * 3600}});
    CHECK(adapter->ParseWebhook(Encrypted(TextEvent(), true, kNow - 6 * 3600), kNow).ok());
    auto stale = adapter->ParseWebhook(Encrypted(TextEvent(), true, kNow - 8 * 3600), kNow);
    CHECK(HttpStatusFor(stale.status()) == 401);
    auto plain = Make({{"verification_token", "vtok"}, {"freshness_window_seconds", 3600}});
    CHECK(plain->ParseWebhook(Plain(TextEvent()), kNow + 3000).ok());  // header.create_time
    CHECK(HttpStatusFor(plain->ParseWebhook(Plain(TextEvent()), kNow + 4000).status()) == 401);
  }

  TEST_CASE("simulated callbacks are encrypted and signed, and parse back to the same message") {
    for (json settings : {json{{"verification_token", "vtok"}},
                          json{{"verification_token", "vtok"}, {"encrypt_key", kKey}}}) {
      CAPTURE(settings.dump());
      auto adapter = Make(settings);
      SimulatedMessage sim{"oc_group9", "ou_7", "张三", "有人让我刷单返利", "", kNow};
      auto request = adapter->BuildCallback(sim);
      REQUIRE_MESSAGE(request.ok(), request.status().ToString());
      if (settings.contains("encrypt_key")) {
        CHECK(json::parse(request->body).contains("encrypt"));
        CHECK_FALSE(request->headers["x-lark-signature"].empty());
      }
      auto parsed = adapter->ParseWebhook(*request, kNow);
      REQUIRE_MESSAGE(parsed.ok(), parsed.status().ToString());
      CHECK(parsed->message.group_id == "oc_group9");
      CHECK(parsed->message.sender_id == "ou_7");
      CHECK(parsed->message.text == sim.text);
      auto priv = adapter->ParseWebhook(*adapter->BuildCallback({"", "ou_7", "", "私信", "ev-x", kNow}), kNow);
      REQUIRE(priv.ok());
      CHECK(priv->message.chat_type == ChatType::kPrivate);
      CHECK(priv->message.dedup_key == "ev-x");
    }
  }

  TEST_CASE("sends post a signed text message with mentions to the bot webhook") {
    FakeHttpServer platform;
    platform.On("/open-apis/bot/v2/hook/hook-123", [](const auto&) { return FakeResponse{200, R"({"code":0,"msg":"success","data":{}})"}; });
    HttplibClient http;
    ManualClock clock(int64_t{kNow} * 1000000);
    auto adapter = Make({{"verification_token", "v"}, {"api_base", platform.url()}, {"hook_token", "hook-123"},
                         {"webhook_secret", "bot-secret"}},
                        &http, &clock);
    OutboundMessage m;
    m.group_id = "oc_1";
    m.text = "已收到，工单 #9";
    m.mention_user_ids = {"ou_worker"};
    Status s = adapter->Send(m);
    CHECK_MESSAGE(s.ok(), s.ToString());
    auto requests = platform.Requests();
    REQUIRE(requests.size() == 1);
    CHECK(requests[0].path == "/open-apis/bot/v2/hook/hook-123");
    const json body = json::parse(requests[0].body);
    CHECK(body["msg_type"] == "text");
    CHECK(body["content"]["text"] == "<at user_id=\"ou_worker\"></at> 已收到，工单 #9");
    CHECK(body["timestamp"] == "1700000000");
    CHECK(body["sign"] == "9nxw44BYFqLId3YDAt3hLwRtcLlmdqIxMtemCu1LJXk=");  // independent vector above

    OutboundMessage to_user;
    to_user.audience = Audience::kUser;
    to_user.user_id = "ou_1";
    CHECK(adapter->Send(to_user).code() == StatusCode::kInvalidArgument);
    CHECK(Make({{"verification_token", "v"}}, &http)->Send(m).code() == StatusCode::kFailedPrecondition);
  }

  TEST_CASE("bot answers map to transient or permanent errors") {
    struct Case {
      int status;
      const char* body;
      StatusCode code;
    } cases[] = {
        {200, R"({"code":0,"msg":"success"})", StatusCode::kOk},
        {200, R"({"StatusCode":0,"StatusMessage":"success"})", StatusCode::kOk},
        {200, R"({"code":11232,"msg":"frequency limited"})", StatusCode::kResourceExhausted},
        {200, R"({"code":19021,"msg":"sign match fail or timestamp is not within one hour from current time"})", StatusCode::kPermissionDenied},
        {200, R"({"code":19022,"msg":"Ip Not Allowed"})", StatusCode::kPermissionDenied},
        {200, R"({"code":19024,"msg":"Key Words Not Found"})", StatusCode::kInvalidArgument},
        {400, R"({"code":9499,"msg":"Bad Request"})", StatusCode::kInvalidArgument},
        {200, R"({"code":12345,"msg":"odd"})", StatusCode::kFailedPrecondition},
        {429, "", StatusCode::kResourceExhausted},
        {503, "<html>", StatusCode::kUnavailable},
        {404, "", StatusCode::kNotFound},
    };
    FakeHttpServer platform;
    HttplibClient http;
    auto adapter = Make({{"verification_token", "v"}, {"webhook_url", platform.url("/hook")}}, &http);
    OutboundMessage m;
    m.text = "x";
    for (const Case& c : cases) {
      CAPTURE(c.body);
      platform.On("/hook", [&c](const auto&) { return FakeResponse{c.status, c.body}; });
      Status s = adapter->Send(m);
      CHECK(s.code() == c.code);
      if (!s.ok()) CHECK(s.message().find("feishu") != std::string::npos);
    }
  }

  TEST_CASE("seeded mutations of events, plain and encrypted, never crash and never answer 5xx") {
    auto plain = Make({{"verification_token", "vtok"}});
    auto encrypted = Make({{"verification_token", "vtok"}, {"encrypt_key", kKey}});
    std::mt19937 rng(20241123);
    int accepted = 0;
    for (int i = 0; i < 3000; ++i) {
      const std::string event = Mutate(TextEvent(), rng);
      auto a = plain->ParseWebhook(Plain(event), kNow);
      auto b = encrypted->ParseWebhook(Encrypted(event), kNow);
      accepted += testing::AcceptedOrRefusedBelow500(a) + testing::AcceptedOrRefusedBelow500(b);
      // The ciphertext itself mutated: refused, never a crash.
      auto c = encrypted->ParseWebhook(Plain(Mutate(Encrypted(TextEvent(), false).body, rng)), kNow);
      testing::AcceptedOrRefusedBelow500(c);
    }
    CHECK(accepted > 0);
  }

  TEST_CASE("with app credentials, sends use the IM API with a cached tenant token and the idempotency key as uuid") {
    FakeHttpServer platform;
    int tokens_issued = 0;
    platform.On("/open-apis/auth/v3/tenant_access_token/internal", [&tokens_issued](const auto&) {
      ++tokens_issued;
      return FakeResponse{200, json{{"code", 0}, {"msg", "ok"}, {"tenant_access_token", "t-" + std::to_string(tokens_issued)},
                                    {"expire", 7200}}.dump()};
    });
    // The first token is revoked after the first send: Feishu answers 99991663 for it.
    platform.On("/open-apis/im/v1/messages", [&tokens_issued](const testing::RecordedRequest& r) {
      if (r.headers.at("authorization") == "Bearer t-1" && tokens_issued == 1 && r.Json()["uuid"] == "revoke") {
        return FakeResponse{400, R"({"code":99991663,"msg":"Invalid access token for authorization"})"};
      }
      return FakeResponse{200, R"({"code":0,"msg":"success","data":{"message_id":"om_x"}})"};
    });
    HttplibClient http;
    ManualClock clock(int64_t{kNow} * 1000000);
    auto adapter = Make({{"verification_token", "v"}, {"api_base", platform.url()}, {"app_id", "cli_a1"}, {"app_secret", "sec"}},
                        &http, &clock);
    CHECK(adapter->CanReplyPrivately());
    CHECK(adapter->DestinationRateLimit().per_minute == 300);

    OutboundMessage group;
    group.group_id = "oc_1";
    group.text = "已收到";
    group.mention_user_ids = {"ou_r"};
    group.idempotency_key = "ticket-1-ack";
    OutboundMessage user;
    user.audience = Audience::kUser;
    user.user_id = "ou_r";
    user.text = "法律援助";
    user.idempotency_key = std::string(80, 'k');
    CHECK(adapter->Send(group).ok());
    CHECK(adapter->Send(user).ok());
    CHECK(tokens_issued == 1);  // cached

    auto sends = platform.Requests("/open-apis/im/v1/messages");
    REQUIRE(sends.size() == 2);
    CHECK(sends[0].query.at("receive_id_type") == "chat_id");
    CHECK(sends[0].headers.at("authorization") == "Bearer t-1");
    json body = sends[0].Json();
    CHECK(body["receive_id"] == "oc_1");
    CHECK(body["msg_type"] == "text");
    CHECK(json::parse(body["content"].get<std::string>())["text"] == "<at user_id=\"ou_r\"></at> 已收到");
    CHECK(body["uuid"] == "ticket-1-ack");
    CHECK(sends[1].query.at("receive_id_type") == "open_id");
    CHECK(sends[1].Json()["uuid"].get<std::string>().size() == 50);
    auto token_request = platform.Requests("/open-apis/auth/v3/tenant_access_token/internal")[0].Json();
    CHECK(token_request == json{{"app_id", "cli_a1"}, {"app_secret", "sec"}});

    // An invalidated token is refreshed once and the send retried.
    group.idempotency_key = "revoke";
    CHECK(adapter->Send(group).ok());
    CHECK(tokens_issued == 2);
    // Near expiry (within 5 minutes of 2 hours) the token is refreshed before use.
    clock.AdvanceMicros(int64_t{7200 - 299} * 1000000);
    group.idempotency_key = "later";
    CHECK(adapter->Send(group).ok());
    CHECK(tokens_issued == 3);
  }

  TEST_CASE("app API failures: bad credentials are permanent, limits and outages transient") {
    struct Case {
      int token_status;
      const char* token_body;
      int send_status;
      const char* send_body;
      StatusCode code;
    } cases[] = {
        {200, R"({"code":10014,"msg":"app secret invalid"})", 200, "{}", StatusCode::kPermissionDenied},
        {503, "", 200, "{}", StatusCode::kUnavailable},
        {200, R"({"code":0,"tenant_access_token":"t","expire":7200})", 429, R"({"code":99991400,"msg":"request trigger frequency limit"})", StatusCode::kResourceExhausted},
        {200, R"({"code":0,"tenant_access_token":"t","expire":7200})", 400, R"({"code":230002,"msg":"Bot/User can NOT be out of the chat."})", StatusCode::kFailedPrecondition},
        {200, R"({"code":0,"tenant_access_token":"t","expire":7200})", 400, R"({"code":99991663,"msg":"Invalid access token"})", StatusCode::kUnavailable},
        {200, R"({"code":0,"tenant_access_token":"t","expire":7200})", 502, "<html>", StatusCode::kUnavailable},
    };
    HttplibClient http;
    for (const Case& c : cases) {
      CAPTURE(c.token_body);
      CAPTURE(c.send_body);
      FakeHttpServer platform;
      platform.On("/open-apis/auth/v3/tenant_access_token/internal", [&c](const auto&) { return FakeResponse{c.token_status, c.token_body}; });
      platform.On("/open-apis/im/v1/messages", [&c](const auto&) { return FakeResponse{c.send_status, c.send_body}; });
      auto adapter = Make({{"verification_token", "v"}, {"api_base", platform.url()}, {"app_id", "cli_a1"}, {"app_secret", "s"}}, &http);
      OutboundMessage m;
      m.group_id = "oc_1";
      m.text = "x";
      Status s = adapter->Send(m);
      CHECK(s.code() == c.code);
      CHECK(s.message().find("feishu") != std::string::npos);
    }
  }
}

}  // namespace
}  // namespace gridrelay::feishu
