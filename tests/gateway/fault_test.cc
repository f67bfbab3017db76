// The whole gateway on a fault-injecting store (gateway/store/testing/fault_store.h): a full
// disk, and delivery outcomes that cannot be recorded. Real server, real SQLite underneath, real
// HTTP receiver on loopback.
#include <doctest/doctest.h>

#include <atomic>

#include "gateway/store/testing/fault_store.h"
#include "tests/support/test_gateway.h"

namespace gridrelay::testing {
namespace {

// A factory that wraps the real engine and hands the test a pointer to the wrapper.
StoreFactory Faulty(FaultStore** out) {
  return [out](const std::string& url) -> StatusOr<std::unique_ptr<Store>> {
    auto engine = OpenStore(url);
    if (!engine.ok()) return engine.status();
    auto fault = std::make_unique<FaultStore>(std::move(*engine));
    *out = fault.get();
    return std::unique_ptr<Store>(std::move(fault));
  };
}

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
  TEST_CASE("a full disk answers webhooks 503 and fails readiness; both recover when space returns") {
    FaultStore* fault = nullptr;
    TestGatewayOptions o;
    o.store_factory = Faulty(&fault);
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

  TEST_CASE("a send whose outcome cannot be recorded is not sent again before its lease ends") {
    FaultStore* fault = nullptr;
    TestGatewayOptions o;
    o.store_factory = Faulty(&fault);
    o.delivery = "  workers: 2\n  max_attempts: 4\n  backoff_initial_ms: 50\n  backoff_max_ms: 200\n  lease_seconds: 3\n";
    TestGateway gw(o);
    fault->FailOutcomes(true);
    auto r = gw.PostGeneric(TestGateway::Message("m1", "g1", "3栋楼道灯坏了"));
    REQUIRE(r);
    REQUIRE(r->status == 200);
    const int64_t id = nlohmann::json::parse(r->body)["message_id"];
    const std::string key = "m" + std::to_string(id) + ":group_ack";
    REQUIRE(gw.receiver().WaitFor(1, "/group"));
    // The old dispatcher sent the row again on every pass (hundreds of copies per second).
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    CHECK(CountKey(gw.receiver().Requests("/group"), key) == 1);
    const int64_t refused = fault->refused_writes();
    CHECK(refused >= 1);
    CHECK(refused < 20);  // the dispatcher backs off the store instead of hammering it

    // Space returns: after the lease ends the row is sent again, under the same key, and recorded.
    fault->FailOutcomes(false);
    CHECK(WaitUntil([&] { return CountKey(gw.receiver().Requests("/group"), key) == 2; },
                    std::chrono::seconds(20)));
    CHECK(WaitUntil([&] {
      auto sent = gw.Api("/api/v1/outbox?status=sent");
      for (const auto& row : sent["outbox"])
        if (row["idempotency_key"] == key) return true;
      return false;
    }));
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    CHECK(CountKey(gw.receiver().Requests("/group"), key) == 2);
  }
}

}  // namespace gridrelay::testing
