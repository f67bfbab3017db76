// Instant anti-fraud warnings and the follow-up visit, end to end (issue #12): a real gateway on
// loopback with a real SQLite file; the generic channel's groups and the staff channel are a
// fake platform that records what reaches it in the generic wire format. Windows are moved with
// a ManualClock; nothing here waits on a timer of its own.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

#include "gateway/core/clock.h"
#include "gateway/store/open_store.h"
#include "tests/support/test_gateway.h"
#include "util/crypto.h"

namespace gridrelay::testing {
namespace {

constexpr int64_t kT0 = 1'800'000'000'000'000;
constexpr int64_t kMinute = 60'000'000;

// A resident reporting a fee-before-loan scam (anti_fraud.fake_loan): confident, not urgent.
const char* kLoanScam = "网上申请了5万贷款 说我银行卡号填错 账户冻结了 要交3000解冻费才能放款";
// Words of hers that must never reach the group.
const char* kHerWords[] = {"5万", "银行卡号填错", "3000"};
// Publicity quoting the same scheme: it reports no scam, so it warns nobody.
const char* kPublicity = "反诈宣传：警惕刷单诈骗！凡是刷单都是诈骗，凡是要求先垫付的兼职都是诈骗！";
// A resident paying right now: urgent anti_fraud, with an address.
const char* kPayingNow = "3栋302的王阿姨正在银行给公安局的人转账到安全账户，说她涉嫌洗钱，快来人拦住她";

// A grid with a quiet group and a group whose warnings are off; w-b is its worker.
const char* kQuietGrid =
    "  - {id: grid-q, name: 静默网格, community: c, worker: w-b, groups: [{channel: demo, group: g-quiet, warnings: quiet}, "
    "{channel: demo, group: g-off, warnings: off}]}\n";

TestGatewayOptions Options(const Clock* clock = nullptr) {
  TestGatewayOptions o;
  o.extra_grids = kQuietGrid;
  o.clock = clock;
  return o;
}

// The requests on `path` of kind `kind`, as the platform got them.
std::vector<nlohmann::json> Sent(TestGateway& t, const std::string& path, const std::string& kind) {
  std::vector<nlohmann::json> out;
  for (const auto& r : t.receiver().Requests(path)) {
    nlohmann::json j = r.Json();
    if (j.value("kind", "") == kind) out.push_back(std::move(j));
  }
  return out;
}

// Posts a resident's message; returns its message id.
int64_t Post(TestGateway& t, const std::string& msg_id, const std::string& group, const std::string& text,
             const std::string& sender = "u42") {
  auto res = t.PostGeneric(TestGateway::Message(msg_id, group, text, sender));
  REQUIRE(res);
  REQUIRE(res->status == 200);
  return nlohmann::json::parse(res->body)["message_id"];
}

nlohmann::json Warnings(TestGateway& t, const std::string& query = "") {
  return t.Api("/api/v1/warnings" + query)["warnings"];
}

nlohmann::json Ticket(TestGateway& t, int64_t id) { return t.Api("/api/v1/tickets/" + std::to_string(id)); }

std::vector<std::string> EventActions(TestGateway& t, int64_t ticket) {
  std::vector<std::string> out;
  const nlohmann::json read = Ticket(t, ticket);  // kept: a range over a temporary's member would dangle
  for (const auto& e : read["events"]) out.push_back(e["action"]);
  return out;
}

bool Has(const std::vector<std::string>& v, const std::string& s) { return std::find(v.begin(), v.end(), s) != v.end(); }

void AddToken(TestGateway& t, const std::string& name, const std::string& role, const std::string& scope,
              const std::string& secret) {
  REQUIRE(t.gateway().store()->CreateToken(ApiToken{.name = name, .role = role, .scope = scope},
                                           crypto::Sha256Hex(secret), 1).ok());
}

// POSTs `body` to an API path with `token`; the status and the parsed body.
std::pair<int, nlohmann::json> ApiPost(TestGateway& t, const std::string& token, const std::string& path,
                                       const nlohmann::json& body) {
  httplib::Client c = t.Client();
  auto res = c.Post(path.c_str(), {{"Authorization", "Bearer " + token}}, body.dump(), "application/json");
  if (!res) return {0, nullptr};
  return {res->status, nlohmann::json::parse(res->body, nullptr, false)};
}

// Waits until message `id` has left `received` (its plan is committed, rows and all).
bool Processed(TestGateway& t, int64_t id) {
  return WaitUntil([&] { return t.Api("/api/v1/messages/" + std::to_string(id))["state"] != "received"; });
}

}  // namespace

TEST_SUITE("instant warning") {
  TEST_CASE("a scam report is warned about in the group: the intent's template, an @ of her, none of her words, first") {
    TestGateway t(Options());
    const int64_t m = Post(t, "m1", "g1", kLoanScam, "u42");
    REQUIRE(WaitUntil([&] { return Sent(t, "/group", "warning").size() == 1 && !Sent(t, "/group", "group_ack").empty(); }));
    const nlohmann::json w = Sent(t, "/group", "warning").front();
    CHECK(w["group_id"] == "g1");
    CHECK(w["mention_user_ids"] == nlohmann::json::array({"u42"}));
    const std::string text = w["text"];
    CHECK(text.find("解冻费") != std::string::npos);  // the fake-loan template: the one thing never to pay
    CHECK(text.find("96110") != std::string::npos);
    for (const char* words : kHerWords) CHECK_MESSAGE(text.find(words) == std::string::npos, words);
    // The warning goes out ahead of the acknowledgement of the same message.
    std::vector<std::string> kinds;
    for (const auto& r : t.receiver().Requests("/group")) kinds.push_back(r.Json().value("kind", ""));
    CHECK(std::find(kinds.begin(), kinds.end(), "warning") < std::find(kinds.begin(), kinds.end(), "group_ack"));

    // Stored with its evidence, and the ticket still goes to the anti-fraud team.
    const nlohmann::json stored = Warnings(t);
    REQUIRE(stored.size() == 1);
    CHECK(stored[0]["message_id"] == m);
    CHECK(stored[0]["intent"] == "anti_fraud.fake_loan");
    CHECK(stored[0]["template"] == "anti_fraud.fake_loan");
    CHECK(stored[0]["mode"] == "group");
    CHECK(stored[0]["text"] == text);
    CHECK(!stored[0]["rules"].empty());
    CHECK(stored[0]["rules"][0]["pattern_id"].get<std::string>().find("anti_fraud") != std::string::npos);
    CHECK(stored[0]["repeats"] == 0);
    CHECK(stored[0]["false_alarm"].is_null());
    const int64_t ticket = stored[0]["ticket_id"];
    CHECK(Ticket(t, ticket)["team"] == "fraud");
    CHECK(Has(EventActions(t, ticket), "warned"));
    CHECK(!Sent(t, "/staff", "staff_notify").empty());
  }

  TEST_CASE("the same scam again within the window gets no second warning but a count, after the window it warns again") {
    ManualClock clock(kT0);
    TestGateway t(Options(&clock));
    Post(t, "m1", "g1", kLoanScam, "u1");
    REQUIRE(WaitUntil([&] { return Sent(t, "/group", "warning").size() == 1; }));
    // A flood: three more residents post it within the window (30 minutes by default).
    int64_t last = 0;
    for (int i = 2; i <= 4; ++i) {
      clock.AdvanceMicros(5 * kMinute);
      last = Post(t, "m" + std::to_string(i), "g1", kLoanScam, "u" + std::to_string(i));
      REQUIRE(Processed(t, last));
    }
    // Another group hears of it: the window is per group.
    const int64_t other = Post(t, "m5", "g2", kLoanScam, "u5");
    REQUIRE(WaitUntil([&] { return Sent(t, "/group", "warning").size() == 2; }));
    REQUIRE(Processed(t, other));
    nlohmann::json stored = Warnings(t);
    REQUIRE(stored.size() == 2);
    CHECK(stored[1]["group_id"] == "g1");  // newest first
    CHECK(stored[1]["repeats"] == 3);
    CHECK(stored[0]["group_id"] == "g2");
    CHECK(stored[0]["repeats"] == 0);
    const int64_t repeat_ticket = t.TicketOf(last);
    REQUIRE(repeat_ticket != 0);
    CHECK(Has(EventActions(t, repeat_ticket), "warning_suppressed"));
    CHECK(Ticket(t, repeat_ticket)["team"] == "fraud");  // every report still opens its ticket

    clock.AdvanceMicros(31 * kMinute);
    Post(t, "m6", "g1", kLoanScam, "u6");
    REQUIRE(WaitUntil([&] { return Sent(t, "/group", "warning").size() == 3; }));
    CHECK(Warnings(t).size() == 3);
  }

  TEST_CASE("a quiet group's warning goes to its grid worker only, an off group gets none, and both still open tickets") {
    TestGateway t(Options());
    const int64_t quiet = Post(t, "m1", "g-quiet", kLoanScam);
    REQUIRE(WaitUntil([&] { return Sent(t, "/staff", "warning").size() == 1; }));
    const nlohmann::json w = Sent(t, "/staff", "warning").front();
    CHECK(w["user_id"] == "w-b");
    CHECK(w["text"].get<std::string>().find("静默网格") != std::string::npos);
    CHECK(w["text"].get<std::string>().find("解冻费") != std::string::npos);
    const int64_t off = Post(t, "m2", "g-off", kLoanScam);
    REQUIRE(Processed(t, quiet));
    REQUIRE(Processed(t, off));
    CHECK(t.TicketOf(off) != 0);
    CHECK(Sent(t, "/group", "warning").empty());
    const nlohmann::json stored = Warnings(t);
    REQUIRE(stored.size() == 1);
    CHECK(stored[0]["mode"] == "quiet");
    CHECK(stored[0]["group_id"] == "g-quiet");
  }

  TEST_CASE("publicity that quotes a scam warns nobody") {
    TestGateway t(Options());
    const int64_t m = Post(t, "m1", "g1", kPublicity);
    REQUIRE(Processed(t, m));
    // A scam report after it is warned about: the publicity did not just arrive later.
    Post(t, "m2", "g1", kLoanScam);
    REQUIRE(WaitUntil([&] { return Sent(t, "/group", "warning").size() == 1; }));
    const nlohmann::json stored = Warnings(t);
    REQUIRE(stored.size() == 1);
    CHECK(stored[0]["message_id"] != m);
  }

  TEST_CASE("a warning goes out right after the campaign send in flight, ahead of the campaign rows its sender holds") {
    // One sender, so that the order is the sender's: it leases campaign rows in batches.
    TestGatewayOptions o = Options();
    o.delivery = "  workers: 1\n  channel_concurrency: 1\n";
    std::string groups;
    for (int i = 0; i < 20; ++i) groups += std::string(i ? ", " : "") + "{channel: demo, group: c-" + std::to_string(i) + "}";
    o.extra_grids = std::string(kQuietGrid) + "  - {id: grid-c, name: 宣传网格, community: c, worker: w-a, groups: [" +
                    groups + "]}\n";
    // The platform holds the first campaign send until the scam report's plan is committed.
    // (Declared before the gateway, which may still send while it stops.)
    std::mutex mu;
    std::condition_variable cv;
    bool holding = false, release = false;
    std::vector<std::string> kinds;  // in the order the platform got them
    TestGateway t(o);
    AddToken(t, "org", "organiser", "community:c", "tok-org");
    t.receiver().On("/group", [&](const RecordedRequest& r) {
      const std::string kind = r.Json().value("kind", "");
      std::unique_lock lock(mu);
      kinds.push_back(kind);
      if (kind == "broadcast" && !holding) {
        holding = true;
        cv.notify_all();
        cv.wait(lock, [&] { return release; });
      }
      return FakeResponse{};
    });
    struct Release {  // never leaves the sender held, whatever fails
      std::mutex& mu;
      std::condition_variable& cv;
      bool& release;
      ~Release() {
        std::lock_guard lock(mu);
        release = true;
        cv.notify_all();
      }
    } guard{mu, cv, release};
    auto created = ApiPost(t, "tok-org", "/api/v1/campaigns",
                        {{"title", "反诈宣传"}, {"content", "不转账、不点链接"}, {"targets", {{"grids", {"grid-c"}}}}});
    REQUIRE(created.first == 201);
    {
      std::unique_lock lock(mu);
      REQUIRE(cv.wait_for(lock, std::chrono::seconds(10), [&] { return holding; }));
    }
    REQUIRE(Processed(t, Post(t, "m1", "g1", kLoanScam)));
    {
      std::lock_guard lock(mu);
      release = true;
      cv.notify_all();
    }
    REQUIRE(WaitUntil([&] {
      std::lock_guard lock(mu);
      return std::count(kinds.begin(), kinds.end(), "warning") == 1;
    }));
    std::lock_guard lock(mu);
    REQUIRE(kinds.size() >= 2);
    CHECK(kinds[0] == "broadcast");  // the one in flight
    CHECK(kinds[1] == "warning");    // then the warning, before the other 19 groups' rows
  }

  TEST_CASE("GET /api/v1/warnings is scoped like tickets, false_alarm answers 400/403/404/409 like other actions") {
    TestGateway t(Options());
    Post(t, "m1", "g1", kLoanScam);
    REQUIRE(WaitUntil([&] { return Warnings(t).size() == 1; }));
    const int64_t id = Warnings(t)[0]["id"];
    const int64_t ticket = Warnings(t)[0]["ticket_id"];
    AddToken(t, "w-a", "worker", "grid:grid-a", "tok-wa");
    AddToken(t, "w-b", "worker", "grid:grid-b", "tok-wb");
    AddToken(t, "org", "organiser", "community:c", "tok-org");

    httplib::Client c = t.Client();
    auto list = [&](const std::string& token) {
      auto r = c.Get("/api/v1/warnings", {{"Authorization", "Bearer " + token}});
      REQUIRE(r);
      return std::make_pair(r->status, nlohmann::json::parse(r->body, nullptr, false));
    };
    CHECK(list("tok-wa").second["warnings"].size() == 1);
    CHECK(list("tok-wb").first == 200);
    CHECK(list("tok-wb").second["warnings"].empty());  // grid-b's worker does not see grid-a's
    CHECK(list("tok-org").first == 403);
    CHECK(list("nope").first == 401);

    const std::string path = "/api/v1/warnings/" + std::to_string(id) + "/actions";
    CHECK(ApiPost(t, "tok-wa", path, {{"action", "fly"}}).first == 400);
    CHECK(ApiPost(t, "tok-wa", path, {{"action", "false_alarm"}}).first == 400);  // no note: why is the point
    CHECK(ApiPost(t, "tok-org", path, {{"action", "false_alarm"}, {"note", "x"}}).first == 403);
    CHECK(ApiPost(t, "tok-wb", path, {{"action", "false_alarm"}, {"note", "x"}}).first == 404);
    CHECK(ApiPost(t, "tok-wa", "/api/v1/warnings/" + std::to_string(id + 1000) + "/actions",
               {{"action", "false_alarm"}, {"note", "x"}}).first == 404);
    auto [status, body] = ApiPost(t, "tok-wa", path, {{"action", "false_alarm"}, {"note", "是居民在转述新闻"}});
    CHECK(status == 200);
    CHECK(body["false_alarm"]["by"] == "w-a");
    CHECK(body["false_alarm"]["reason"] == "是居民在转述新闻");
    CHECK(!body["false_alarm"]["at"].is_null());
    CHECK(ApiPost(t, "tok-wa", path, {{"action", "false_alarm"}, {"note", "again"}}).first == 409);
    CHECK(Has(EventActions(t, ticket), "false_alarm"));
    // It is a correction for the classifier, once: the refused second mark wrote none.
    auto store = OpenStore("sqlite:" + (t.data_dir() / "gridrelay.db").string());
    REQUIRE(store.ok());
    auto corrections = (*store)->ListCorrections(0, 0, 10);
    REQUIRE(corrections.ok());
    REQUIRE(corrections->size() == 1);
    const Correction& k = corrections->at(0).correction;
    CHECK(k.kind == "false_alarm");
    CHECK(k.actor == "w-a");
    CHECK(k.guess_category == "anti_fraud");
    CHECK(k.category == "none");
    CHECK(k.ticket_id == ticket);
  }

  TEST_CASE("误报 N 说明 in chat marks the warning of ticket N, once") {
    TestGateway t(Options());
    Post(t, "m1", "g1", kLoanScam);
    REQUIRE(WaitUntil([&] { return Warnings(t).size() == 1; }));
    const std::string n = std::to_string(Warnings(t)[0]["ticket_id"].get<int64_t>());
    Post(t, "s1", "g1", "误报 " + n + " 居民在问是不是骗子，不是被骗", "staff-a");
    REQUIRE(WaitUntil([&] { return !Warnings(t)[0]["false_alarm"].is_null(); }));
    CHECK(Warnings(t)[0]["false_alarm"]["by"] == "w-a");
    Post(t, "s2", "g1", "误报 " + n + " 再来一次", "staff-a");
    REQUIRE(WaitUntil([&] {
      for (const auto& a : Sent(t, "/group", "command_answer"))
        if (a["text"].get<std::string>().find("已由") != std::string::npos) return true;
      return false;
    }));
    CHECK(Warnings(t)[0]["false_alarm"]["reason"] == "居民在问是不是骗子，不是被骗");
  }
}

TEST_SUITE("follow-up visit") {
  TEST_CASE("an urgent scam pages the anti-fraud team, sends the grid worker to the address and escalates at once") {
    TestGateway t(Options());
    const int64_t m = Post(t, "m1", "g1", kPayingNow);
    const int64_t id = t.TicketOf(m);
    REQUIRE(id != 0);
    // The on-duty officer (here the team: it has no members) is paged with the urgent mark.
    REQUIRE(WaitUntil([&] {
      for (const auto& n : Sent(t, "/staff", "staff_notify"))
        if (n["user_id"] == "fraud-team" && n["text"].get<std::string>().find("【紧急】") != std::string::npos) return true;
      return false;
    }));
    REQUIRE(WaitUntil([&] { return Sent(t, "/staff", "visit").size() == 1; }));
    const nlohmann::json visit = Sent(t, "/staff", "visit").front();
    CHECK(visit["user_id"] == "w-a");
    CHECK(visit["text"].get<std::string>().find("立即电话或上门: 3栋302") != std::string::npos);
    // Escalated without waiting for a deadline: the community's duty officer answers for it.
    REQUIRE(WaitUntil([&] { return Ticket(t, id)["level"] == "community"; }));
    CHECK(Ticket(t, id)["supervised"] == true);
    CHECK(Has(EventActions(t, id), "visit_requested"));
    CHECK(Has(EventActions(t, id), "escalate"));
    // It also warns the group (an urgent message is a confident one).
    CHECK(WaitUntil([&] { return Sent(t, "/group", "warning").size() == 1; }));
  }

  TEST_CASE("an urgent scam's ticket closes only after 已劝阻 or 未联系上 is recorded, by the grid worker too") {
    TestGateway t(Options());
    const int64_t id = t.TicketOf(Post(t, "m1", "g1", kPayingNow));
    const int64_t other = t.TicketOf(Post(t, "m2", "g1", kPayingNow, "u43"));
    REQUIRE(id != 0);
    REQUIRE(other != 0);
    const std::string path = "/api/v1/tickets/" + std::to_string(id) + "/actions";
    CHECK(ApiPost(t, TestGateway::kToken, path, {{"action", "accept"}}).first == 200);
    auto refused = ApiPost(t, TestGateway::kToken, path, {{"action", "resolve"}, {"note", "已处理"}});
    CHECK(refused.first == 409);
    CHECK(refused.second["error"]["message"].get<std::string>().find("已劝阻") != std::string::npos);
    CHECK(ApiPost(t, TestGateway::kToken, path, {{"action", "reject"}, {"reason", "not_a_request"}}).first == 409);
    CHECK(ApiPost(t, TestGateway::kToken, path, {{"action", "dissuaded"}}).first == 400);  // what was she told?

    // The grid worker, sent there, records it from chat.
    Post(t, "s1", "g1", "已劝阻 " + std::to_string(id) + " 已上门，居民停止转账，已报警", "staff-a");
    REQUIRE(WaitUntil([&] { return Ticket(t, id)["visit_outcome"] == "dissuaded"; }));
    CHECK(!Ticket(t, id)["first_contact_at"].is_null());
    auto resolved = ApiPost(t, TestGateway::kToken, path, {{"action", "resolve"}, {"note", "已劝阻"}});
    CHECK(resolved.first == 200);
    CHECK(resolved.second["status"] == "resolved");

    const std::string other_path = "/api/v1/tickets/" + std::to_string(other) + "/actions";
    auto unreachable = ApiPost(t, TestGateway::kToken, other_path, {{"action", "unreachable"}, {"note", "电话关机，上门无人"}});
    CHECK(unreachable.first == 200);
    CHECK(unreachable.second["visit_outcome"] == "unreachable");
    CHECK(ApiPost(t, TestGateway::kToken, other_path, {{"action", "accept"}}).first == 200);
    CHECK(ApiPost(t, TestGateway::kToken, other_path, {{"action", "resolve"}, {"note", "已移交派出所"}}).first == 200);
  }

  TEST_CASE("only an urgent scam's ticket records a visit") {
    TestGateway t(Options());
    const int64_t id = t.TicketOf(Post(t, "m1", "g1", kLoanScam));
    REQUIRE(id != 0);
    CHECK(ApiPost(t, TestGateway::kToken, "/api/v1/tickets/" + std::to_string(id) + "/actions",
               {{"action", "dissuaded"}, {"note", "x"}}).first == 409);
  }

  TEST_CASE("time to first contact is reported: visits, contacted, median and p90 in seconds") {
    ManualClock clock(kT0);
    TestGateway t(Options(&clock));
    const int64_t a = t.TicketOf(Post(t, "m1", "g1", kPayingNow));
    const int64_t b = t.TicketOf(Post(t, "m2", "g1", kPayingNow, "u43"));
    t.TicketOf(Post(t, "m3", "g1", kPayingNow, "u44"));  // never reached yet
    REQUIRE(a != 0);
    REQUIRE(b != 0);
    clock.AdvanceMicros(4 * kMinute);
    CHECK(ApiPost(t, TestGateway::kToken, "/api/v1/tickets/" + std::to_string(a) + "/actions",
               {{"action", "dissuaded"}, {"note", "电话劝阻成功"}}).first == 200);
    clock.AdvanceMicros(6 * kMinute);
    CHECK(ApiPost(t, TestGateway::kToken, "/api/v1/tickets/" + std::to_string(b) + "/actions",
               {{"action", "unreachable"}, {"note", "无人接听"}}).first == 200);
    // A second record does not move the first contact.
    clock.AdvanceMicros(kMinute);
    CHECK(ApiPost(t, TestGateway::kToken, "/api/v1/tickets/" + std::to_string(b) + "/actions",
               {{"action", "dissuaded"}, {"note", "回电后劝阻"}}).first == 200);
    const nlohmann::json total = t.Api("/api/v1/stats")["total"];
    CHECK(total["visits"] == 3);
    CHECK(total["contacted"] == 2);
    CHECK(total["median_first_contact_s"] == 4 * 60);
    CHECK(total["p90_first_contact_s"] == 10 * 60);
  }
}

}  // namespace gridrelay::testing
