// End to end for WeCom: a real gateway on loopback (tests/support/test_gateway.h) with a
// `wecom` channel in group-robot mode whose api_base is a recording fake WeCom. An encrypted,
// signed callback goes in; a ticket, a staff notification and a group reply through the
// callback's WebhookUrl come out.
#include <doctest/doctest.h>

#include <httplib.h>

#include <chrono>
#include <ctime>
#include <string>
#include <thread>

#include "util/crypto.h"
#include "adapters/wecom/msg_crypt.h"
#include "adapters/wecom/wecom.h"
#include "tests/adapters/wecom/wecom_test_util.h"
#include "tests/support/fake_http_server.h"
#include "tests/support/test_gateway.h"

namespace gridrelay::wecom {
namespace {

namespace gt = gridrelay::testing;
namespace wt = gridrelay::wecom::testing;

constexpr const char* kChannel = "wecom-e2e";
constexpr const char* kGroup = "wrkE2EGroup";
constexpr const char* kFacilities = "3栋楼道灯坏了好几天了,晚上太黑";

// A gateway with a WeCom robot channel whose API is `wecom`.
struct WecomGateway {
  gt::FakeHttpServer wecom;
  std::unique_ptr<gt::TestGateway> gateway;

  // `worker` is grid-w's worker; `extra_staff` goes under routing.yaml's staff.
  explicit WecomGateway(const std::string& worker = "w-a", const std::string& extra_staff = "") {
    wecom.On("/cgi-bin/webhook/send", [](const gt::RecordedRequest&) {
      return gt::FakeResponse{200, R"({"errcode":0,"errmsg":"ok"})", "application/json"};
    });
    gt::TestGatewayOptions o;
    o.extra_channels = std::string("  ") + kChannel + ":\n    type: wecom\n    mode: robot\n    token: " + wt::kToken +
                       "\n    encoding_aes_key: " + wt::kAesKey + "\n    api_base: " + wecom.url() +
                       "\n    robot_key: configured-key\n";
    o.extra_grids = std::string("  - {id: grid-w, name: 企微网格, community: c, worker: w-a, groups: [{channel: ") +
                    kChannel + ", group: " + kGroup + "}]}\n";
    o.extra_grids.replace(o.extra_grids.find("worker: w-a"), 11, "worker: " + worker);
    o.extra_staff = extra_staff;
    gateway = std::make_unique<gt::TestGateway>(o);
  }

  // The robot callback WeCom would send for `text` by `sender` in kGroup, as an HTTP path + body.
  std::pair<std::string, std::string> Callback(const std::string& msg_id, const std::string& text,
                                               const std::string& sender = "zhangsan") const {
    const std::string plain = "<xml><WebhookUrl><![CDATA[" + wecom.url("/cgi-bin/webhook/send?key=callback-" + sender) +
                              "]]></WebhookUrl><MsgId>" + msg_id + "</MsgId><ChatId><![CDATA[" + kGroup +
                              "]]></ChatId><ChatType>group</ChatType><From><UserId>" + sender +
                              "</UserId><Name><![CDATA[张三]]></Name></From><MsgType>text</MsgType><Text><Content>"
                              "<![CDATA[@网格助手 " + text + "]]></Content></Text></xml>";
    WebhookRequest r = wt::EncryptedPost(plain, "", std::time(nullptr));
    return {Path(r), r.body};
  }

  static std::string Path(const WebhookRequest& r) {
    std::string path = std::string("/webhook/wecom/") + kChannel;
    char sep = '?';
    for (const auto& [k, v] : r.query) {
      path += sep + k + "=" + crypto::UrlEncode(v);
      sep = '&';
    }
    return path;
  }

