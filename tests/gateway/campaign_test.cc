// Campaigns end to end (issue #12): a real gateway on loopback, a fake platform that counts what
// reaches it (idempotency keys, groups, the clock time of each request), time driven by a
// ManualClock. Rate windows are checked on the platform's side.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "gateway/core/clock.h"
#include "tests/support/test_gateway.h"
#include "util/crypto.h"

namespace gridrelay::testing {
namespace {

constexpr int64_t kT0 = 1'800'000'000'000'000;
constexpr int64_t kSecond = 1'000'000;
const char* kFacilities = "3栋楼道灯坏了好几天了,晚上太黑";
const char* kOrganiserToken = "organiser-token-c";
const char* kNarrowOrganiserToken = "organiser-token-grid-b";
const char* kWorkerToken = "worker-token-a";

// `grids` grids of `per_grid` groups each on channel `channel`, group ids "<g>-<n>"; every
// tenth group is tagged `pilot`.
std::string Grids(int grids, int per_grid, const std::string& channel) {
  std::string out;
  for (int g = 0; g < grids; ++g) {
    out += "  - {id: grid-c" + std::to_string(g) + ", name: 网格" + std::to_string(g) +
           ", community: c, worker: w-a, groups: [";
    for (int n = 0; n < per_grid; ++n) {
      out += std::string(n ? ", " : "") + "{channel: " + channel + ", group: c" + std::to_string(g) + "-" +
             std::to_string(n) + (n % 10 == 0 ? ", tags: [pilot]" : "") + "}";
    }
    out += "]}\n";
  }
  return out;
}

// What the fake platform saw: each request with the clock time it arrived at.
struct Seen {
  int64_t at = 0;
  std::string path;
  std::string key;
  std::string kind;
  std::string group;
};

// What the platform received. The receiver's handlers share its state, so that a send the
// gateway makes while a test is tearing down (the Platform goes before the TestGateway that owns
// the receiver) still lands somewhere alive.
class Platform {
 public:
  Platform(FakeHttpServer& server, const Clock& clock, const std::vector<std::string>& paths) { Watch(server, clock, paths); }
  void Watch(FakeHttpServer& server, const Clock& clock, const std::vector<std::string>& paths) {
    for (const auto& path : paths)
      server.On(path, [state = state_, &clock, path](const RecordedRequest& r) {
        nlohmann::json j = r.Json();
        std::lock_guard lock(state->mu);
        state->seen.push_back({clock.NowMicros(), path,
                               r.headers.count("idempotency-key") ? r.headers.at("idempotency-key") : "",
                               j.value("kind", ""), j.value("group_id", "")});
        if (state->fail_group.count(j.value("group_id", ""))) return FakeResponse{400, R"({"error":"no such group"})"};
        return FakeResponse{};
      });
  }
  std::vector<Seen> seen() const {
    std::lock_guard lock(state_->mu);
    return state_->seen;
  }
  size_t size() const {
    std::lock_guard lock(state_->mu);
    return state_->seen.size();
  }
  size_t Count(const std::string& kind) const {
    std::lock_guard lock(state_->mu);
    return static_cast<size_t>(
        std::count_if(state_->seen.begin(), state_->seen.end(), [&](const Seen& s) { return s.kind == kind; }));
  }
  void Fail(const std::string& group) {
    std::lock_guard lock(state_->mu);
    state_->fail_group.insert(group);
  }

