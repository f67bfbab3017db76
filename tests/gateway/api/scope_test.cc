// Roles and scopes on every API route (issue #8): a real gateway on loopback with a real SQLite
// file, tickets opened by residents' messages, tokens of each role created in the store, and one
// table of (role, scope, method + route, expected status).
#include <doctest/doctest.h>

#include <fstream>
#include <set>

#include "tests/support/test_gateway.h"
#include "util/crypto.h"

namespace gridrelay::testing {
namespace {

const char* kFacilities = "3栋楼道灯坏了好几天了,晚上太黑";
const char* kScam = "刚才有个自称公安局的打电话说我涉嫌洗钱，让我把钱转到安全账户配合调查，这是不是诈骗？";

// Two streets; street east has communities c-a (grid-a) and c-b (grid-b), street west has c-w
// (grid-w). The anti-fraud team has one volunteer.
const char* kRouting = R"(district: {id: d, name: 区矛调中心, duty: d-1}
streets:
  - {id: s-east, name: 东街道, duty: s-1}
  - {id: s-west, name: 西街道, duty: s-2}
communities:
  - {id: c-a, name: 甲社区, street: s-east, duty: c-1}
  - {id: c-b, name: 乙社区, street: s-east, duty: c-2}
  - {id: c-w, name: 西社区, street: s-west, duty: c-3}
grids:
  - {id: grid-a, name: 甲网格, community: c-a, worker: w-a, groups: [{channel: demo, group: g1}]}
  - {id: grid-b, name: 乙网格, community: c-b, worker: w-b, groups: [{channel: demo, group: g2}]}
  - {id: grid-w, name: 西网格, community: c-w, worker: w-w, groups: [{channel: demo, group: g3}]}
staff:
  - {id: w-a, name: 网格员甲, role: grid_worker, notify: {channel: staff, to: w-a}}
  - {id: w-b, name: 网格员乙, role: grid_worker, notify: {channel: staff, to: w-b}}
  - {id: w-w, name: 网格员西, role: grid_worker, notify: {channel: staff, to: w-w}}
  - {id: v-1, name: 反诈志愿者, role: volunteer, notify: {channel: staff, to: v-1}}
  - {id: c-1, name: 甲社区主任, role: community, notify: {channel: staff, to: c-1}}
  - {id: c-2, name: 乙社区主任, role: community, notify: {channel: staff, to: c-2}}
  - {id: c-3, name: 西社区主任, role: community, notify: {channel: staff, to: c-3}}
  - {id: s-1, name: 东街道科长, role: street, notify: {channel: staff, to: s-1}}
  - {id: s-2, name: 西街道科长, role: street, notify: {channel: staff, to: s-2}}
  - {id: d-1, name: 中心主任, role: district, notify: {channel: staff, to: d-1}}
teams:
  - {id: fraud, name: 反诈队, serves: anti_fraud, members: [v-1], notify: {channel: staff, to: fraud-team}}
routes: {appeal: grid, legal_aid: team, anti_fraud: team}
admin:
  notify: {channel: staff, to: admin}
)";

// The tokens of the table, each created in the store; its secret is "tok-" + its name.
struct Grant {
  const char* name;
  const char* role;
  const char* scope;
};
constexpr Grant kGrants[] = {
    {"admin", "admin", ""},
    {"w-a", "worker", "grid:grid-a"},
    {"w-b", "worker", "grid:grid-b"},
    {"v-1", "team_member", "team:fraud"},
    {"c-1", "supervisor", "community:c-a"},
    {"s-1", "supervisor", "street:s-east"},
    {"s-2", "supervisor", "street:s-west"},
    {"d-1", "supervisor", "district:d"},
    {"organiser", "organiser", "street:s-east"},
    {"revoked", "admin", ""},
};

// The gateway with the tickets of the table: a1, a2 in grid-a; b1 in grid-b; w1 in grid-w;
// f1 from grid-a's group, assigned to the anti-fraud team.
struct World {
  static constexpr const char* kDuplicatesOff = "duplicates: {enabled: false}\n";
  TestGateway t{TestGatewayOptions{.start = false}};
  std::map<std::string, int64_t> ticket;   // a1, a2, b1, w1, f1 -> ticket id
  std::map<std::string, int64_t> message;  // the message that opened each