  int64_t TicketCount() const {
    auto j = gateway->Api("/api/v1/tickets?limit=500");
    return j.is_object() ? static_cast<int64_t>(j["tickets"].size()) : -1;
  }
};

TEST_SUITE("wecom e2e") {

TEST_CASE("an encrypted robot callback opens a ticket, notifies the worker and replies in the group") {
  WecomGateway w;
  auto [path, body] = w.Callback("e2e-msg-1", kFacilities);
  httplib::Client client = w.gateway->Client();
  auto res = client.Post(path.c_str(), body, "text/xml");
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(res->body.empty());  // no passive reply: the group reply goes through the WebhookUrl

  REQUIRE(w.gateway->receiver().WaitFor(1, "/staff"));
  REQUIRE(w.wecom.WaitFor(1, "/cgi-bin/webhook/send"));
  auto tickets = w.gateway->Api("/api/v1/tickets");
  REQUIRE(tickets["tickets"].size() == 1);
  const auto& ticket = tickets["tickets"][0];
  CHECK(ticket["category"] == "appeal");
  CHECK(ticket["grid"] == "grid-w");
  CHECK(ticket["text"] == kFacilities);  // the @-mention of the robot is gone

  auto staff = w.gateway->receiver().Requests("/staff")[0].Json();
  CHECK(staff["user_id"] == "w-a");
  CHECK(staff["text"].get<std::string>().find(kFacilities) != std::string::npos);

  const gt::RecordedRequest reply = w.wecom.Requests("/cgi-bin/webhook/send")[0];
  CHECK(reply.query.at("key") == "callback-zhangsan");  // the callback's own WebhookUrl, not robot_key
  const auto reply_body = reply.Json();
  CHECK(reply_body["msgtype"] == "text");
  CHECK(reply_body["chatid"] == kGroup);
  CHECK(reply_body["text"]["mentioned_list"] == nlohmann::json::array({"zhangsan"}));
  const std::string text = reply_body["text"]["content"];
  CHECK(text.find(ticket["number"].get<std::string>()) != std::string::npos);
  CHECK(text.find("楼道灯") == std::string::npos);
}

TEST_CASE("WeCom re-sending the same callback gets 200 and is processed once") {
  WecomGateway w;
  auto [path, body] = w.Callback("e2e-dup-1", kFacilities);
  httplib::Client client = w.gateway->Client();
  auto first = client.Post(path.c_str(), body, "text/xml");
  REQUIRE(first);
  CHECK(first->status == 200);
  REQUIRE(w.wecom.WaitFor(1, "/cgi-bin/webhook/send"));
  auto second = client.Post(path.c_str(), body, "text/xml");  // byte-identical
  REQUIRE(second);
  CHECK(second->status == 200);
  CHECK(second->body.empty());
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  CHECK(w.TicketCount() == 1);
  CHECK(w.wecom.Requests("/cgi-bin/webhook/send").size() == 1);
  CHECK(w.gateway->receiver().Requests("/staff").size() == 1);
}

TEST_CASE("URL verification through the gateway answers the decrypted echostr") {
  WecomGateway w;
  auto crypt = MsgCrypt::Create(wt::kToken, wt::kAesKey, "");
  REQUIRE(crypt.ok());
  const std::string echostr = crypt->Encrypt("5927845219044728357");
  const std::string ts = std::to_string(std::time(nullptr));
  WebhookRequest r;
  r.query = {{"msg_signature", crypt->Sign(ts, "77", echostr)}, {"timestamp", ts}, {"nonce", "77"}, {"echostr", echostr}};
  httplib::Client client = w.gateway->Client();
  auto res = client.Get(WecomGateway::Path(r).c_str());
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(res->body == "5927845219044728357");
  CHECK(w.TicketCount() == 0);
}

TEST_CASE("forged, stale, malformed and oversized callbacks are refused by the gateway and store nothing") {
  WecomGateway w;
  httplib::Client client = w.gateway->Client();
  auto [path, body] = w.Callback("e2e-bad-1", kFacilities);

  std::string forged = path;
  forged.replace(forged.find("msg_signature=") + 14, 4, "0000");
  auto r1 = client.Post(forged.c_str(), body, "text/xml");
  REQUIRE(r1);
  CHECK(r1->status == 401);

  const std::string plain = "<xml><MsgId>old</MsgId><ChatId>x</ChatId><ChatType>group</ChatType><From><UserId>u</UserId>"
                            "</From><MsgType>text</MsgType><Text><Content>hi</Content></Text></xml>";
  WebhookRequest stale = wt::EncryptedPost(plain, "", std::time(nullptr) - 3600);
  auto r2 = client.Post(WecomGateway::Path(stale).c_str(), stale.body, "text/xml");
  REQUIRE(r2);
  CHECK(r2->status == 401);

  auto r3 = client.Post(path.c_str(), "<xml><Encrypt><![CDATA[", "text/xml");
  REQUIRE(r3);
  CHECK(r3->status == 400);

  // Over the server's body cap (64 KiB in the test gateway): refused, or the connection closed.
  const std::string huge = "<xml><Encrypt><![CDATA[" + std::string(200 * 1024, 'A') + "]]></Encrypt></xml>";
  auto r4 = client.Post(path.c_str(), huge, "text/xml");
  CHECK((!r4 || r4->status == 413));

  CHECK(w.TicketCount() == 0);
}

TEST_CASE("a simulated callback (gridrelay simulate) is accepted like a real one") {
  WecomGateway w;
  // The CLI builds the callback from the channel's own settings.
  AdapterRegistry registry;
  Register(registry);
  nlohmann::json settings = wt::RobotSettings();
  settings["api_base"] = w.wecom.url();
  auto adapter = registry.Create(wt::Spec(settings, kChannel), AdapterEnv{});
  REQUIRE(adapter.ok());
  SimulatedMessage sim;
  sim.group_id = kGroup;
  sim.sender_id = "lisi";
  sim.sender_name = "李四";
  sim.text = kFacilities;
  auto request = (*adapter)->BuildCallback(sim);
  REQUIRE(request.ok());
  httplib::Client client = w.gateway->Client();
  auto res = client.Post(WecomGateway::Path(*request).c_str(), request->body, "text/xml");
  REQUIRE(res);
  CHECK(res->status == 200);
  REQUIRE(w.wecom.WaitFor(1, "/cgi-bin/webhook/send"));
  CHECK(w.TicketCount() == 1);
  CHECK(w.wecom.Requests("/cgi-bin/webhook/send")[0].Json()["text"]["mentioned_list"] ==
        nlohmann::json::array({"lisi"}));
}

TEST_CASE("the closed loop on a WeCom group robot: commands and the answer @-mention the robot") {
  // grid-w's worker 网格员戊 writes from her WeCom account `wangwu`; the robot hears only @-mentions.
  WecomGateway w("w-wu", "  - {id: w-wu, name: 网格员戊, role: grid_worker, accounts: {wecom-e2e: wangwu}, "
                         "notify: {channel: staff, to: w-wu}}\n");
  REQUIRE(w.gateway->gateway().runtime()->FindAdapter(kChannel)->SeesOnlyMentions());
  httplib::Client client = w.gateway->Client();
  auto post = [&](const std::string& msg_id, const std::string& text, const std::string& sender) {
    auto [path, body] = w.Callback(msg_id, text, sender);
    auto res = client.Post(path.c_str(), body, "text/xml");
    REQUIRE(res);
    REQUIRE(res->status == 200);
  };
  // Messages the robot sent with `key` (a callback's WebhookUrl, or robot_key) containing `needle`.
  auto sent = [&](const std::string& key, const std::string& needle) {
    nlohmann::json found;
    gt::WaitUntil([&] {
      for (const auto& r : w.wecom.Requests("/cgi-bin/webhook/send")) {
        const nlohmann::json b = r.Json();
        if (r.query.at("key") == key && b["text"]["content"].get<std::string>().find(needle) != std::string::npos) {
          found = b;
          return true;
        }
      }
      return false;
    });
    return found;
  };
  auto status = [&](int64_t id) {
    return w.gateway->Api("/api/v1/tickets/" + std::to_string(id))["status"].get<std::string>();
  };

  post("loop-1", kFacilities, "zhangsan");
  REQUIRE(gt::WaitUntil([&] { return w.TicketCount() == 1; }));
  const nlohmann::json tickets = w.gateway->Api("/api/v1/tickets")["tickets"];
  const int64_t id = tickets[0]["id"];
  const std::string n = std::to_string(id);
  CHECK(tickets[0]["assignee"]["id"] == "w-wu");

  post("loop-2", "接单 " + n, "wangwu");
  REQUIRE(gt::WaitUntil([&] { return status(id) == "accepted"; }));
  // Her answer through her message's WebhookUrl; the resident's note, which has no callback
  // of its own, through the configured robot, @-mentioning her.
  CHECK(sent("callback-wangwu", "已受理工单#" + n)["text"]["mentioned_list"] == nlohmann::json::array({"wangwu"}));
  const nlohmann::json progress = sent("configured-key", "工单#" + n + " 已由网格员戊受理");
  REQUIRE(progress.is_object());
  CHECK(progress["chatid"] == kGroup);
  CHECK(progress["text"]["mentioned_list"] == nlohmann::json::array({"zhangsan"}));

  post("loop-3", "办结 " + n + " 灯已更换", "wangwu");
  REQUIRE(gt::WaitUntil([&] { return status(id) == "resolved"; }));
  const nlohmann::json asked = sent("configured-key", "满意请@我回复1");
  REQUIRE(asked.is_object());
  CHECK(asked["text"]["content"].get<std::string>().find("已办结：灯已更换") != std::string::npos);

  // A bare "1" never reaches the gateway on this platform; her "@网格助手 1" does, and the
  // adapter strips the mention.
  post("loop-4", "1", "zhangsan");
  REQUIRE(gt::WaitUntil([&] { return status(id) == "closed"; }));
  CHECK(w.gateway->Api("/api/v1/tickets/" + std::to_string(id))["satisfaction"] == "satisfied");
  CHECK(sent("configured-key", "感谢您的评价").is_object());

  const nlohmann::json stats = w.gateway->Api("/api/v1/stats?group_by=grid");
  REQUIRE(stats["groups"].size() == 1);
  const nlohmann::json row = stats["groups"][0];
  CHECK(row["key"] == "grid-w");
  CHECK(row["response_rate"] == 1.0);
  CHECK(row["resolution_rate"] == 1.0);
  CHECK(row["satisfaction_rate"] == 1.0);
}

}  // TEST_SUITE

}  // namespace
}  // namespace gridrelay::wecom