 private:
  struct State {
    std::mutex mu;
    std::vector<Seen> seen;
    std::set<std::string> fail_group;
  };
  std::shared_ptr<State> state_ = std::make_shared<State>();
};

// Waits until nothing new reaches the platform for a moment, so that every row due at the
// clock's time has been sent before time moves on.
void Settle(const Platform& p) {
  int quiet = 0;
  for (int i = 0; i < 400 && quiet < 2; ++i) {
    const size_t n = p.size();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    quiet = p.size() == n ? quiet + 1 : 0;
  }
}

// The most requests in any window of `window` microseconds among `times` (recorded at the
// platform, so at most `step` later than their slot: the window is shortened by it).
size_t MostInWindow(std::vector<int64_t> times, int64_t window, int64_t step) {
  std::sort(times.begin(), times.end());
  size_t most = 0;
  for (size_t i = 0, j = 0; i < times.size(); ++i) {
    while (j < times.size() && times[j] < times[i] + window - step) ++j;
    most = std::max(most, j - i);
  }
  return most;
}

std::pair<int, nlohmann::json> Call(const TestGateway& t, const std::string& method, const std::string& path,
                                    const nlohmann::json& body = nullptr, const std::string& token = kOrganiserToken) {
  httplib::Client c = t.Client();
  httplib::Headers h = {{"Authorization", "Bearer " + token}};
  httplib::Result r = method == "GET" ? c.Get(path.c_str(), h)
                                      : c.Post(path.c_str(), h, body.is_null() ? std::string("{}") : body.dump(),
                                               "application/json");
  if (!r) return {0, nullptr};
  return {r->status, nlohmann::json::parse(r->body, nullptr, false)};
}

void AddTokens(TestGateway& t) {
  Store* s = t.gateway().store();
  REQUIRE(s->CreateToken({.name = "org-c", .role = "organiser", .scope = "community:c"},
                         crypto::Sha256Hex(kOrganiserToken), 1).ok());
  REQUIRE(s->CreateToken({.name = "org-b", .role = "organiser", .scope = "grid:grid-b"},
                         crypto::Sha256Hex(kNarrowOrganiserToken), 1).ok());
  REQUIRE(s->CreateToken({.name = "w-a", .role = "worker", .scope = "grid:grid-a"}, crypto::Sha256Hex(kWorkerToken), 1)
              .ok());
}

std::string BulkChannel(const FakeHttpServer& server, int per_minute) {
  return "  bulk:\n    type: generic\n    secret: bulk-secret-0123456789\n    reply_url: " + server.url("/bulk") +
         "\n    rate_limit_per_minute: " + std::to_string(per_minute) + "\n";
}

}  // namespace

TEST_SUITE("campaign") {
  TEST_CASE("a 2,000-group campaign reaches every group once, within every rate window, and residents' replies "
            "go ahead of it") {
    ManualClock clock(kT0);
    // The grids are on a `bulk` channel at 20 a minute per group, like a WeCom robot.
    FakeHttpServer bulk;
    TestGatewayOptions o;
    o.clock = &clock;
    o.delivery = "  workers: 2\n  global_per_second: 400\n  campaign_share: 0.5\n  backoff_initial_ms: 50\n"
                 "  backoff_max_ms: 200\n";
    o.extra_main = "campaigns:\n  confirm_over: 100\n";
    o.extra_channels = BulkChannel(bulk, 20);
    o.extra_grids = Grids(20, 100, "bulk");
    TestGateway g(o);
    AddTokens(g);
    Platform platform(bulk, clock, {"/bulk"});
    platform.Watch(g.receiver(), clock, {"/staff", "/group"});

    const nlohmann::json create = {{"title", "反诈提醒"},
                                   {"content", "【反诈提醒】公检法不会让您转账到安全账户，接到此类电话请挂断并拨打96110。"},
                                   {"targets", {{"communities", {"c"}}}},
                                   {"client_key", "fraud-week-1"}};
    // Over confirm_over without confirm_targets: 409 with the count, nothing written.
    auto [s0, e0] = Call(g, "POST", "/api/v1/campaigns", create);
    CHECK(s0 == 409);
    CHECK(e0["error"]["target_count"] == 2003);  // 2,000 groups + grid-a's 2 + grid-b's 1
    CHECK(Call(g, "GET", "/api/v1/campaigns").second["campaigns"].empty());

    nlohmann::json confirmed = create;
    confirmed["targets"] = {{"grids", nlohmann::json::array()}};
    for (int i = 0; i < 20; ++i) confirmed["targets"]["grids"].push_back("grid-c" + std::to_string(i));
    confirmed["confirm_targets"] = 2000;
    auto [s1, c1] = Call(g, "POST", "/api/v1/campaigns", confirmed);
    REQUIRE(s1 == 201);
    const int64_t id = c1["id"];
    CHECK(c1["target_count"] == 2000);
    CHECK(c1["queued"] == 2000);
    CHECK(c1["plan"]["expected_duration_s"] == 9);  // 2,000 rows at 200/s (half of 400/s)
    // A retried create with the same client key is the same campaign.
    auto [s2, c2] = Call(g, "POST", "/api/v1/campaigns", confirmed);
    CHECK(s2 == 200);
    CHECK(c2["id"] == id);
    CHECK(c2["created"] == false);
    CHECK(Call(g, "GET", "/api/v1/campaigns").second["campaigns"].size() == 1);

    const int64_t step = 100'000;
    std::map<std::string, size_t> posted_at;  // resident's group -> platform requests when posted
    for (int i = 0; i < 300 && platform.Count("broadcast") < 2000; ++i) {
      clock.AdvanceMicros(step);
      Settle(platform);
      if (posted_at.empty() && platform.Count("broadcast") >= 500) {
        // Residents write in groups whose campaign row is still queued.
        for (int n = 0; n < 5; ++n) {
          const std::string group = "c19-" + std::to_string(90 + n);
          posted_at[group] = platform.size();
          REQUIRE(g.PostGeneric(TestGateway::Message("r" + std::to_string(n), group, kFacilities),
                                "bulk-secret-0123456789", "bulk")
                      ->status == 200);
        }
        // The clock stands still until their acknowledgements are queued: no campaign row falls
        // due meanwhile, so the order below is the dispatcher's, not the inbox's speed.
        REQUIRE(WaitUntil([&] { return g.Api("/api/v1/tickets")["tickets"].size() == 5; }));
      }
    }
    Settle(platform);
    const std::vector<Seen> seen = platform.seen();
    std::set<std::string> keys, groups;
    size_t broadcasts = 0;
    std::vector<int64_t> all_times, campaign_times;
    std::map<std::string, std::vector<int64_t>> per_group;
    for (const Seen& s : seen) {
      all_times.push_back(s.at);
      if (s.path == "/bulk") per_group[s.group].push_back(s.at);
      if (s.kind != "broadcast") continue;
      ++broadcasts;
      keys.insert(s.key);
      groups.insert(s.group);
      campaign_times.push_back(s.at);
    }
    CHECK(broadcasts == 2000);      // each group once: no repeat
    CHECK(keys.size() == 2000);     // distinct idempotency keys == groups
    CHECK(groups.size() == 2000);
    CHECK(*keys.begin() == "c" + std::to_string(id) + ":bulk:c0-0");
    // No window holds more than a budget allows: the global 400/s for everything, 200/s (the
    // campaign share) for the campaign, 20 a minute for any one group.
    CHECK(MostInWindow(all_times, kSecond, step) <= 400);
    CHECK(MostInWindow(campaign_times, kSecond, step) <= 200);
    for (const auto& [group, times] : per_group) CHECK(MostInWindow(times, 60 * kSecond, step) <= 20);
    // Every resident got the acknowledgement before her group got the campaign, and within a
    // few leases of writing, however many campaign rows were queued.
    REQUIRE(posted_at.size() == 5);
    for (const auto& [group, before] : posted_at) {
      size_t ack = SIZE_MAX, broadcast = SIZE_MAX;
      for (size_t i = 0; i < seen.size(); ++i) {
        if (seen[i].group != group) continue;
        if (seen[i].kind == "group_ack" && ack == SIZE_MAX) ack = i;
        if (seen[i].kind == "broadcast") broadcast = i;
      }
      CAPTURE(group);
      REQUIRE(ack != SIZE_MAX);
      CHECK(ack < broadcast);
      CHECK(ack - before < 40);
    }
    auto [s3, done] = Call(g, "GET", "/api/v1/campaigns/" + std::to_string(id));
    CHECK(s3 == 200);
    CHECK(done["status"] == "completed");
    CHECK(done["sent"] == 2000);
    CHECK(done["queued"] == 0);
    CHECK(done["never_received"].empty());
  }

  TEST_CASE("pause stops a campaign's sends, resume restarts them, cancel ends them, a finished campaign refuses "
            "control") {
    ManualClock clock(kT0);
    TestGatewayOptions o;
    o.clock = &clock;
    o.delivery = "  workers: 2\n  global_per_second: 20\n  campaign_share: 0.5\n";
    o.extra_grids = Grids(3, 100, "demo");
    TestGateway t(o);
    AddTokens(t);
    Platform platform(t.receiver(), clock, {"/group", "/staff"});
    auto [s, c] = Call(t, "POST", "/api/v1/campaigns",
                       {{"title", "停水通知"}, {"content", "明日9点至12点停水"},
                        {"targets", {{"grids", {"grid-c0", "grid-c1", "grid-c2"}}}}, {"confirm_targets", 300}});
    REQUIRE(s == 201);
    const std::string path = "/api/v1/campaigns/" + std::to_string(c["id"].get<int64_t>());
    CHECK(c["plan"]["expected_duration_s"] == 29);  // 300 rows at 10/s
    auto run = [&](int seconds, int steps_per_second = 10) {
      for (int i = 0; i < seconds * steps_per_second; ++i) {
        clock.AdvanceMicros(kSecond / steps_per_second);
        Settle(platform);
      }
    };
    run(3);
    const size_t before_pause = platform.Count("broadcast");
    CHECK(before_pause >= 20);
    CHECK(before_pause <= 50);  // 10 a second, in bursts of 10
    auto [sp, paused] = Call(t, "POST", path + "/pause");
    CHECK(sp == 200);
    CHECK(paused["status"] == "paused");
    CHECK(Call(t, "POST", path + "/pause").first == 409);  // paused already
    Settle(platform);
    const size_t at_pause = platform.Count("broadcast");
    CHECK(at_pause <= before_pause + 16);  // only rows already in flight
    run(10, 2);
    CHECK(platform.Count("broadcast") == at_pause);
    // Residents are still answered while it is paused.
    REQUIRE(t.PostGeneric(TestGateway::Message("p1", "g1", kFacilities))->status == 200);
    run(1);
    CHECK(platform.Count("group_ack") == 1);

    auto [sr, resumed] = Call(t, "POST", path + "/resume");
    CHECK(sr == 200);
    CHECK(resumed["status"] == "running");
    run(3);
    const size_t after_resume = platform.Count("broadcast");
    CHECK(after_resume > at_pause);
    auto [sc, cancelled] = Call(t, "POST", path + "/cancel");
    CHECK(sc == 200);
    CHECK(cancelled["status"] == "cancelled");
    Settle(platform);
    const size_t at_cancel = platform.Count("broadcast");
    run(10, 2);
    CHECK(platform.Count("broadcast") == at_cancel);
    auto [sg, final_state] = Call(t, "GET", path + "?groups=1");
    CHECK(sg == 200);
    CHECK(final_state["status"] == "cancelled");
    CHECK(final_state["sent"] == at_cancel);
    CHECK(final_state["cancelled"] == 300 - at_cancel);
    CHECK(final_state["never_received"].size() == 300 - at_cancel);
    CHECK(final_state["groups"].size() == 300);
    CHECK(Call(t, "POST", path + "/resume").first == 409);
    CHECK(Call(t, "POST", path + "/pause").first == 409);
    CHECK(Call(t, "POST", path + "/cancel").first == 409);
  }

  TEST_CASE("completed means every group is final: sent, failed with its reason, or skipped, and the report "
            "names the groups that never got it") {
    ManualClock clock(kT0);
    TestGatewayOptions o;
    o.clock = &clock;
    o.delivery = "  workers: 2\n  max_attempts: 2\n  backoff_initial_ms: 50\n  backoff_max_ms: 100\n";
    o.extra_grids = "  - {id: grid-empty, name: 空网格, community: c, worker: w-a}\n";
    TestGateway t(o);
    AddTokens(t);
    Platform platform(t.receiver(), clock, {"/group", "/staff"});
    platform.Fail("g2");
    auto [s, c] = Call(t, "POST", "/api/v1/campaigns",
                       {{"title", "通知"}, {"content", "周六社区义诊"}, {"targets", {{"all", true}}}});
    REQUIRE(s == 201);
    CHECK(c["target_count"] == 4);  // g1, g2, g3 and the grid without a group
    CHECK(c["skipped"] == 1);
    const std::string path = "/api/v1/campaigns/" + std::to_string(c["id"].get<int64_t>());
    for (int i = 0; i < 20; ++i) {
      clock.AdvanceMicros(kSecond / 10);
      Settle(platform);
    }
    auto [sg, done] = Call(t, "GET", path);
    CHECK(sg == 200);
    CHECK(done["status"] == "completed");
    CHECK(done["sent"] == 2);
    CHECK(done["failed"] == 1);
    REQUIRE(done["never_received"].size() == 2);
    std::set<std::string> never;
    for (const auto& n : done["never_received"]) {
      never.insert(n.value("group", "") + "/" + n.value("grid", "") + ":" + n.value("status", ""));
      CHECK_FALSE(n.value("reason", "").empty());
    }
    CHECK(never.count("g2/grid-a:failed") == 1);
    CHECK(never.count("/grid-empty:skipped") == 1);
  }

  TEST_CASE("bad requests get a 4xx JSON error and send nothing") {
    ManualClock clock(kT0);
    TestGatewayOptions o;
    o.clock = &clock;
    TestGateway t(o);
    AddTokens(t);
    Platform platform(t.receiver(), clock, {"/group", "/staff"});
    const nlohmann::json good = {{"title", "通知"}, {"content", "周六社区义诊"}, {"targets", {{"grids", {"grid-a"}}}}};
    auto with = [&](const char* key, nlohmann::json value) {
      nlohmann::json b = good;
      if (value.is_null()) {
        b.erase(key);
      } else {
        b[key] = std::move(value);
      }
      return b;
    };
    struct Case {
      const char* what;
      nlohmann::json body;
      int status;
      std::string token = kOrganiserToken;
    };
    const std::vector<Case> cases = {
        {"empty content", with("content", "  "), 400},
        {"no content", with("content", nullptr), 400},
        {"content not a string", with("content", 42), 400},
        {"no targets", with("targets", nullptr), 400},
        {"empty targets", with("targets", nlohmann::json::object()), 400},
        {"unknown grid", with("targets", {{"grids", {"grid-nowhere"}}}), 400},
        {"unknown tag", with("targets", {{"tags", {"no-such-tag"}}}), 400},
        {"unknown target kind", with("targets", {{"buildings", {"3"}}}), 400},
        {"start in the past", with("start", "2020-01-01T08:00:00+08:00"), 400},
        {"start not a time", with("start", "tomorrow"), 400},
        {"bad quiet hours", with("quiet_hours", "nightly"), 400},
        {"unknown field", with("priority", 0), 400},
        {"mismatched confirm_targets", with("confirm_targets", 5), 409},
        {"a worker token", good, 403, kWorkerToken},
        {"targets outside the organiser's scope", good, 403, kNarrowOrganiserToken},
    };
    for (const Case& c : cases) {
      CAPTURE(c.what);
      auto [status, body] = Call(t, "POST", "/api/v1/campaigns", c.body, c.token);
      CHECK(status == c.status);
      CHECK(body["error"]["message"].is_string());
      if (std::string(c.what) == "mismatched confirm_targets") CHECK(body["error"]["target_count"] == 2);
    }
    CHECK(Call(t, "POST", "/api/v1/campaigns", nullptr).first == 400);  // "{}"
    CHECK(Call(t, "GET", "/api/v1/campaigns/99").first == 404);
    CHECK(Call(t, "POST", "/api/v1/campaigns/99/pause").first == 404);
    CHECK(Call(t, "GET", "/api/v1/campaigns").second["campaigns"].empty());
    clock.AdvanceMicros(10 * kSecond);
    Settle(platform);
    CHECK(platform.Count("broadcast") == 0);
    // The narrow organiser does not see a campaign over grids beyond hers.
    auto [s, c] = Call(t, "POST", "/api/v1/campaigns", good);
    REQUIRE(s == 201);
    CHECK(Call(t, "GET", "/api/v1/campaigns/" + std::to_string(c["id"].get<int64_t>()), nullptr,
               kNarrowOrganiserToken).first == 404);
    CHECK(Call(t, "GET", "/api/v1/campaigns", nullptr, kNarrowOrganiserToken).second["campaigns"].empty());
  }
}

}  // namespace gridrelay::testing