  World() {
    // a1 and a2 are the same text in one group: two tickets here, not a duplicate.
    std::ofstream(t.config_dir() / "routing.yaml") << kRouting << TestGateway::kLoop << kDuplicatesOff;
    t.Start();
    for (const Grant& g : kGrants)
      REQUIRE(t.gateway()
                  .store()
                  ->CreateToken(ApiToken{.name = g.name, .role = g.role, .scope = g.scope},
                                crypto::Sha256Hex(std::string("tok-") + g.name), 1)
                  .ok());
    REQUIRE(t.gateway().store()->RevokeToken("revoked", 2).ok());
    const std::vector<std::tuple<std::string, std::string, std::string>> posts = {
        {"a1", "g1", kFacilities}, {"b1", "g2", kFacilities}, {"w1", "g3", kFacilities},
        {"f1", "g1", kScam},       {"a2", "g1", kFacilities}};
    for (const auto& [key, group, text] : posts) {
      auto res = t.PostGeneric(TestGateway::Message("m-" + key, group, text));
      REQUIRE(res);
      REQUIRE(res->status == 200);
      message[key] = nlohmann::json::parse(res->body)["message_id"].get<int64_t>();
      // One at a time, so that ticket ids follow the order of the posts.
      REQUIRE(WaitUntil([&] { return t.Api("/api/v1/messages/" + std::to_string(message[key]))["ticket"].is_object(); }));
      ticket[key] = t.Api("/api/v1/messages/" + std::to_string(message[key]))["ticket"]["id"].get<int64_t>();
    }
  }

  // `method` `path` with the token of `who` ("" for none); fills the status and returns the body.
  nlohmann::json Call(const std::string& who, const std::string& method, const std::string& path, int* status) {
    httplib::Client c = t.Client();
    httplib::Headers h;
    if (!who.empty()) h.emplace("Authorization", "Bearer tok-" + who);
    httplib::Result res = method == "GET"      ? c.Get(path.c_str(), h)
                          : method == "POST"   ? c.Post(path.c_str(), h, "{\"text\": \"楼道灯坏了\"}", "application/json")
                          : method == "DELETE" ? c.Delete(path.c_str(), h)
                                               : c.Options(path.c_str(), h);
    *status = res ? res->status : 0;
    return res ? nlohmann::json::parse(res->body, nullptr, false) : nlohmann::json();
  }

  // "/api/v1/tickets/{a1}" -> "/api/v1/tickets/17", and {m:a1} -> the message of a1.
  std::string Expand(std::string route) const {
    for (const auto& [key, id] : message) {
      const std::string m = "{m:" + key + "}";
      if (auto at = route.find(m); at != std::string::npos) route.replace(at, m.size(), std::to_string(id));
    }
    for (const auto& [key, id] : ticket) {
      const std::string k = "{" + key + "}";
      if (auto at = route.find(k); at != std::string::npos) route.replace(at, k.size(), std::to_string(id));
    }
    return route;
  }

