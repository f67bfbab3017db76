// End to end for the dingtalk channel type: a real gateway on loopback receives a signed
// outgoing-robot callback (built by the adapter's BuildCallback, as `gridrelay simulate` does)
// from an allowed source, opens a ticket, notifies the worker on the staff channel, and replies
// through the conversation's sessionWebhook on a fake DingTalk; a callback from a source that is
// not allowed is refused.
#include <doctest/doctest.h>

#include "adapters/dingtalk/dingtalk_wire.h"
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
