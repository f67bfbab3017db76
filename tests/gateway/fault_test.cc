// The whole gateway on a fault-injecting store (gateway/store/testing/fault_store.h): a full
// disk, and delivery outcomes that cannot be recorded. Real server, real SQLite underneath, real
// HTTP receiver on loopback.
#include <doctest/doctest.h>

#include <atomic>
#include <thread>

#include "gateway/core/clock.h"

#include "gateway/store/testing/fault_store.h"
#include "tests/support/test_gateway.h"

namespace gridrelay::testing {
namespace {

size_t CountKey(const std::vector<RecordedRequest>& requests, const std::string& key) {
  size_t n = 0;
  for (const auto& r : requests) {
    auto it = r.headers.find("idempotency-key");
    if (it != r.headers.end() && it->second == key) ++n;
  }
  return n;
}

}  // namespace

TEST_SUITE("faults") {
  TEST_CASE("a full disk answers webhooks 503 and fails readiness, both recover when space returns") {
    FaultStore* fault = nullptr;
    TestGatewayOptions o;
    o.store_factory = FaultStore::Around(OpenStore, &fault);
    TestGateway gw(o);
    REQUIRE(fault != nullptr);
    auto ok = gw.PostGeneric(TestGateway::Message("before", "g1", "3栋楼道灯坏了"));
    REQUIRE(ok);
    CHECK(ok->status == 200);

    fault->FailWrites(true);
    auto refused = gw.PostGeneric(TestGateway::Message("during", "g1", "5栋门禁坏了"));
    REQUIRE(refused);
    CHECK(refused->status == 503);  // not committed: the platform must retry
    auto body = nlohmann::json::parse(refused->body, nullptr, false);
    CHECK(body["error"]["code"] == "unavailable");
    int ready = 0;
    gw.Api("/readyz", &ready);
    CHECK(ready == 503);

    fault->FailWrites(false);
    auto retried = gw.PostGeneric(TestGateway::Message("during", "g1", "5栋门禁坏了"));
    REQUIRE(retried);
    CHECK(retried->status == 200);
    CHECK(nlohmann::json::parse(retried->body)["duplicate"] == false);  // it was never stored
    gw.Api("/readyz", &ready);
    CHECK(ready == 200);
    // Both messages are routed: two acknowledgements reach the group.
    CHECK(gw.receiver().WaitFor(2, "/group"));
  }

  TEST_CASE("a send whose outcome cannot be recorded is not sent again, however long the store stays full") {
    // The re-send storm of issue #13: with outcomes unrecordable, the old dispatcher sent a row
    // again each time its lease ended (here every 5 s of clock time), and forever.
    ManualClock clock(1'800'000'000'000'000);
    FaultStore* fault = nullptr;
    TestGatewayOptions o;
    o.clock = &clock;
    o.store_factory = FaultStore::Around(OpenStore, &fault);
    o.delivery = "  workers: 2\n  backoff_initial_ms: 1000\n  backoff_max_ms: 60000\n  lease_seconds: 5\n";
    TestGateway gw(o);
    fault->FailOutcomes(true);
    auto r = gw.PostGeneric(TestGateway::Message("m1", "g1", "3栋楼道灯坏了"));
    REQUIRE(r);
    REQUIRE(r->status == 200);
    const int64_t id = nlohmann::json::parse(r->body)["message_id"];
    const std::string ack = "m" + std::to_string(id) + ":group_ack";
    REQUIRE(gw.receiver().WaitFor(1, "/group"));
    REQUIRE(gw.receiver().WaitFor(1, "/staff"));

    // A minute of full disk, a second at a time: the rows' leases end a dozen times over.
    for (int i = 0; i < 60; ++i) {
      clock.AdvanceMicros(1'000'000);
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    CHECK(CountKey(gw.receiver().Requests("/group"), ack) == 1);
    CHECK(gw.receiver().Requests("/group").size() == 1);
    CHECK(gw.receiver().Requests("/staff").size() == 1);
    const int64_t refused = fault->refused_writes();
    CHECK(refused >= 1);
    CHECK(refused <= 20);  // the store is retried with its own backoff (100 ms doubling to 10 s)

    // Space returns: the kept outcomes are recorded within one store backoff, nothing is sent again.
    fault->FailOutcomes(false);
    CHECK(WaitUntil([&] {
      clock.AdvanceMicros(500'000);
      auto sent = gw.Api("/api/v1/outbox?status=sent");
      return sent["outbox"].size() == 2;
    }));
    for (int i = 0; i < 30; ++i) {
      clock.AdvanceMicros(1'000'000);
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    CHECK(CountKey(gw.receiver().Requests("/group"), ack) == 1);
    CHECK(gw.receiver().Requests("/staff").size() == 1);
    const nlohmann::json sent = gw.Api("/api/v1/outbox?status=sent");
    REQUIRE(sent["outbox"].size() == 2);
    for (const auto& row : sent["outbox"]) CHECK(row["attempts"] == 1);
  }
}

}  // namespace gridrelay::testing
