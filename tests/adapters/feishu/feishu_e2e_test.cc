// End to end for the feishu channel type: a real gateway on loopback answers the encrypted
// url_verification, receives an encrypted and signed im.message.receive_v1 event (built by the
// adapter's BuildCallback, as `gridrelay simulate` does), opens a ticket, notifies the worker on
// the staff channel, and posts the group reply to a fake custom bot webhook whose signature the
// test verifies.
#include <doctest/doctest.h>

#include "util/crypto.h"
#include "adapters/feishu/feishu_wire.h"
#include "util/metrics.h"
#include "tests/adapters/common/adapter_e2e_util.h"
#include "tests/support/test_gateway.h"

namespace gridrelay::testing {
namespace {

using nlohmann::json;

const char* kFacilities = "3栋楼道灯坏了好几天了,晚上太黑";
const char* kEncryptKey = "e2e-encrypt-key";
const char* kBotSecret = "e2e-bot-secret";

TEST_SUITE("feishu e2e") {
  TEST_CASE("an encrypted, signed Feishu message becomes a ticket, a staff notification and a signed bot reply") {
    FakeHttpServer feishu;
    feishu.On("/open-apis/bot/v2/hook/hook-e2e",
              [](const RecordedRequest&) { return FakeResponse{200, R"({"code":0,"msg":"success","data":{}})"}; });
    TestGatewayOptions o;
    o.extra_channels = std::string("  lark:\n    type: feishu\n    verification_token: vtok-e2e\n    encrypt_key: ") +
                       kEncryptKey + "\n    hook_token: hook-e2e\n    webhook_secret: " + kBotSecret +
                       "\n    api_base: " + feishu.url() + "\n";
    o.extra_grids = "  - {id: grid-lark, name: 飞书网格, community: c, worker: w-a, groups: [{channel: lark, group: oc_e2e}]}\n";
    TestGateway t(o);

    // The handshake, encrypted as Feishu sends it when an Encrypt Key is set.
    WebhookRequest challenge;
    challenge.body = json{{"encrypt", *feishu::Encrypt(kEncryptKey,
                                                       R"({"challenge":"c-e2e","token":"vtok-e2e","type":"url_verification"})",
                                                       crypto::RandomBytes(16))}}
                         .dump();
    auto answered = PostWebhook(t, "/webhook/feishu/lark", challenge);
    REQUIRE(answered);
    CHECK(answered->status == 200);
    CHECK(json::parse(answered->body) == json{{"challenge", "c-e2e"}});

    const Adapter* adapter = t.gateway().runtime()->FindAdapter("lark");
    REQUIRE(adapter != nullptr);
    auto callback = adapter->BuildCallback({"oc_e2e", "ou_resident", "", kFacilities, "", SystemClock::Get().NowSeconds()});
    REQUIRE(callback.ok());
    auto res = PostWebhook(t, "/webhook/feishu/lark", *callback);
    REQUIRE(res);
    CHECK(res->status == 200);

    REQUIRE(t.receiver().WaitFor(1, "/staff"));
    REQUIRE(feishu.WaitFor(1, "/open-apis/bot/v2/hook/hook-e2e"));
    json tickets = t.Api("/api/v1/tickets")["tickets"];
    REQUIRE(tickets.size() == 1);
    CHECK(tickets[0]["grid"] == "grid-lark");
    CHECK(tickets[0]["category"] == "appeal");

    const json body = feishu.Requests("/open-apis/bot/v2/hook/hook-e2e")[0].Json();
    CHECK(body["msg_type"] == "text");
    CHECK(body["content"]["text"].get<std::string>().find(tickets[0]["number"].get<std::string>()) != std::string::npos);
    const int64_t timestamp = std::stoll(body["timestamp"].get<std::string>());
    CHECK(body["sign"] == feishu::BotSign(timestamp, kBotSecret));

    // A re-push of the same event: 200, a duplicate, no second ticket.
    auto again = PostWebhook(t, "/webhook/feishu/lark", *callback);
    REQUIRE(again);
    CHECK(again->status == 200);
    CHECK(t.gateway().metrics()->Counter(metric::kDuplicates, {{"channel", "lark"}}) == 1);
    CHECK(t.Api("/api/v1/tickets")["tickets"].size() == 1);

    // Tampered: the signature no longer matches.
    WebhookRequest tampered = *callback;
    tampered.headers["x-lark-request-nonce"] += "x";
    auto refused = PostWebhook(t, "/webhook/feishu/lark", tampered);
    REQUIRE(refused);
    CHECK(refused->status == 401);
  }
}

}  // namespace
}  // namespace gridrelay::testing
