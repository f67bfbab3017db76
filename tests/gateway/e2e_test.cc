// End to end: a real gateway on loopback with a real SQLite file; the group and the staff
// channel are a real HTTP receiver. Nothing of our own is mocked.
#include <doctest/doctest.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "gateway/core/clock.h"
#include "util/metrics.h"
#include "tests/support/test_gateway.h"

namespace gridrelay::testing {
namespace {

const char* kFacilities = "3栋楼道灯坏了好几天了,晚上太黑";

int64_t TicketCount(const TestGateway& t) {
  auto j = t.Api("/api/v1/tickets?limit=500");
  return j.is_object() ? static_cast<int64_t>(j["tickets"].size()) : -1;
}

}  // namespace

TEST_SUITE("e2e") {
  TEST_CASE("a resident message opens a ticket, notifies the worker and acknowledges the group") {
    TestGateway t;
    auto res = t.PostGeneric(TestGateway::Message("m1", "g1", kFacilities));
    REQUIRE(res);
    CHECK(res->status == 200);
    auto ack = nlohmann::json::parse(res->body);
    CHECK(ack["duplicate"] == false);

    REQUIRE(t.receiver().WaitFor(1, "/staff"));
    REQUIRE(t.receiver().WaitFor(1, "/group"));
    auto tickets = t.Api("/api/v1/tickets");
    REQUIRE(tickets["tickets"].size() == 1);
    const auto& ticket = tickets["tickets"][0];
    CHECK(ticket["category"] == "appeal");
    CHECK(ticket["intent"] == "appeal.facilities");
    CHECK(ticket["status"] == "dispatched");
    CHECK(ticket["grid"] == "grid-a");
    CHECK(ticket["assignee"]["id"] == "w-a");
    CHECK(ticket["text"] == kFacilities);

    auto staff = t.receiver().Requests("/staff")[0].Json();
    CHECK(staff["user_id"] == "w-a");
    CHECK(staff["text"].get<std::string>().find(kFacilities) != std::string::npos);
    auto group = t.receiver().Requests("/group")[0];
    CHECK(group.Json()["group_id"] == "g1");
    const std::string ack_text = group.Json()["text"];
    CHECK(ack_text.find(ticket["number"].get<std::string>()) != std::string::npos);
    CHECK(ack_text.find("楼道灯") == std::string::npos);  // never repeats the resident's words
    CHECK(group.headers.at("idempotency-key") == group.Json()["idempotency_key"]);

    // The ticket's history and the message's view.
    auto detail = t.Api("/api/v1/tickets/" + std::to_string(ticket["id"].get<int64_t>()));
    REQUIRE(detail["events"].size() >= 2);
    CHECK(detail["events"][0]["action"] == "created");
    CHECK(detail["events"][1]["action"] == "dispatched");
    auto msg = t.Api("/api/v1/messages/" + std::to_string(ack["message_id"].get<int64_t>()));
    CHECK(msg["ticket"]["id"] == ticket["id"]);
    CHECK(msg["classification"]["intent"] == "appeal.facilities");
    REQUIRE(WaitUntil([&] {
      auto m = t.Api("/api/v1/messages/" + std::to_string(ack["message_id"].get<int64_t>()));
      int sent = 0;
      for (const auto& r : m["replies"]) sent += r["status"] == "sent";
      return sent == 2;
    }));
  }

  TEST_CASE("a re-delivered message is answered 200 as a duplicate and opens no second ticket") {
    TestGateway t;
    auto first = t.PostGeneric(TestGateway::Message("dup-1", "g1", kFacilities));
    auto second = t.PostGeneric(TestGateway::Message("dup-1", "g1", kFacilities));
    REQUIRE(first);
    REQUIRE(second);
    CHECK(second->status == 200);
    auto a = nlohmann::json::parse(first->body), b = nlohmann::json::parse(second->body);
    CHECK(b["duplicate"] == true);
    CHECK(b["message_id"] == a["message_id"]);
    REQUIRE(t.receiver().WaitFor(1, "/group"));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    CHECK(TicketCount(t) == 1);
    CHECK(t.receiver().Requests("/group").size() == 1);
    CHECK(t.gateway().metrics()->Counter(metric::kDuplicates, {{"channel", "demo"}}) == 1);
  }

  TEST_CASE("a receiver that fails twice then succeeds gets the message once, on the third attempt") {
    TestGateway t;
    t.receiver().FailNext("/group", 2, 503);
    REQUIRE(t.PostGeneric(TestGateway::Message("retry-1", "g1", kFacilities)));
    REQUIRE(t.receiver().WaitFor(3, "/group"));
    REQUIRE(WaitUntil([&] { return t.Api("/api/v1/outbox?status=sent")["outbox"].size() == 2; }));
    auto reqs = t.receiver().Requests("/group");
    CHECK(reqs.size() == 3);  // two failures, one success: delivered once
    CHECK(reqs[0].headers.at("idempotency-key") == reqs[2].headers.at("idempotency-key"));
    auto sent = t.Api("/api/v1/outbox?status=sent")["outbox"];
    bool found = false;
    for (const auto& row : sent)
      if (row["kind"] == "group_ack") {
        found = true;
        CHECK(row["attempts"] == 3);
      }
    CHECK(found);
  }

  TEST_CASE("a receiver that always fails leaves the message dead-lettered with its error") {
    TestGateway t;
    t.receiver().FailNext("/group", 1000, 500);
    REQUIRE(t.PostGeneric(TestGateway::Message("dead-1", "g1", kFacilities)));
    REQUIRE(WaitUntil([&] { return t.Api("/api/v1/outbox?status=dead")["outbox"].size() == 1; }));
    auto dead = t.Api("/api/v1/outbox?status=dead")["outbox"][0];
    CHECK(dead["attempts"] == 4);  // max_attempts in the test config
    CHECK(dead["last_error"].get<std::string>().find("500") != std::string::npos);
    CHECK(t.receiver().Requests("/group").size() == 4);
    CHECK(t.gateway().metrics()->Counter(metric::kDeliveryDead, {{"channel", "demo"}}) == 1);
  }

  TEST_CASE("a permanent error (4xx) is dead-lettered at once, without retries") {
    TestGateway t;
    t.receiver().FailNext("/group", 1000, 404);
    REQUIRE(t.PostGeneric(TestGateway::Message("perm-1", "g1", kFacilities)));
    REQUIRE(WaitUntil([&] { return t.Api("/api/v1/outbox?status=dead")["outbox"].size() == 1; }));
    CHECK(t.Api("/api/v1/outbox?status=dead")["outbox"][0]["attempts"] == 1);
  }

  TEST_CASE("rows over a destination's rate limit wait for their own slot and are each delivered once") {
    TestGatewayOptions o;
    o.extra_channels = "  limited:\n    type: generic\n    secret: limited-secret-0123456789\n    rate_limit_per_minute: 600\n"
                       "    reply_url: " + std::string("http://127.0.0.1:PORT/limited") + "\n";
    o.extra_grids = "  - {id: grid-l, name: 限速网格, community: c, worker: w-a, groups: [{channel: limited, group: gl}]}\n";
    o.start = false;
    TestGateway t(o);
    {
      // Point the channel at the receiver, whose port is known only now.
      std::ifstream in(t.config_dir() / "gridrelay.yaml");
      std::string yaml((std::istreambuf_iterator<char>(in)), {});
      yaml.replace(yaml.find("PORT"), 4, std::to_string(t.receiver().port()));
      std::ofstream(t.config_dir() / "gridrelay.yaml") << yaml;
    }
    t.Start();
    const int n = 10;  // the channel allows a burst of 5, then one every 100 ms
    for (int i = 0; i < n; ++i)
      REQUIRE(t.PostGeneric(TestGateway::Message("lim-" + std::to_string(i), "gl", kFacilities),
                            "limited-secret-0123456789", "limited"));
    REQUIRE(t.receiver().WaitFor(n, "/limited"));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    std::set<std::string> keys;
    for (const auto& r : t.receiver().Requests("/limited")) keys.insert(r.headers.at("idempotency-key"));
    CHECK(t.receiver().Requests("/limited").size() == static_cast<size_t>(n));
    CHECK(keys.size() == static_cast<size_t>(n));
    CHECK(t.gateway().metrics()->Counter(metric::kDeliveryDeferred, {{"channel", "limited"}}) >= 1);
  }

  TEST_CASE("a restart between ingest and delivery delivers after the restart, with the same keys, once") {
    TestGatewayOptions o;
    o.delivery = "  workers: 0\n";  // delivery paused: the messages wait in the outbox
    TestGateway t(o);
    REQUIRE(t.PostGeneric(TestGateway::Message("r-1", "g1", kFacilities)));
    REQUIRE(t.PostGeneric(TestGateway::Message("r-2", "g3", "小区门口垃圾堆了三天没人清运，臭气熏天")));
    REQUIRE(WaitUntil([&] { return TicketCount(t) == 2; }));
    auto pending = t.Api("/api/v1/outbox?status=pending")["outbox"];
    REQUIRE(pending.size() == 4);
    std::set<std::string> keys;
    for (const auto& row : pending) keys.insert(row["idempotency_key"]);
    t.Stop();
    CHECK(t.receiver().Requests().empty());

    // Same data, delivery on.
    std::string yaml;
    {
      std::ifstream in(t.config_dir() / "gridrelay.yaml");
      yaml.assign(std::istreambuf_iterator<char>(in), {});
    }
    yaml.replace(yaml.find("  workers: 0"), 12, "  workers: 2");
    std::ofstream(t.config_dir() / "gridrelay.yaml") << yaml;
    t.Start();
    REQUIRE(t.receiver().WaitFor(4));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    auto reqs = t.receiver().Requests();
    CHECK(reqs.size() == 4);
    std::set<std::string> delivered;
    for (const auto& r : reqs) delivered.insert(r.headers.at("idempotency-key"));
    CHECK(delivered == keys);
    CHECK(TicketCount(t) == 2);
  }

  TEST_CASE("messages committed but not yet routed are routed after a restart, exactly once") {
    TestGatewayOptions o;
    o.start = false;
    TestGateway t(o);
    t.Start();
    REQUIRE(t.PostGeneric(TestGateway::Message("x-1", "g1", kFacilities)));
    REQUIRE(WaitUntil([&] { return TicketCount(t) == 1; }));
    t.Restart();
    REQUIRE(t.PostGeneric(TestGateway::Message("x-1", "g1", kFacilities)));  // retried by the platform
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    CHECK(TicketCount(t) == 1);
  }

  TEST_CASE("a staff member's message is stored and opens no ticket") {
    TestGateway t;
    auto res = t.PostGeneric(TestGateway::Message("s-1", "g1", "3栋楼道灯已经报修了，明天师傅来换", "staff-a"));
    REQUIRE(res);
    CHECK(res->status == 200);
    const int64_t id = nlohmann::json::parse(res->body)["message_id"];
    REQUIRE(WaitUntil([&] { return t.Api("/api/v1/messages/" + std::to_string(id))["state"] == "ignored"; }));
    auto msg = t.Api("/api/v1/messages/" + std::to_string(id));
    CHECK(msg["sender"]["role"] == "staff");
    CHECK(msg["ticket"].is_null());
    CHECK(TicketCount(t) == 0);
  }

  TEST_CASE("the generic channel refuses groups that are not configured for it") {
    TestGateway t;
    auto res = t.PostGeneric(TestGateway::Message("u-1", "stranger-group", kFacilities));
    REQUIRE(res);
    CHECK(res->status == 403);
    const std::string message = nlohmann::json::parse(res->body)["error"]["message"].get<std::string>();
    CHECK(message.find("not configured") != std::string::npos);
    // The refusal (and the warning logged with it) does not repeat the sender's group id.
    CHECK(message.find("stranger-group") == std::string::npos);
  }

  TEST_CASE("an urgent message gets its safety reply before anything else is sent") {
    TestGateway t;
    auto res = t.PostGeneric(TestGateway::Message("urg-1", "g1", "救命！楼下着火了，烟很大，好多人困在楼上"));
    REQUIRE(res);
    REQUIRE(t.receiver().WaitFor(3));
    auto reqs = t.receiver().Requests();
    REQUIRE(!reqs.empty());
    auto first = reqs[0].Json();
    CHECK(first["kind"] == "safety_reply");
    CHECK(first["text"].get<std::string>().find("119") != std::string::npos);
    auto tickets = t.Api("/api/v1/tickets")["tickets"];
    REQUIRE(tickets.size() == 1);
    CHECK(tickets[0]["urgent"] == true);
  }

  TEST_CASE("a domestic-violence call for help on a channel that cannot reply privately mentions nobody and names no topic") {
    TestGateway t;  // the generic channel cannot message one person
    REQUIRE(t.PostGeneric(TestGateway::Message("dv-1", "g1", "我老公天天打我 我不敢报警 他说我报警就打死我", "u-dv"))
                ->status == 200);
    REQUIRE(t.receiver().WaitFor(2, "/group"));
    bool saw_safety = false;
    for (const auto& r : t.receiver().Requests("/group")) {
      auto body = r.Json();
      CAPTURE(body.dump());
      CHECK(body["audience"] == "group");
      CHECK(body["mention_user_ids"].empty());  // the group is not told who asked
      const std::string text = body["text"];
      for (const char* topic : {"家暴", "暴力", "危险", "110", "法律", "咨询", "老公"})
        CHECK(text.find(topic) == std::string::npos);
      if (body["kind"] == "safety_reply") {
        saw_safety = true;
        CHECK(text == "您好，消息已收到。请留意私信，或直接联系网格员。");  // templates.yaml sensitive_group_notice
      }
    }
    CHECK(saw_safety);
    // The team still hears everything.
    REQUIRE(t.receiver().WaitFor(1, "/staff"));
  }

  TEST_CASE("a scam report warns the group with the anti-fraud number and goes to the anti-fraud team") {
    TestGateway t;
    REQUIRE(t.PostGeneric(TestGateway::Message(
        "f-1", "g1", "刚才有个自称公安局的打电话说我涉嫌洗钱，让我把钱转到安全账户配合调查，这是不是诈骗？")));
    REQUIRE(t.receiver().WaitFor(1, "/staff"));
    auto tickets = t.Api("/api/v1/tickets")["tickets"];
    REQUIRE(tickets.size() == 1);
    CHECK(tickets[0]["category"] == "anti_fraud");
    CHECK(tickets[0]["assignee"]["id"] == "fraud");
    CHECK(t.receiver().Requests("/staff")[0].Json()["user_id"] == "fraud-team");
  }
}

TEST_SUITE("e2e bad input") {
  struct BadCase {
    const char* name;
    std::string body;
    std::string secret;
    std::string channel;
    int status;
    const char* message_part;
  };

  TEST_CASE("bad requests get a clear JSON error and never disturb earlier messages") {
    TestGateway t;
    REQUIRE(t.PostGeneric(TestGateway::Message("ok-1", "g1", kFacilities)));
    const std::string secret = TestGateway::kSecret;
    const std::vector<BadCase> cases = {
        {"not JSON", "this is not json", secret, "demo", 400, "JSON"},
        {"a JSON array", "[1,2,3]", secret, "demo", 400, "object"},
        {"missing msg_id", R"({"group_id":"g1","sender_id":"u","text":"hi"})", secret, "demo", 400, "msg_id"},
        {"missing text", R"({"msg_id":"a","group_id":"g1","sender_id":"u"})", secret, "demo", 400, "text"},
        {"text of the wrong type", R"({"msg_id":"a","group_id":"g1","sender_id":"u","text":42})", secret, "demo", 400, "text"},
        {"empty text", R"({"msg_id":"a","group_id":"g1","sender_id":"u","text":"   "})", secret, "demo", 400, "empty"},
        {"ts of the wrong type", R"({"msg_id":"a","group_id":"g1","sender_id":"u","text":"x","ts":"yesterday"})", secret, "demo", 400, "ts"},
        {"invalid UTF-8", std::string("{\"msg_id\":\"a\",\"group_id\":\"g1\",\"sender_id\":\"u\",\"text\":\"\xff\xfe\"}"), secret, "demo", 400, "UTF-8"},
        {"a wrong secret", TestGateway::Message("a", "g1", "x").dump(), "wrong-secret-000000000", "demo", 401, "secret"},
        {"no secret", TestGateway::Message("a", "g1", "x").dump(), "", "demo", 401, "Bearer"},
        {"an unknown channel", TestGateway::Message("a", "g1", "x").dump(), secret, "nope", 404, "nope"},
        {"a body over the limit", std::string(70000, 'x'), secret, "demo", 413, "max_body_bytes"},
        {"an attachment kind of the wrong type",
         R"({"msg_id":"a","group_id":"g1","sender_id":"u","text":"x","attachments":[{"kind":42,"ref":"r"}]})", secret,
         "demo", 400, "kind"},
        {"a msg_id that is not an exact integer", R"({"msg_id":1.5,"group_id":"g1","sender_id":"u","text":"x"})", secret,
         "demo", 400, "msg_id"},
        {"a msg_id beyond 64 bits", R"({"msg_id":18446744073709551616,"group_id":"g1","sender_id":"u","text":"x"})",
         secret, "demo", 400, "msg_id"},
    };
    for (const auto& c : cases) {
      CAPTURE(c.name);
      httplib::Client client = t.Client();
      httplib::Headers h;
      if (!c.secret.empty()) h.emplace("Authorization", "Bearer " + c.secret);
      auto res = client.Post(("/webhook/generic/" + c.channel).c_str(), h, c.body, "application/json");
      REQUIRE(res);
      CHECK(res->status == c.status);
      auto body = nlohmann::json::parse(res->body, nullptr, false);
      REQUIRE(body.is_object());
      CHECK(body["error"]["message"].get<std::string>().find(c.message_part) != std::string::npos);
    }
    // The server is still up and the earlier message is intact.
    REQUIRE(WaitUntil([&] { return TicketCount(t) == 1; }));
    CHECK(t.Api("/api/v1/tickets")["tickets"][0]["text"] == kFacilities);
  }
}

TEST_SUITE("e2e dedup keys") {
  TEST_CASE("integer msg_ids are kept exact: 18446744073709551615 and -1 are two messages, each deduplicated") {
    TestGateway t;
    auto body = [](nlohmann::json id) {
      nlohmann::json m = TestGateway::Message("", "g1", kFacilities);
      m["msg_id"] = std::move(id);
      return m;
    };
    const std::vector<nlohmann::json> ids = {nlohmann::json(uint64_t{18446744073709551615u}), nlohmann::json(int64_t{-1}),
                                             nlohmann::json(int64_t{9223372036854775807}),
                                             nlohmann::json(uint64_t{9223372036854775808u})};
    std::set<int64_t> message_ids;
    for (const auto& id : ids) {
      CAPTURE(id.dump());
      auto res = t.PostGeneric(body(id));
      REQUIRE(res);
      REQUIRE(res->status == 200);
      auto j = nlohmann::json::parse(res->body);
      CHECK(j["duplicate"] == false);
      message_ids.insert(j["message_id"].get<int64_t>());
    }
    CHECK(message_ids.size() == ids.size());
    // Each one again is its own duplicate, and the same integer written as a string is the same id.
    for (const auto& id : ids) {
      auto res = t.PostGeneric(body(id));
      REQUIRE(res);
      CHECK(nlohmann::json::parse(res->body)["duplicate"] == true);
    }
    auto as_string = t.PostGeneric(body("18446744073709551615"));
    REQUIRE(as_string);
    CHECK(nlohmann::json::parse(as_string->body)["duplicate"] == true);
  }
}

TEST_SUITE("e2e server") {
  TEST_CASE("100 idle keep-alive connections do not delay a webhook") {
    TestGateway t;
    std::vector<int> sockets;
    for (int i = 0; i < 100; ++i) {
      int fd = ::socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in addr{};
      addr.sin_family = AF_INET;
      addr.sin_port = htons(static_cast<uint16_t>(t.port()));
      addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
      sockets.push_back(fd);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    const auto start = std::chrono::steady_clock::now();
    auto res = t.PostGeneric(TestGateway::Message("idle-1", "g1", kFacilities));
    const auto waited = std::chrono::steady_clock::now() - start;
    REQUIRE(res);
    CHECK(res->status == 200);
    // The idle connections' read timeout is 2 s: a webhook queued behind them would wait that long.
    CHECK(waited < std::chrono::milliseconds(1500));
    for (int fd : sockets) ::close(fd);
  }

  TEST_CASE("health, readiness and metrics answer, the API needs a token") {
    TestGateway t;
    REQUIRE(t.PostGeneric(TestGateway::Message("met-1", "g1", kFacilities)));
    REQUIRE(WaitUntil([&] { return TicketCount(t) == 1; }));
    httplib::Client c = t.Client();
    auto health = c.Get("/healthz");
    REQUIRE(health);
    CHECK(health->status == 200);
    auto ready = c.Get("/readyz");
    REQUIRE(ready);
    CHECK(ready->status == 200);
    auto metrics = c.Get("/metrics");
    REQUIRE(metrics);
    CHECK(metrics->body.find("gridrelay_messages_received_total{channel=\"demo\"} 1") != std::string::npos);
    CHECK(metrics->body.find("gridrelay_tickets{status=\"dispatched\"} 1") != std::string::npos);
    CHECK(metrics->body.find("gridrelay_ingest_latency_seconds_count 1") != std::string::npos);
    CHECK(metrics->body.find("gridrelay_outbox{status=\"dead\"} 0") != std::string::npos);
    auto anonymous = c.Get("/api/v1/tickets");
    REQUIRE(anonymous);
    CHECK(anonymous->status == 401);
    auto wrong = c.Get("/api/v1/tickets", {{"Authorization", "Bearer not-a-token"}});
    REQUIRE(wrong);
    CHECK(wrong->status == 401);
    int status = 0;
    t.Api("/api/v1/tickets?limit=abc", &status);
    CHECK(status == 400);
    t.Api("/api/v1/tickets/999", &status);
    CHECK(status == 404);
    t.Api("/api/v1/outbox?status=lost", &status);
    CHECK(status == 400);
    // Every path under /api/, known or not, needs a token first; with one, an unknown path is 404.
    auto probe = c.Get("/api/v1/no-such-thing");
    REQUIRE(probe);
    CHECK(probe->status == 401);
    t.Api("/api/v1/no-such-thing", &status);
    CHECK(status == 404);
  }

  TEST_CASE("unknown channel names share one metrics label, so a flood of 404s cannot grow /metrics") {
    TestGateway t;
    httplib::Client c = t.Client();
    for (int i = 0; i < 50; ++i) {
      auto r = c.Post(("/webhook/generic/probe-" + std::to_string(i)).c_str(), "{}", "application/json");
      REQUIRE(r);
      CHECK(r->status == 404);
    }
    auto metrics = c.Get("/metrics");
    REQUIRE(metrics);
    CHECK(metrics->body.find("probe-") == std::string::npos);
    CHECK(metrics->body.find("gridrelay_webhook_rejected_total{channel=\"unknown\",reason=\"unknown_channel\"} 50") !=
          std::string::npos);
  }

  TEST_CASE("ticket listing filters and paginates") {
    TestGateway t;
    for (int i = 0; i < 5; ++i)
      REQUIRE(t.PostGeneric(TestGateway::Message("p-" + std::to_string(i), i % 2 ? "g3" : "g1", kFacilities)));
    REQUIRE(WaitUntil([&] { return TicketCount(t) == 5; }));
    CHECK(t.Api("/api/v1/tickets?grid=grid-b")["tickets"].size() == 2);
    CHECK(t.Api("/api/v1/tickets?category=legal_aid")["tickets"].size() == 0);
    CHECK(t.Api("/api/v1/tickets?status=dispatched")["tickets"].size() == 5);
    auto page1 = t.Api("/api/v1/tickets?limit=3");
    REQUIRE(page1["tickets"].size() == 3);
    auto page2 = t.Api("/api/v1/tickets?limit=3&before=" + std::to_string(page1["next_before"].get<int64_t>()));
    CHECK(page2["tickets"].size() == 2);
    CHECK(page2["next_before"].is_null());
  }
}

}  // namespace gridrelay::testing

namespace gridrelay::testing {

namespace {

const char* kScam = "刚才有个自称公安局的打电话说我涉嫌洗钱，让我把钱转到安全账户配合调查，这是不是诈骗？";

// The anti-fraud team with two members, p-1 and p-2, and `rota` (YAML, may be empty).
TestGatewayOptions TwoMemberTeam(const std::string& rota = "") {
  TestGatewayOptions o;
  o.extra_staff =
      "  - {id: p-1, name: 民警甲, notify: {channel: staff, to: p-1}}\n"
      "  - {id: p-2, name: 民警乙, notify: {channel: staff, to: p-2}}\n";
  o.teams =
      "  - {id: legal, name: 法律服务队, serves: legal_aid, notify: {channel: staff, to: legal-team}}\n"
      "  - id: fraud\n    name: 反诈队\n    serves: anti_fraud\n    members: [p-1, p-2]\n"
      "    notify: {channel: staff, to: fraud-team}\n" +
      rota;
  return o;
}

// The assignees of every ticket, oldest first.
std::vector<std::string> Assignees(const TestGateway& t) {
  auto tickets = t.Api("/api/v1/tickets?limit=500")["tickets"];
  std::vector<std::pair<int64_t, std::string>> rows;
  for (const auto& k : tickets) rows.emplace_back(k["id"].get<int64_t>(), k["assignee"]["id"].get<std::string>());
  std::sort(rows.begin(), rows.end());
  std::vector<std::string> out;
  for (auto& [id, who] : rows) out.push_back(who);
  return out;
}

std::string DispatchRuleOf(const TestGateway& t, int64_t ticket_id) {
  auto detail = t.Api("/api/v1/tickets/" + std::to_string(ticket_id));
  for (const auto& e : detail["events"])
    if (e["action"] == "dispatched") return e["detail"].value("rule", "");
  return "";
}

int64_t NewestTicketId(const TestGateway& t) {
  int64_t id = 0;
  const auto list = t.Api("/api/v1/tickets?limit=500");
  for (const auto& k : list["tickets"]) id = std::max(id, k["id"].get<int64_t>());
  return id;
}

}  // namespace

TEST_SUITE("e2e dispatch") {
  TEST_CASE("the dispatched event says which group, grid and rule chose the grid worker") {
    TestGateway t;
    REQUIRE(t.PostGeneric(TestGateway::Message("r-1", "g1", kFacilities)));
    REQUIRE(WaitUntil([&] { return TicketCount(t) == 1; }));
    CHECK(DispatchRuleOf(t, NewestTicketId(t)) == "g1 → grid-a → w-a, rule: routes.appeal");
  }

  TEST_CASE("a team's tickets go to the member with the fewest open tickets, ties to whoever waited longest") {
    TestGateway t(TwoMemberTeam());
    for (int i = 1; i <= 3; ++i)
      REQUIRE(t.PostGeneric(TestGateway::Message("f-" + std::to_string(i), "g1", kScam, "u" + std::to_string(i))));
    REQUIRE(WaitUntil([&] { return TicketCount(t) == 3; }));
    // Both free: p-1 by id; then p-2 has fewer; then a tie, and p-1 was given one longer ago.
    CHECK(Assignees(t) == std::vector<std::string>{"p-1", "p-2", "p-1"});
    auto tickets = t.Api("/api/v1/tickets")["tickets"];
    for (const auto& k : tickets) {
      CHECK(k["team"] == "fraud");
      CHECK(k["assignee"]["kind"] == "staff");
    }
    // Each member hears of her tickets and the team of all three.
    REQUIRE(t.receiver().WaitFor(6, "/staff"));
    std::map<std::string, int> told;
    for (const auto& r : t.receiver().Requests("/staff")) ++told[r.Json()["user_id"].get<std::string>()];
    CHECK(told["p-1"] == 2);
    CHECK(told["p-2"] == 1);
    CHECK(told["fraud-team"] == 3);
    CHECK(DispatchRuleOf(t, NewestTicketId(t)).starts_with("g1 → grid-a → fraud → p-1, rule: routes.anti_fraud"));

    // p-1 now has more open tickets than p-2, so she is skipped.
    REQUIRE(t.PostGeneric(TestGateway::Message("f-4", "g1", kScam, "u4")));
    REQUIRE(WaitUntil([&] { return TicketCount(t) == 4; }));
    CHECK(Assignees(t).back() == "p-2");
  }

  TEST_CASE("a member off duty by the rota is skipped, and when nobody is on duty the least loaded gets it") {
    // 1'800'000'000 s is Friday 2027-01-15 16:00 China time; 18 hours later is Saturday 10:00.
    ManualClock clock(1'800'000'000'000'000);
    TestGatewayOptions o = TwoMemberTeam("    rota: {p-1: \"mon-fri 09:00-18:00\", p-2: \"sat-sun 09:00-12:00, fri 20:00-24:00\"}\n");
    o.clock = &clock;
    TestGateway t(o);
    // Friday 16:00: only p-1 is on duty, so she gets both.
    REQUIRE(t.PostGeneric(TestGateway::Message("d-1", "g1", kScam, "u1")));
    REQUIRE(WaitUntil([&] { return TicketCount(t) == 1; }));
    REQUIRE(t.PostGeneric(TestGateway::Message("d-2", "g1", kScam, "u2")));
    REQUIRE(WaitUntil([&] { return TicketCount(t) == 2; }));
    CHECK(Assignees(t) == std::vector<std::string>{"p-1", "p-1"});
    // Friday 19:00: nobody is on duty; p-2 has fewer open tickets.
    clock.AdvanceMicros(int64_t{3} * 3600 * 1'000'000);
    REQUIRE(t.PostGeneric(TestGateway::Message("d-3", "g1", kScam, "u3")));
    REQUIRE(WaitUntil([&] { return TicketCount(t) == 3; }));
    CHECK(Assignees(t).back() == "p-2");
    CHECK(DispatchRuleOf(t, NewestTicketId(t)).find("nobody on duty") != std::string::npos);
    // Saturday 10:00: p-2 is on duty, p-1 is not.
    clock.AdvanceMicros(int64_t{15} * 3600 * 1'000'000);
    REQUIRE(t.PostGeneric(TestGateway::Message("d-4", "g1", kScam, "u4")));
    REQUIRE(WaitUntil([&] { return TicketCount(t) == 4; }));
    CHECK(Assignees(t).back() == "p-2");
    CHECK(DispatchRuleOf(t, NewestTicketId(t)).find("nobody on duty") == std::string::npos);
  }

  TEST_CASE("an urgent ticket is also sent to the community's duty officer, under its own key") {
    TestGateway t;
    REQUIRE(t.PostGeneric(TestGateway::Message("urg-9", "g1", "救命！楼下着火了，烟很大，好多人困在楼上")));
    REQUIRE(t.receiver().WaitFor(2, "/staff"));
    std::map<std::string, std::string> keys, texts;
    for (const auto& r : t.receiver().Requests("/staff")) {
      keys[r.Json()["user_id"].get<std::string>()] = r.Json()["idempotency_key"].get<std::string>();
      texts[r.Json()["user_id"].get<std::string>()] = r.Json()["text"].get<std::string>();
    }
    REQUIRE(keys.count("w-a") == 1);
    REQUIRE(keys.count("c-1") == 1);
    CHECK(keys["w-a"] != keys["c-1"]);
    // The duty officer's copy says it is an urgent copy and who handles it (templates.yaml
    // urgent_copy); the assignee's is her new urgent ticket.
    CHECK(texts["c-1"].starts_with("【紧急抄送】工单#"));
    CHECK(texts["c-1"].find("已派网格员甲办理") != std::string::npos);
    CHECK(texts["c-1"].find("着火") != std::string::npos);  // staff see the resident's words
    CHECK(texts["w-a"].starts_with("【紧急】【新工单#"));
    CHECK(texts["w-a"].find("抄送") == std::string::npos);
    const std::string rule = DispatchRuleOf(t, NewestTicketId(t));
    CHECK(rule.starts_with("g1 → grid-a → w-a, rule: "));
    CHECK(rule.find("urgent: copied to c-1") != std::string::npos);
  }
}

}  // namespace gridrelay::testing
