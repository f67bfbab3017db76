// End to end for the onebot channel type: a real gateway on loopback receives a signed
// OneBot v11 event (built by the adapter's BuildCallback, as `gridrelay simulate` does), opens
// a ticket, notifies the worker on the staff channel, and answers the group through a fake
// OneBot HTTP API that checks the access token and the message shape.
#include <doctest/doctest.h>

#include "util/crypto.h"
#include "util/metrics.h"
#include "tests/adapters/common/adapter_e2e_util.h"
#include "tests/support/test_gateway.h"

namespace gridrelay::testing {
namespace {

using nlohmann::json;

const char* kFacilities = "3栋楼道灯坏了好几天了,晚上太黑";

TestGatewayOptions WithOneBot(const FakeHttpServer& qq, int version) {
  TestGatewayOptions o;
  o.extra_channels = "  qq:\n    type: onebot\n    version: " + std::to_string(version) +
                     (version == 11 ? "\n    secret: e2e-secret" : "") +
                     "\n    access_token: api-token\n    self_id: '10000'\n    api_base: " + qq.url() + "\n";
  o.extra_grids = "  - {id: grid-qq, name: QQ网格, community: c, worker: w-a, groups: [{channel: qq, group: '123456'}]}\n";
  return o;
}

json Tickets(const TestGateway& t) { return t.Api("/api/v1/tickets")["tickets"]; }

TEST_SUITE("onebot e2e") {
  TEST_CASE("a signed v11 group message becomes a ticket, a staff notification and a group reply via send_group_msg") {
    FakeHttpServer qq;
    qq.On("/send_group_msg", [](const RecordedRequest&) {
      return FakeResponse{200, R"({"status":"ok","retcode":0,"data":{"message_id":77}})"};
    });
    TestGateway t(WithOneBot(qq, 11));
    const Adapter* adapter = t.gateway().runtime()->FindAdapter("qq");
    REQUIRE(adapter != nullptr);
    auto callback = adapter->BuildCallback({"123456", "20001", "王阿姨", kFacilities, "", SystemClock::Get().NowSeconds()});
    REQUIRE(callback.ok());
    // The callback is signed as the OneBot implementation signs it.
    CHECK(callback->headers.at("x-signature") == "sha1=" + crypto::HexEncode(crypto::HmacSha1("e2e-secret", callback->body)));

    auto res = PostWebhook(t, "/webhook/onebot/qq", *callback);
    REQUIRE(res);
    CHECK(res->status == 200);

    REQUIRE(t.receiver().WaitFor(1, "/staff"));
    REQUIRE(qq.WaitFor(1, "/send_group_msg"));
    json tickets = Tickets(t);
    REQUIRE(tickets.size() == 1);
    CHECK(tickets[0]["category"] == "appeal");
    CHECK(tickets[0]["grid"] == "grid-qq");
    CHECK(t.receiver().Requests("/staff")[0].Json()["user_id"] == "w-a");

    const RecordedRequest sent = qq.Requests("/send_group_msg")[0];
    CHECK(sent.headers.at("authorization") == "Bearer api-token");
    const json body = sent.Json();
    CHECK(body["group_id"] == 123456);
    std::string text;
    for (const json& segment : body["message"]) {
      if (segment["type"] == "text") text += segment["data"]["text"].get<std::string>();
    }
    CHECK(text.find(tickets[0]["number"].get<std::string>()) != std::string::npos);

    // A byte-identical re-delivery: 200, counted as a duplicate, never a second ticket.
    auto again = PostWebhook(t, "/webhook/onebot/qq", *callback);
    REQUIRE(again);
    CHECK(again->status == 200);
    CHECK(t.gateway().metrics()->Counter(metric::kDuplicates, {{"channel", "qq"}}) == 1);
    CHECK(Tickets(t).size() == 1);

    // A forged signature is refused, and a heartbeat is answered 204 without storing anything.
    WebhookRequest forged = *callback;
    forged.headers["x-signature"] = "sha1=" + std::string(40, '0');
    auto refused = PostWebhook(t, "/webhook/onebot/qq", forged);
    REQUIRE(refused);
    CHECK(refused->status == 401);
    WebhookRequest heartbeat;
    heartbeat.body = R"({"time":)" + std::to_string(SystemClock::Get().NowSeconds()) +
                     R"(,"self_id":10000,"post_type":"meta_event","meta_event_type":"heartbeat"})";
    heartbeat.headers["x-signature"] = "sha1=" + crypto::HexEncode(crypto::HmacSha1("e2e-secret", heartbeat.body));
    auto beat = PostWebhook(t, "/webhook/onebot/qq", heartbeat);
    REQUIRE(beat);
    CHECK(beat->status == 204);
  }

  TEST_CASE("a v12 webhook event with the Bearer token is answered through send_message") {
    FakeHttpServer qq;
    qq.On("/", [](const RecordedRequest&) {
      return FakeResponse{200, R"({"status":"ok","retcode":0,"data":{"message_id":"m","time":1.0},"message":""})"};
    });
    TestGateway t(WithOneBot(qq, 12));
    const Adapter* adapter = t.gateway().runtime()->FindAdapter("qq");
    REQUIRE(adapter != nullptr);
    auto callback = adapter->BuildCallback({"123456", "u-1", "", kFacilities, "", SystemClock::Get().NowSeconds()});
    REQUIRE(callback.ok());
    auto res = PostWebhook(t, "/webhook/onebot/qq", *callback);
    REQUIRE(res);
    CHECK(res->status == 200);
    REQUIRE(qq.WaitFor(1, "/"));
    const RecordedRequest sent = qq.Requests("/")[0];
    CHECK(sent.headers.at("authorization") == "Bearer api-token");
    CHECK(sent.Json()["action"] == "send_message");
    CHECK(sent.Json()["params"]["group_id"] == "123456");
    CHECK(Tickets(t).size() == 1);
  }
}

}  // namespace
}  // namespace gridrelay::testing