  // Every ticket `who` can list, paging one at a time: the keys ("a2 f1 a1"), in the order seen.
  std::string ListAll(const std::string& who, const std::string& query = "") {
    std::string seen;
    std::string before;
    for (int page = 0; page < 10; ++page) {
      int status = 0;
      auto body = Call(who, "GET", "/api/v1/tickets?limit=1" + query + before, &status);
      REQUIRE(status == 200);
      for (const auto& tk : body["tickets"])
        for (const auto& [key, id] : ticket)
          if (tk["id"] == id) seen += (seen.empty() ? "" : " ") + key;
      if (body["next_before"].is_null()) break;
      before = "&before=" + std::to_string(body["next_before"].get<int64_t>());
    }
    return seen;
  }
};

struct Row {
  const char* who;  // a token of kGrants, "" for none, "bogus" for an unknown one
  const char* method;
  const char* route;
  int status;
};

// clang-format off
const Row kRows[] = {
  // No token (or a bad or revoked one): 401 on every path under /api/v1, known or not.
  {"",          "GET",     "/api/v1/tickets",            401},
  {"",          "GET",     "/api/v1/tickets/{a1}",       401},
  {"",          "GET",     "/api/v1/messages/{m:a1}",    401},
  {"",          "GET",     "/api/v1/outbox",             401},
  {"",          "POST",    "/api/v1/outbox/retry",       401},
  {"",          "POST",    "/api/v1/classify",           401},
  {"",          "POST",    "/api/v1/admin/reload",       401},
  {"",          "GET",     "/api/v1/no-such-thing",      401},
  {"",          "GET",     "/api/v1/tickets/abc",        401},
  {"",          "DELETE",  "/api/v1/tickets/{a1}",       401},
  {"",          "OPTIONS", "/api/v1/tickets",            401},
  {"",          "GET",     "/api/v2/anything",           401},
  {"bogus",     "GET",     "/api/v1/tickets",            401},
  {"bogus",     "GET",     "/api/v1/no-such-thing",      401},
  {"revoked",   "GET",     "/api/v1/tickets",            401},
  // With a token, an unknown path is 404 and a known one with the wrong method 405.
  {"w-a",       "GET",     "/api/v1/no-such-thing",      404},
  {"w-a",       "DELETE",  "/api/v1/tickets/{a1}",       405},
  // Admin: everything.
  {"admin",     "GET",     "/api/v1/tickets",            200},
  {"admin",     "GET",     "/api/v1/tickets/{w1}",       200},
  {"admin",     "GET",     "/api/v1/messages/{m:w1}",    200},
  {"admin",     "GET",     "/api/v1/outbox",             200},
  {"admin",     "POST",    "/api/v1/outbox/retry",       400},  // the table's body is no requeue
  {"admin",     "POST",    "/api/v1/classify",           200},
  // A worker: her grid's tickets and messages; another grid's answer as missing.
  {"w-a",       "GET",     "/api/v1/tickets",            200},
  {"w-a",       "GET",     "/api/v1/tickets/{a1}",       200},
  {"w-a",       "GET",     "/api/v1/tickets/{f1}",       200},  // opened in her grid, the team's
  {"w-a",       "GET",     "/api/v1/tickets/{b1}",       404},
  {"w-a",       "GET",     "/api/v1/tickets/{w1}",       404},
  {"w-a",       "GET",     "/api/v1/tickets/999999",     404},
  {"w-a",       "GET",     "/api/v1/messages/{m:a1}",    200},
  {"w-a",       "GET",     "/api/v1/messages/{m:b1}",    404},
  {"w-a",       "GET",     "/api/v1/outbox",             403},
  {"w-a",       "POST",    "/api/v1/classify",           200},
  {"w-a",       "POST",    "/api/v1/admin/reload",       403},
  {"w-a",       "POST",    "/api/v1/outbox/retry",       403},
  {"w-b",       "GET",     "/api/v1/tickets/{b1}",       200},
  {"w-b",       "GET",     "/api/v1/tickets/{a1}",       404},
  // A team member: her team's tickets only.
  {"v-1",       "GET",     "/api/v1/tickets/{f1}",       200},
  {"v-1",       "GET",     "/api/v1/tickets/{a1}",       404},
  {"v-1",       "GET",     "/api/v1/messages/{m:f1}",    200},
  {"v-1",       "GET",     "/api/v1/outbox",             403},
  // A community supervisor: her community; a street supervisor: her street's communities.
  {"c-1",       "GET",     "/api/v1/tickets/{a1}",       200},
  {"c-1",       "GET",     "/api/v1/tickets/{b1}",       404},
  {"c-1",       "GET",     "/api/v1/tickets/{w1}",       404},
  {"s-1",       "GET",     "/api/v1/tickets/{a1}",       200},
  {"s-1",       "GET",     "/api/v1/tickets/{b1}",       200},
  {"s-1",       "GET",     "/api/v1/tickets/{w1}",       404},
  {"s-2",       "GET",     "/api/v1/tickets/{w1}",       200},
  {"s-2",       "GET",     "/api/v1/tickets/{a1}",       404},
  {"s-1",       "GET",     "/api/v1/outbox",             403},
  {"d-1",       "GET",     "/api/v1/tickets/{w1}",       200},
  {"d-1",       "GET",     "/api/v1/tickets/{a1}",       200},
  {"d-1",       "POST",    "/api/v1/admin/reload",       403},
  {"d-1",       "POST",    "/api/v1/outbox/retry",       403},
  // An organiser reads no tickets and no messages.
  {"organiser", "GET",     "/api/v1/tickets",            403},
  {"organiser", "GET",     "/api/v1/tickets/{a1}",       403},
  {"organiser", "GET",     "/api/v1/messages/{m:a1}",    403},
  {"organiser", "GET",     "/api/v1/outbox",             403},
  {"organiser", "POST",    "/api/v1/outbox/retry",       403},
  {"organiser", "POST",    "/api/v1/classify",           200},
};
// clang-format on

}  // namespace

