// Delivery over time (issue #13, item 4): retries on a time horizon rather than a count, dead rows
// put back by POST /api/v1/outbox/retry, and a slow channel that cannot hold the senders the
// others need. A real gateway on loopback; time is a ManualClock except where the slowness
// itself is real (a receiver that takes seconds to answer).
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "gateway/core/clock.h"
#include "tests/support/test_gateway.h"

namespace gridrelay::testing {
namespace {

constexpr int64_t kT0 = 1'800'000'000'000'000;
constexpr int64_t kSecond = 1'000'000;
const char* kFacilities = "3栋楼道灯坏了好几天了,晚上太黑";

size_t CountStatus(const TestGateway& t, const char* status, const char* kind) {
  size_t n = 0;
  const nlohmann::json listed = t.Api(std::string("/api/v1/outbox?limit=500&status=") + status);
  for (const auto& row : listed["outbox"])
    if (row["kind"] == kind) ++n;
  return n;
}

// Moves the clock by `step` `times` times, letting the senders run in between.
void Advance(ManualClock& clock, int times, int64_t step) {
  for (int i = 0; i < times; ++i) {
    clock.AdvanceMicros(step);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

// POST /api/v1/outbox/retry with the admin token: status and parsed body.
std::pair<int, nlohmann::json> Requeue(const TestGateway& t, const std::string& body) {
  httplib::Client c = t.Client();
  httplib::Headers h = {{"Authorization", std::string("Bearer ") + TestGateway::kToken}};
  auto r = c.Post("/api/v1/outbox/retry", h, body, "application/json");
  if (!r) return {0, nullptr};
  return {r->status, nlohmann::json::parse(r->body, nullptr, false)};
}

}  // namespace

TEST_SUITE("delivery") {
  TEST_CASE("a platform down for half an hour, far past the old 8-attempt window, gets every row once it is back") {
    ManualClock clock(kT0);
    TestGatewayOptions o;
    o.clock = &clock;
    o.delivery = "  workers: 2\n  backoff_initial_ms: 1000\n  backoff_max_ms: 180000\n  retry_horizon_seconds: 86400\n";
    std::atomic<bool> down{true};  // before the gateway, which may still send while it stops
    TestGateway t(o);
    t.receiver().On("/group", [&](const RecordedRequest&) { return down ? FakeResponse{503, "{}"} : FakeResponse{}; });
    for (int i = 0; i < 10; ++i)
      REQUIRE(t.PostGeneric(TestGateway::Message("down-" + std::to_string(i), "g1", kFacilities))->status == 200);
    REQUIRE(t.receiver().WaitFor(10, "/group"));

    Advance(clock, 180, 10 * kSecond);  // 30 minutes
    CHECK(CountStatus(t, "dead", "group_ack") == 0);
    CHECK(CountStatus(t, "pending", "group_ack") == 10);
    const size_t tries = t.receiver().Requests("/group").size();
    CHECK(tries > 10 * 8);   // more than the old 8 attempts each
    CHECK(tries < 10 * 30);  // but the backoff, capped at 3 min, keeps them sparse

    down = false;
    CHECK(WaitUntil([&] {
      clock.AdvanceMicros(10 * kSecond);
      return CountStatus(t, "sent", "group_ack") == 10;
    }, std::chrono::seconds(30)));
    CHECK(CountStatus(t, "dead", "group_ack") == 0);
  }

  TEST_CASE("past its horizon a row is dead, POST /api/v1/outbox/retry puts it back by id, destination or channel") {
    ManualClock clock(kT0);
    TestGatewayOptions o;
    o.clock = &clock;
    o.delivery = "  workers: 2\n  backoff_initial_ms: 1000\n  backoff_max_ms: 60000\n  retry_horizon_seconds: 300\n";
    std::atomic<bool> down{true};  // before the gateway, which may still send while it stops
    TestGateway t(o);
    t.receiver().On("/group", [&](const RecordedRequest&) { return down ? FakeResponse{503, "{}"} : FakeResponse{}; });
    REQUIRE(t.PostGeneric(TestGateway::Message("h1", "g1", kFacilities))->status == 200);
    REQUIRE(t.PostGeneric(TestGateway::Message("h2", "g3", kFacilities))->status == 200);
    REQUIRE(t.receiver().WaitFor(2, "/group"));
    Advance(clock, 20, 10 * kSecond);  // 200 s: inside the horizon
    CHECK(CountStatus(t, "dead", "group_ack") == 0);
    CHECK(WaitUntil([&] {
      clock.AdvanceMicros(10 * kSecond);
      return CountStatus(t, "dead", "group_ack") == 2;
    }));
    auto dead = t.Api("/api/v1/outbox?status=dead")["outbox"];
    REQUIRE(dead.size() == 2);
    const int64_t dead_id = dead[0]["id"];
    const std::string other_destination = dead[1]["destination"];
    CHECK(other_destination.rfind("demo|", 0) == 0);

    // Bad requests are JSON errors and change nothing.
    for (const char* bad : {"not json", "[]", "{}", "{\"id\": \"7\"}", "{\"id\": 0}", "{\"id\": 1.5}",
                            "{\"channel\": 5}", "{\"destination\": \"\"}", "{\"colour\": \"red\"}",
                            "{\"id\": 18446744073709551615}"}) {
      CAPTURE(bad);
      auto [status, body] = Requeue(t, bad);
      CHECK(status == 400);
      CHECK(body["error"]["code"] == "invalid_argument");
    }
    {
      auto [status, body] = Requeue(t, "{\"id\": 999999}");
      CHECK(status == 404);
      CHECK(body["error"]["code"] == "not_found");
    }
    CHECK(CountStatus(t, "dead", "group_ack") == 2);

    // Requeued while the platform is still down: the horizon restarts, so a failure is retried.
    {
      auto [status, body] = Requeue(t, "{\"channel\": \"demo\"}");
      CHECK(status == 200);
      CHECK(body["requeued"] == 2);
    }
    const size_t before = t.receiver().Requests("/group").size();
    Advance(clock, 12, 10 * kSecond);
    CHECK(t.receiver().Requests("/group").size() > before);
    CHECK(CountStatus(t, "dead", "group_ack") == 0);
    CHECK(WaitUntil([&] {
      clock.AdvanceMicros(10 * kSecond);
      return CountStatus(t, "dead", "group_ack") == 2;
    }));

    // The platform is back: one row by id, the other by its destination.
    down = false;
    CHECK(Requeue(t, "{\"id\": " + std::to_string(dead_id) + "}").second["requeued"] == 1);
    CHECK(Requeue(t, "{\"destination\": \"" + other_destination + "\"}").second["requeued"] == 1);
    CHECK(Requeue(t, "{\"channel\": \"demo\"}").second["requeued"] == 0);  // nothing dead any more
    CHECK(WaitUntil([&] {
      clock.AdvanceMicros(kSecond);
      return CountStatus(t, "sent", "group_ack") == 2;
    }));
    CHECK(Requeue(t, "{\"id\": " + std::to_string(dead_id) + "}").first == 404);  // sent, not dead
  }

  TEST_CASE("a receiver's invalid UTF-8 answer is stored as valid UTF-8 in last_error") {
    TestGateway t;
    t.receiver().On("/group", [](const RecordedRequest&) {
      return FakeResponse{500, std::string("boom \xFF\xFE\xC0\xAF \xE6\xA5") + std::string(5000, 'x')};
    });
    REQUIRE(t.PostGeneric(TestGateway::Message("utf8-1", "g1", kFacilities))->status == 200);
    std::string last_error;
    REQUIRE(WaitUntil([&] {
      auto rows = t.gateway().store()->ListOutbox(OutboxFilter{});
      if (!rows.ok()) return false;
      for (const auto& e : *rows)
        if (e.message.kind == "group_ack" && !e.last_error.empty()) {
          last_error = e.last_error;
          return true;
        }
      return false;
    }));
    CHECK(last_error.find("boom") != std::string::npos);
    CHECK(last_error.find("\xEF\xBF\xBD") != std::string::npos);  // U+FFFD where the bad bytes were
    CHECK(last_error.find('\xFF') == std::string::npos);
    CHECK(last_error.find("\xC0\xAF") == std::string::npos);
    CHECK(nlohmann::json(last_error).dump().size() > 0);  // strict JSON accepts it (it would throw otherwise)
  }

  TEST_CASE("a slow channel does not delay the staff notifications of another") {
    // Real time: the group's reply_url takes 3 s per answer, the staff channel answers at once.
    TestGatewayOptions o;
    o.delivery = "  workers: 4\n  channel_concurrency: 2\n  backoff_initial_ms: 50\n  backoff_max_ms: 200\n";
    // Declared before the gateway, which may still send while it stops.
    std::atomic<bool> release{false};
    std::mutex mu;
    std::vector<std::chrono::steady_clock::time_point> staff_at;
    TestGateway t(o);
    t.receiver().On("/group", [&](const RecordedRequest&) {
      for (int i = 0; i < 300 && !release; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
      return FakeResponse{};
    });
    t.receiver().On("/staff", [&](const RecordedRequest&) {
      std::lock_guard lock(mu);
      staff_at.push_back(std::chrono::steady_clock::now());
      return FakeResponse{};
    });
    const auto start = std::chrono::steady_clock::now();
    constexpr int kMessages = 16;
    for (int i = 0; i < kMessages; ++i)
      REQUIRE(t.PostGeneric(TestGateway::Message("slow-" + std::to_string(i), "g1", kFacilities))->status == 200);
    const bool all = t.receiver().WaitFor(kMessages, "/staff", std::chrono::seconds(20));
    std::chrono::steady_clock::duration worst{};
    {
      std::lock_guard lock(mu);
      for (auto at : staff_at) worst = std::max(worst, at - start);
    }
    release = true;  // let the slow sends finish so that the gateway stops quickly
    CHECK(all);
    const auto worst_ms = std::chrono::duration_cast<std::chrono::milliseconds>(worst).count();
    MESSAGE("slowest staff notification: " << worst_ms << " ms after the first post");
    // 16 group acks at 3 s each hold 2 senders for 24 s; the staff channel keeps the other two.
    // Before, a lease mixed both channels and a notification waited behind 3 s sends.
    CHECK(worst_ms < 2500);
  }
}

}  // namespace gridrelay::testing
