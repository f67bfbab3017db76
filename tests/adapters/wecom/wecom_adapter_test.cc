// Tests for the WeCom adapter's inbound side: settings validation, URL verification, golden
// callbacks in both modes and formats, hostile input, passive replies and simulated callbacks.
#include "adapters/wecom/wecom_adapter.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "util/crypto.h"
#include "adapters/wecom/payload.h"
#include "tests/adapters/wecom/wecom_test_util.h"

namespace gridrelay::wecom {
namespace {

using nlohmann::json;
using namespace gridrelay::wecom::testing;

constexpr int64_t kNow = 1700000000;

json AttachmentsJson(const std::vector<Attachment>& attachments) {
  json out = json::array();
  for (const auto& a : attachments) out.push_back({{"kind", a.kind}, {"ref", a.ref}});
  return out;
}

TEST_SUITE("wecom adapter") {

TEST_CASE("settings errors name the file, the line and the key") {
  struct Case {
    const char* name;
    json settings;
    const char* key;       // whose line the error must carry
    const char* mentions;  // a fragment of the message
  };
  const std::vector<Case> cases = {
      {"unknown mode", {{"mode", "bot"}, {"token", kToken}, {"encoding_aes_key", kAesKey}}, "mode", "robot or app"},
      {"missing token", {{"encoding_aes_key", kAesKey}}, "token", "`token` is required"},
      {"token not a string", {{"token", 5}, {"encoding_aes_key", kAesKey}}, "token", "must be a string"},
      {"missing key", {{"token", kToken}}, "encoding_aes_key", "required"},
      {"key of 42 characters", {{"token", kToken}, {"encoding_aes_key", std::string(kAesKey).substr(1)}},
       "encoding_aes_key", "43"},
      {"key with a symbol", {{"token", kToken}, {"encoding_aes_key", std::string(kAesKey, 42) + "-"}},
       "encoding_aes_key", "43"},
      {"app without corp_id", {{"mode", "app"}, {"token", kToken}, {"encoding_aes_key", kAesKey}}, "corp_id",
       "corp_id"},
      {"secret without agent_id",
       {{"token", kToken}, {"encoding_aes_key", kAesKey}, {"corp_id", "ww1"}, {"corp_secret", "s"}}, "agent_id",
       "agent_id"},
      {"agent_id not a number",
       {{"token", kToken}, {"encoding_aes_key", kAesKey}, {"corp_id", "ww1"}, {"corp_secret", "s"}, {"agent_id", "x1"}},
       "agent_id", "number"},
      {"agent_id past int64",
       {{"token", kToken}, {"encoding_aes_key", kAesKey}, {"corp_id", "ww1"}, {"corp_secret", "s"},
        {"agent_id", "99999999999999999999"}},
       "agent_id", "number"},
      {"negative freshness", {{"token", kToken}, {"encoding_aes_key", kAesKey}, {"freshness_seconds", -1}},
       "freshness_seconds", "integer"},
      {"rate limit as text", {{"token", kToken}, {"encoding_aes_key", kAesKey}, {"rate_limit_per_minute", "20"}},
       "rate_limit_per_minute", "number"},
      {"api_base not a URL", {{"token", kToken}, {"encoding_aes_key", kAesKey}, {"api_base", "qyapi.weixin.qq.com"}},
       "api_base", "http"},
      {"misspelt key", {{"token", kToken}, {"encoding_aes_key", kAesKey}, {"freshness_second", 10}},
       "freshness_second", "unknown wecom setting 'freshness_second'"},
      {"unknown robot msgtype", {{"token", kToken}, {"encoding_aes_key", kAesKey}, {"robot_msgtype", "news"}},
       "robot_msgtype", "markdown"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    ChannelSpec spec = Spec(c.settings);
    spec.key_lines.emplace(c.key, 99);  // a key that is missing reports the channel's line
    auto settings = ParseSettings(spec);
    REQUIRE_FALSE(settings.ok());
    CHECK(settings.status().code() == StatusCode::kInvalidArgument);
    CHECK(settings.status().message().rfind(spec.Where(c.key) + ": channel 'wecom-test'", 0) == 0);
    CHECK(settings.status().message().find(c.mentions) != std::string::npos);
  }
}

TEST_CASE("settings have the documented defaults") {
  auto robot = ParseSettings(Spec(RobotSettings()));
  REQUIRE(robot.ok());
  CHECK(robot->mode == WecomSettings::Mode::kRobot);
  CHECK(robot->api_base == "https://qyapi.weixin.qq.com");
  CHECK(robot->freshness_seconds == 300);
  CHECK(robot->rate_limit_per_minute == 20);
  CHECK(robot->send_chatid);
  CHECK(robot->robot_msgtype == "text");
  CHECK_FALSE(robot->HasAppCredentials());

  json app_settings = AppSettings();
  app_settings["agent_id"] = 1000002;  // YAML reads it as a number
  app_settings["corp_secret"] = "s3cret";
  app_settings["api_base"] = "http://127.0.0.1:8080/";
  auto app = ParseSettings(Spec(app_settings));
  REQUIRE(app.ok());
  CHECK(app->rate_limit_per_minute == 30);
  CHECK(app->agent_id == "1000002");
  CHECK(app->api_base == "http://127.0.0.1:8080");
  CHECK(app->HasAppCredentials());
}

TEST_CASE("URL verification answers the decrypted echostr as plain text, for vector A") {
  json settings = {{"mode", "app"}, {"token", "QDG6eK"}, {"encoding_aes_key", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"},
                   {"corp_id", kCorpId}, {"freshness_seconds", 0}};
  auto adapter = MakeAdapter(settings);
  WebhookRequest get;
  get.method = "GET";
  get.query = {{"msg_signature", "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3"}, {"timestamp", "1409659589"},
               {"nonce", "263014780"},
               {"echostr", "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ=="}};
  auto parsed = adapter->ParseWebhook(get, kNow);
  REQUIRE(parsed.ok());
  CHECK(parsed->kind == ParsedWebhook::Kind::kReply);
  CHECK(parsed->reply.status == 200);
  CHECK(parsed->reply.body == "1616140317555161061");
  CHECK(parsed->reply.content_type == "text/plain");

  // With the freshness window on, the 2014 vector is a replay.
  settings["freshness_seconds"] = 300;
  auto fresh = MakeAdapter(settings);
  auto stale = fresh->ParseWebhook(get, kNow);
  REQUIRE_FALSE(stale.ok());
  CHECK(stale.status().code() == StatusCode::kUnauthenticated);
  CHECK(fresh->RenderError(stale.status()).status == 401);
}

TEST_CASE("vector A's POST parses into an app message") {
  json settings = {{"mode", "app"}, {"token", "QDG6eK"}, {"encoding_aes_key", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"},
                   {"corp_id", kCorpId}, {"freshness_seconds", 0}};
  auto adapter = MakeAdapter(settings);
  WebhookRequest post;
  post.method = "POST";
  post.query = {{"msg_signature", "477715d11cdb4164915debcba66cb864d751f3e6"}, {"timestamp", "1409659813"},
                {"nonce", "1372623149"}};
  post.body =
      "<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName><Encrypt><![CDATA[RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+"
      "rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpG"
      "LYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izo"
      "un1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS"
      "9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q="
      "=]]></Encrypt><AgentID><![CDATA[218]]></AgentID></xml>";
  auto parsed = adapter->ParseWebhook(post, kNow);
  REQUIRE(parsed.ok());
  REQUIRE(parsed->kind == ParsedWebhook::Kind::kMessage);
  const InboundMessage& m = parsed->message;
  CHECK(m.channel == "wecom-test");
  CHECK(m.dedup_key == "4561255354251345929");
  CHECK(m.sender_id == "mycreate");
  CHECK(m.text == "hello");
  CHECK(m.chat_type == ChatType::kPrivate);
  CHECK(m.sent_at == 1409659813);
}

TEST_CASE("golden callbacks parse into the normalised messages their fixtures carry") {
  const std::vector<gridrelay::testing::Fixture> fixtures = gridrelay::testing::LoadFixtures(GRIDRELAY_WECOM_FIXTURES);
  for (const auto& [name_binding, fixture] : fixtures) {
    const auto& name = name_binding;  // clang 14 cannot capture a structured binding (CAPTURE)
    CAPTURE(name);
    const bool app = fixture.at("mode") == "app";
    auto adapter = MakeAdapter(app ? AppSettings() : RobotSettings());
    WebhookRequest request = EncryptedPost(fixture.at("plaintext").get<std::string>(), app ? kCorpId : "", kNow,
                                           fixture.at("format") == "json");
    auto parsed = adapter->ParseWebhook(request, kNow + 5);
    REQUIRE(parsed.ok());
    const json& expect = fixture.at("expect");
    if (expect.at("kind") == "ignore") {
      CHECK(parsed->kind == ParsedWebhook::Kind::kIgnore);
      CHECK(parsed->reply.status == 200);
      CHECK(parsed->reply.body.empty());
      continue;
    }
    REQUIRE(parsed->kind == ParsedWebhook::Kind::kMessage);
    const InboundMessage& m = parsed->message;
    CHECK(m.channel == "wecom-test");
    CHECK(m.dedup_key == expect.at("dedup_key").get<std::string>());
    CHECK(m.platform_msg_id == expect.at("platform_msg_id").get<std::string>());
    CHECK(Name(m.chat_type) == expect.at("chat_type").get<std::string>());
    CHECK(m.group_id == expect.at("group_id").get<std::string>());
    CHECK(m.sender_id == expect.at("sender_id").get<std::string>());
    CHECK(m.sender_name == expect.at("sender_name").get<std::string>());
    CHECK(m.text == expect.at("text").get<std::string>());
    CHECK(m.sent_at == expect.value("sent_at", kNow));
    CHECK_FALSE(m.from_bot);
    CHECK(AttachmentsJson(m.attachments) == expect.at("attachments"));
    CHECK(m.reply_context == expect.at("reply_context"));
  }
  CHECK(fixtures.size() >= 10);
}

TEST_CASE("robot_name strips exactly that mention, wherever it stands") {
  json settings = RobotSettings();
  settings["robot_name"] = "网格助手";
  auto adapter = MakeAdapter(settings);
  const std::vector<std::pair<std::string, std::string>> table = {
      {"@网格助手 楼上漏水", "楼上漏水"},
      {"@网格助手\xE2\x80\x85楼上漏水", "楼上漏水"},
      {"请问 @网格助手 楼上漏水", "请问 楼上漏水"},
      {"@网格助手二号 楼上漏水", "@网格助手二号 楼上漏水"},  // a different robot
      {"@网格助手", ""},
  };
  for (const auto& [content_binding, text] : table) {
    const auto& content = content_binding;  // clang 14 cannot capture a structured binding (CAPTURE)
    CAPTURE(content);
    const std::string plaintext =
        "<xml><MsgId>m1</MsgId><ChatId>C</ChatId><ChatType>group</ChatType><From><UserId>u</UserId></From>"
        "<MsgType>text</MsgType><Text><Content><![CDATA[" + content + "]]></Content></Text></xml>";
    auto parsed = adapter->ParseWebhook(EncryptedPost(plaintext, "", kNow), kNow);
    REQUIRE(parsed.ok());
    CHECK(parsed->message.text == text);
  }
}

TEST_CASE("hostile and malformed callbacks are rejected with the right status and nothing crashes") {
  auto robot = MakeAdapter(RobotSettings());
  auto crypt = MsgCrypt::Create(kToken, kAesKey, "");
  REQUIRE(crypt.ok());
  const std::string good_plain =
      "<xml><MsgId>m1</MsgId><ChatId>C</ChatId><ChatType>group</ChatType><From><UserId>u</UserId></From>"
      "<MsgType>text</MsgType><Text><Content>hi</Content></Text></xml>";
  const WebhookRequest good = EncryptedPost(good_plain, "", kNow);
  auto with_body = [&good](std::string body) {
    WebhookRequest r = good;
    r.body = std::move(body);
    return r;
  };
  REQUIRE(robot->ParseWebhook(good, kNow).ok());

  // Signs `body`'s ciphertext correctly, so that only the named defect is left.
  auto signed_post = [&](const std::string& ciphertext) {
    WebhookRequest r = good;
    r.body = "<xml><Encrypt><![CDATA[" + ciphertext + "]]></Encrypt></xml>";
    r.query["msg_signature"] = crypt->Sign(r.query["timestamp"], r.query["nonce"], ciphertext);
    return r;
  };
  auto with_plaintext = [&](const std::string& plaintext) { return signed_post(crypt->Encrypt(plaintext)); };
  auto lying_len = [&]() {
    // random || msg_len = 4096 || 10 bytes: the length claims far more than was sent.
    std::string p = std::string(16, 'r') + std::string("\x00\x00\x10\x00", 4) + "0123456789";
    p.append(32 - p.size() % 32, static_cast<char>(32 - p.size() % 32));
    auto key = crypto::Base64Decode(std::string(kAesKey) + "=");
    REQUIRE(key.ok());
    auto c = crypto::Aes256CbcEncrypt(*key, key->substr(0, 16), p, false);
    REQUIRE(c.ok());
    return signed_post(crypto::Base64Encode(*c));
  };

  struct Case {
    const char* name;
    WebhookRequest request;
    int64_t now;
    int http_status;
  };
  std::vector<Case> cases;
  {
    WebhookRequest r = good;
    r.query["msg_signature"][0] = r.query["msg_signature"][0] == 'a' ? 'b' : 'a';
    cases.push_back({"wrong signature", r, kNow, 401});
  }
  {
    WebhookRequest r = good;
    r.query.erase("msg_signature");
    cases.push_back({"missing signature", r, kNow, 401});
  }
  {
    WebhookRequest r = good;
    size_t at = r.body.find("CDATA[") + 20;
    r.body[at] = r.body[at] == 'A' ? 'B' : 'A';
    cases.push_back({"tampered ciphertext", r, kNow, 401});
  }
  cases.push_back({"stale timestamp", good, kNow + 301, 401});
  cases.push_back({"timestamp from the future", good, kNow - 301, 401});
  {
    WebhookRequest r = good;
    r.query["timestamp"] = "17e8";
    cases.push_back({"timestamp not a number", r, kNow, 401});
  }
  cases.push_back({"bad base64 (signed)", signed_post("%%%not-base64%%%"), kNow, 400});
  cases.push_back({"partial AES block (signed)", signed_post(crypto::Base64Encode(std::string(33, 'x'))), kNow, 400});
  cases.push_back({"msg_len that lies", lying_len(), kNow, 400});
  cases.push_back({"decrypted XML truncated", with_plaintext(good_plain.substr(0, good_plain.size() - 9)), kNow, 400});
  cases.push_back({"decrypted XML with DOCTYPE and entities",
                   with_plaintext("<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b "
                                  "\"&a;&a;&a;&a;&a;&a;&a;&a;\">]><xml><MsgId>m</MsgId><From><UserId>u</UserId></From>"
                                  "<MsgType>text</MsgType><Text><Content>&b;</Content></Text></xml>"),
                   kNow, 400});
  cases.push_back({"decrypted JSON truncated", with_plaintext("{\"msgid\":\"m\",\"from\":{\"userid\":\"u\""), kNow, 400});
  cases.push_back({"decrypted garbage", with_plaintext("\x01\x02 not a payload"), kNow, 400});
  cases.push_back({"decrypted message without sender",
                   with_plaintext("<xml><MsgId>m</MsgId><MsgType>text</MsgType><Text><Content>x</Content></Text></xml>"),
                   kNow, 400});
  cases.push_back({"deeply nested decrypted XML", with_plaintext("<xml>" + std::string(200, '<') + "</xml>"), kNow, 400});
  {
    std::string deep = "<xml>";
    for (int i = 0; i < 100; ++i) deep += "<a>";
    for (int i = 0; i < 100; ++i) deep += "</a>";
    deep += "</xml>";
    cases.push_back({"XML nested 100 deep", with_plaintext(deep), kNow, 400});
    cases.push_back({"JSON nested 100000 deep",
                     with_plaintext("{\"a\":" + std::string(100000, '[') + std::string(100000, ']') + "}"), kNow, 400});
  }
  cases.push_back({"truncated envelope XML", with_body(good.body.substr(0, good.body.size() - 12)), kNow, 400});
  cases.push_back({"envelope with an external entity DOCTYPE",
                   with_body("<!DOCTYPE xml [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>" + good.body), kNow, 400});
  cases.push_back({"envelope without Encrypt", with_body("<xml><ToUserName>x</ToUserName></xml>"), kNow, 400});
  cases.push_back({"empty body", with_body(""), kNow, 400});
  cases.push_back({"JSON envelope with a numeric encrypt", with_body("{\"encrypt\": 12}"), kNow, 401});
  cases.push_back({"oversized ciphertext",
                   with_body("<xml><Encrypt>" + std::string(MsgCrypt::kMaxCiphertextLength + 4, 'A') + "</Encrypt></xml>"),
                   kNow, 413});
  {
    WebhookRequest r = good;
    r.method = "PUT";
    cases.push_back({"unsupported method", r, kNow, 400});
  }
  {
    WebhookRequest r = good;
    r.method = "GET";
    r.body.clear();
    cases.push_back({"URL verification without echostr", r, kNow, 400});
  }
  {
    // A message encrypted for an app (receive id = CorpID) replayed at the robot channel.
    cases.push_back({"receive id of another corp", EncryptedPost(good_plain, kCorpId, kNow), kNow, 401});
  }

  for (const auto& c : cases) {
    CAPTURE(c.name);
    auto parsed = robot->ParseWebhook(c.request, c.now);
    REQUIRE_FALSE(parsed.ok());
    CHECK(HttpStatusFor(parsed.status()) == c.http_status);
    WebhookReply reply = robot->RenderError(parsed.status());
    CHECK(reply.status == c.http_status);
    CHECK(json::parse(reply.body, nullptr, false).contains("error"));
  }
}

TEST_CASE("a refused WebhookUrl is logged with its host, never its key") {
  std::vector<json> logged;
  AdapterEnv env;
  env.log = [&](std::string_view level, std::string_view msg, const json& fields) {
    logged.push_back({{"level", level}, {"msg", msg}, {"fields", fields}});
  };
  auto adapter = MakeAdapter(RobotSettings(), env);
  auto parsed = adapter->ParseWebhook(
      EncryptedPost("<xml><WebhookUrl>http://10.0.0.1:8080/cgi-bin/webhook/send?key=secret-key</WebhookUrl>"
                    "<MsgId>m</MsgId><ChatId>C</ChatId><ChatType>group</ChatType><From><UserId>u</UserId></From>"
                    "<MsgType>text</MsgType><Text><Content>hi</Content></Text></xml>",
                    "", kNow),
      kNow);
  REQUIRE(parsed.ok());
  CHECK_FALSE(parsed->message.reply_context.contains("webhook_url"));
  REQUIRE(logged.size() == 1);
  CHECK(logged[0]["level"] == "warn");
  CHECK(logged[0]["fields"]["host"] == "10.0.0.1:8080");
  CHECK(logged[0].dump().find("secret-key") == std::string::npos);
}

TEST_CASE("the freshness window is configurable and 0 turns it off") {
  json settings = RobotSettings();
  settings["freshness_seconds"] = 10;
  auto strict = MakeAdapter(settings);
  settings["freshness_seconds"] = 0;
  auto off = MakeAdapter(settings);
  const WebhookRequest r = EncryptedPost(
      "<xml><MsgId>m1</MsgId><ChatId>C</ChatId><ChatType>group</ChatType><From><UserId>u</UserId></From>"
      "<MsgType>text</MsgType><Text><Content>hi</Content></Text></xml>",
      "", kNow);
  CHECK(strict->ParseWebhook(r, kNow + 10).ok());
  CHECK(strict->ParseWebhook(r, kNow + 11).status().code() == StatusCode::kUnauthenticated);
  CHECK(off->ParseWebhook(r, kNow + 86400 * 365).ok());
}

TEST_CASE("a byte-identical retry parses to the same dedup key") {
  auto adapter = MakeAdapter(RobotSettings());
  const WebhookRequest r = EncryptedPost(
      "<xml><MsgId>retry-1</MsgId><ChatId>C</ChatId><ChatType>group</ChatType><From><UserId>u</UserId></From>"
      "<MsgType>text</MsgType><Text><Content>hi</Content></Text></xml>",
      "", kNow);
  auto first = adapter->ParseWebhook(r, kNow);
  auto second = adapter->ParseWebhook(r, kNow + 6);
  REQUIRE(first.ok());
  REQUIRE(second.ok());
  CHECK(first->message.dedup_key == "retry-1");
  CHECK(second->message.dedup_key == first->message.dedup_key);
}

TEST_CASE("messages without a MsgId from one sender in the same second keep apart, a retry still matches") {
  // Robot mode keys them by sender and the callback's time; app mode by sender and CreateTime.
  struct Mode {
    const char* name;
    json settings;
    std::string receive_id;
    std::string first, second;
  };
  const std::vector<Mode> modes = {
      {"robot", RobotSettings(), "",
       "<xml><ChatId>C</ChatId><ChatType>group</ChatType><From><UserId>u</UserId></From>"
       "<MsgType>text</MsgType><Text><Content>3栋电梯坏了</Content></Text></xml>",
       "<xml><ChatId>C</ChatId><ChatType>group</ChatType><From><UserId>u</UserId></From>"
       "<MsgType>text</MsgType><Text><Content>5栋也停水了</Content></Text></xml>"},
      {"app", AppSettings(), kCorpId,
       "<xml><ToUserName>corp</ToUserName><FromUserName>u</FromUserName><CreateTime>1699999999</CreateTime>"
       "<MsgType>text</MsgType><Content>3栋电梯坏了</Content><AgentID>1</AgentID></xml>",
       "<xml><ToUserName>corp</ToUserName><FromUserName>u</FromUserName><CreateTime>1699999999</CreateTime>"
       "<MsgType>text</MsgType><Content>5栋也停水了</Content><AgentID>1</AgentID></xml>"},
  };
  for (const auto& mode : modes) {
    CAPTURE(mode.name);
    auto adapter = MakeAdapter(mode.settings);
    auto a = adapter->ParseWebhook(EncryptedPost(mode.first, mode.receive_id, kNow), kNow);
    auto b = adapter->ParseWebhook(EncryptedPost(mode.second, mode.receive_id, kNow), kNow);
    auto retry = adapter->ParseWebhook(EncryptedPost(mode.first, mode.receive_id, kNow, false, "99"), kNow + 5);
    REQUIRE(a.ok());
    REQUIRE(b.ok());
    REQUIRE(retry.ok());
    REQUIRE(a->kind == ParsedWebhook::Kind::kMessage);
    CHECK(a->message.dedup_key.rfind("from:u:", 0) == 0);
    CHECK(a->message.dedup_key != b->message.dedup_key);
    CHECK(retry->message.dedup_key == a->message.dedup_key);
  }
}

// Opens a passive reply the way WeCom would: verify the signature, decrypt, parse.
PayloadNode OpenReply(const WebhookReply& reply, const std::string& receive_id, bool json_format) {
  auto crypt = MsgCrypt::Create(kToken, kAesKey, receive_id);
  REQUIRE(crypt.ok());
  auto envelope = json_format ? ParseJsonPayload(reply.body) : ParseXmlPayload(reply.body);
  REQUIRE(envelope.ok());
  const std::string encrypted = envelope->Get({"Encrypt"});
  const std::string signature = envelope->Get({"MsgSignature"});
  const std::string timestamp = envelope->Get({"TimeStamp"});
  const std::string nonce = envelope->Get({"Nonce"});
  REQUIRE_FALSE(nonce.empty());
  CHECK(crypt->Verify(signature, timestamp, nonce, encrypted).ok());
  auto plain = crypt->Decrypt(encrypted);
  REQUIRE(plain.ok());
  auto node = json_format ? ParseJsonPayload(*plain) : ParseXmlPayload(*plain);
  REQUIRE(node.ok());
  return std::move(*node);
}

TEST_CASE("acknowledgements are empty without passive text and encrypted replies with it") {
  ManualClock clock(kNow * 1000000);
  AdapterEnv env;
  env.clock = &clock;
  auto robot = MakeAdapter(RobotSettings(), env);
  auto parsed = robot->ParseWebhook(
      EncryptedPost("<xml><MsgId>m1</MsgId><ChatId>C</ChatId><ChatType>group</ChatType><From><UserId>zhangsan</UserId>"
                    "</From><MsgType>text</MsgType><Text><Content>@R 电梯坏了</Content></Text></xml>",
                    "", kNow),
      kNow);
  REQUIRE(parsed.ok());
  const InboundMessage& m = parsed->message;

  WebhookReply empty = robot->Acknowledge(m, AckInfo{false, 7, ""});
  CHECK(empty.status == 200);
  CHECK(empty.body.empty());
  CHECK(robot->Acknowledge(m, AckInfo{true, 7, ""}).body.empty());

  WebhookReply reply = robot->Acknowledge(m, AckInfo{false, 7, "已收到，工单 #7 ]]> 已派给网格员"});
  CHECK(reply.status == 200);
  CHECK(reply.content_type == "application/xml");
  PayloadNode plain = OpenReply(reply, "", false);
  CHECK(plain.Get({"MsgType"}) == "text");
  CHECK(plain.Get({"Text", "Content"}) == "已收到，工单 #7 ]]> 已派给网格员");
  CHECK(plain.Get({"Text", "MentionedList", "Item"}) == "zhangsan");

  // A JSON callback gets a JSON reply.
  auto parsed_json = robot->ParseWebhook(
      EncryptedPost(json{{"msgid", "m2"}, {"chatid", "C"}, {"chattype", "group"}, {"from", {{"userid", "lisi"}}},
                         {"msgtype", "text"}, {"text", {{"content", "@R hi"}}}}
                        .dump(),
                    "", kNow, true),
      kNow);
  REQUIRE(parsed_json.ok());
  WebhookReply json_reply = robot->Acknowledge(parsed_json->message, AckInfo{false, 8, "收到"});
  CHECK(json_reply.content_type == "application/json");
  PayloadNode json_plain = OpenReply(json_reply, "", true);
  CHECK(json_plain.Get({"msgtype"}) == "text");
  CHECK(json_plain.Get({"text", "content"}) == "收到");
  CHECK(json_plain.Get({"text", "mentioned_list"}) == "lisi");

  // App mode answers the user, from the corp, with the receive id = CorpID.
  auto app = MakeAdapter(AppSettings(), env);
  auto app_parsed = app->ParseWebhook(
      EncryptedPost("<xml><ToUserName>wx5823bf96d3bd56c7</ToUserName><FromUserName>mycreate</FromUserName><CreateTime>"
                    "1700000000</CreateTime><MsgType>text</MsgType><Content>hi</Content><MsgId>1</MsgId></xml>",
                    kCorpId, kNow),
      kNow);
  REQUIRE(app_parsed.ok());
  PayloadNode app_plain = OpenReply(app->Acknowledge(app_parsed->message, AckInfo{false, 9, "好的"}), kCorpId, false);
  CHECK(app_plain.Get({"ToUserName"}) == "mycreate");
  CHECK(app_plain.Get({"FromUserName"}) == kCorpId);
  CHECK(app_plain.Get({"CreateTime"}) == std::to_string(kNow));
  CHECK(app_plain.Get({"Content"}) == "好的");
}

TEST_CASE("simulated callbacks are accepted by a channel with the same credentials") {
  for (const char* mode : {"robot", "app"}) {
    CAPTURE(mode);
    json settings = std::string(mode) == "app" ? AppSettings() : RobotSettings();
    settings["robot_key"] = "k-123";
    auto adapter = MakeAdapter(settings);
    SimulatedMessage sim;
    sim.group_id = std::string(mode) == "robot" ? "wrkGroup1" : "";
    sim.sender_id = "zhangsan";
    sim.sender_name = "张三";
    sim.text = "楼道灯坏了 <b>&amp;</b> ]]>";
    sim.msg_id = "sim-1";
    sim.now_seconds = kNow;
    auto request = adapter->BuildCallback(sim);
    REQUIRE(request.ok());
    CHECK(request->method == "POST");
    CHECK(request->query.count("msg_signature") == 1);
    auto parsed = adapter->ParseWebhook(*request, kNow + 1);
    REQUIRE(parsed.ok());
    REQUIRE(parsed->kind == ParsedWebhook::Kind::kMessage);
    CHECK(parsed->message.text == sim.text);
    CHECK(parsed->message.sender_id == "zhangsan");
    CHECK(parsed->message.dedup_key == "sim-1");
    CHECK(parsed->message.group_id == sim.group_id);
    if (std::string(mode) == "robot") {
      CHECK(parsed->message.sender_name == "张三");
      CHECK(parsed->message.reply_context["webhook_url"] ==
            "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k-123");
    }
  }
  // A different token must not accept it.
  auto sender = MakeAdapter(RobotSettings());
  json other = RobotSettings();
  other["token"] = "another-token";
  auto receiver = MakeAdapter(other);
  SimulatedMessage sim;
  sim.group_id = "g";
  sim.sender_id = "u";
  sim.text = "x";
  sim.now_seconds = kNow;
  auto request = sender->BuildCallback(sim);
  REQUIRE(request.ok());
  CHECK(receiver->ParseWebhook(*request, kNow).status().code() == StatusCode::kUnauthenticated);
  // App channels have no groups to simulate.
  auto app = MakeAdapter(AppSettings());
  CHECK(app->BuildCallback(sim).status().code() == StatusCode::kInvalidArgument);
}

}  // TEST_SUITE

}  // namespace
}  // namespace gridrelay::wecom

namespace gridrelay::wecom {
namespace {

using namespace gridrelay::wecom::testing;

TEST_SUITE("wecom adapter") {

TEST_CASE("randomly mutated callbacks, signed and unsigned, get a 2xx or 4xx and never crash") {
  auto robot = MakeAdapter(RobotSettings());
  auto crypt = MsgCrypt::Create(kToken, kAesKey, "");
  REQUIRE(crypt.ok());
  const std::string plain =
      "<xml><WebhookUrl><![CDATA[https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k]]></WebhookUrl>"
      "<MsgId>m1</MsgId><ChatId>C</ChatId><ChatType>group</ChatType><From><UserId>u</UserId><Name>N</Name></From>"
      "<MsgType>mixed</MsgType><MixedMessage><MsgItem><MsgType>text</MsgType><Text><Content><![CDATA[@R hi]]>"
      "</Content></Text></MsgItem></MixedMessage></xml>";
  uint64_t state = 0x9E3779B97F4A7C15ull;  // fixed seed: failures reproduce
  auto next = [&state] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  auto mutate = [&](std::string s) {
    const int edits = 1 + static_cast<int>(next() % 4);
    for (int i = 0; i < edits && !s.empty(); ++i) {
      const size_t at = next() % s.size();
      switch (next() % 3) {
        case 0: s[at] = static_cast<char>(next() & 0xFF); break;
        case 1: s.erase(at, 1 + next() % 8); break;
        default: s.insert(at, std::string(1 + next() % 4, "<>&]/\"{"[next() % 7])); break;
      }
    }
    return s;
  };
  int accepted = 0;
  for (int i = 0; i < 3000; ++i) {
    WebhookRequest request;
    request.method = "POST";
    const std::string timestamp = "1700000000";
    const std::string nonce = "42";
    // Half the cases mutate the plaintext and sign it properly, so the parsers see garbage;
    // the other half mutate the signed envelope, so verification sees it.
    const std::string encrypted = crypt->Encrypt(i % 2 == 0 ? mutate(plain) : plain);
    request.body = "<xml><Encrypt><![CDATA[" + encrypted + "]]></Encrypt></xml>";
    request.query = {{"msg_signature", crypt->Sign(timestamp, nonce, encrypted)}, {"timestamp", timestamp}, {"nonce", nonce}};
    if (i % 2 == 1) request.body = mutate(request.body);
    auto parsed = robot->ParseWebhook(request, 1700000000);
    if (parsed.ok()) {
      ++accepted;
      CHECK(parsed->reply.status == 200);
    } else {
      const int status = HttpStatusFor(parsed.status());
      CHECK(status >= 400);
      CHECK(status < 500);
    }
  }
  CHECK(accepted > 0);  // some mutations leave a valid message (e.g. inside the text)
}

}  // TEST_SUITE

}  // namespace
}  // namespace gridrelay::wecom