TEST_SUITE("api scopes") {
  TEST_CASE("every route answers each role and scope as the table says") {
    World w;
    for (const Row& row : kRows) {
      const std::string route = w.Expand(row.route);
      int status = 0;
      auto body = w.Call(row.who, row.method, route, &status);
      INFO(row.who, " ", row.method, " ", route, " -> ", body.dump());
      CHECK(status == row.status);
      if (status >= 400) CHECK(body["error"]["code"].is_string());
    }
  }

  TEST_CASE("a ticket outside the scope is answered exactly as a missing one") {
    World w;
    int out_status = 0, missing_status = 0;
    const std::string out = w.Expand("/api/v1/tickets/{b1}");
    auto outside = w.Call("w-a", "GET", out, &out_status);
    const int64_t b1 = w.ticket.at("b1");
    // The same body as a ticket that does not exist would get, with its number.
    auto missing = w.Call("admin", "GET", "/api/v1/tickets/999999", &missing_status);
    CHECK(out_status == 404);
    CHECK(missing_status == 404);
    CHECK(outside["error"]["code"] == missing["error"]["code"]);
    CHECK(outside["error"]["message"] == "no ticket " + std::to_string(b1));
  }

  TEST_CASE("lists page through the scope and never past it") {
    World w;
    CHECK(w.ListAll("admin") == "a2 f1 w1 b1 a1");
    CHECK(w.ListAll("d-1") == "a2 f1 w1 b1 a1");
    CHECK(w.ListAll("w-a") == "a2 f1 a1");
    CHECK(w.ListAll("w-b") == "b1");
    CHECK(w.ListAll("v-1") == "f1");
    CHECK(w.ListAll("c-1") == "a2 f1 a1");
    CHECK(w.ListAll("s-1") == "a2 f1 b1 a1");
    CHECK(w.ListAll("s-2") == "w1");
    // Filters narrow within the scope, never widen it.
    CHECK(w.ListAll("w-a", "&grid=grid-b")== "");
    CHECK(w.ListAll("s-1", "&category=anti_fraud") == "f1");
  }

  TEST_CASE("assignee=me lists what is assigned to the caller's staff id") {
    World w;
    CHECK(w.ListAll("w-a", "&assignee=me") == "a2 a1");  // not f1: the team's
    CHECK(w.ListAll("w-b", "&assignee=me") == "b1");
    CHECK(w.ListAll("c-1", "&assignee=me")== "");  // nothing escalated to her yet
  }
}

}  // namespace gridrelay::testing
