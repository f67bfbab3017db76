// Actors (gateway/workflow/actor.h) over the shipped demo org (config/routing.yaml): what each
// staff role becomes, which token grants are accepted, and who may act on a ticket.
#include <doctest/doctest.h>

#include "gateway/config/config.h"
#include "gateway/workflow/actor.h"
#include "tests/gateway/workflow/workflow_test_util.h"

namespace gridrelay::workflow {
namespace {

using testing::ShippedConfig;

// The shipped config and its index; the index refers into the config, so both stay put.
struct Demo {
  Config config;
  OrgIndex org;
  explicit Demo(Config c) : config(std::move(c)), org(config.routing) {}
};

const OrgIndex& Org() {
  static const auto* demo = [] {
    auto c = LoadConfig(ShippedConfig());
    REQUIRE(c.ok());
    return new Demo(std::move(*c));
  }();
  return demo->org;
}

Actor Staff(const std::string& id) {
  const StaffMember* s = Org().FindStaff(id);
  REQUIRE(s != nullptr);
  return ActorForStaff(Org(), *s);
}

Actor Token(const std::string& name, const std::string& role, const std::string& scope) {
  auto a = ActorForToken(Org(), ApiToken{.name = name, .role = role, .scope = scope});
  REQUIRE(a.ok());
  return *a;
}

// A ticket of grid-hexie-1 (community comm-hexie, street street-east) at `level`.
Ticket GridTicket(const std::string& assignee, const std::string& level = "grid") {
  Ticket t;
  t.id = 12;
  t.grid_id = "grid-hexie-1";
  t.community_id = "comm-hexie";
  t.street_id = "street-east";
  t.level = level;
  t.assignee_kind = "staff";
  t.assignee_id = assignee;
  t.assignee_name = assignee == "w-wang" ? "王芳" : assignee;
  return t;
}

Ticket TeamTicket(const std::string& team) {
  Ticket t = GridTicket(team);
  t.assignee_kind = "team";
  t.assignee_name = team;
  t.team_id = team;
  return t;
}

bool Mentions(const Status& s, const std::string& what) { return s.message().find(what) != std::string::npos; }

}  // namespace

TEST_SUITE("actor") {
  TEST_CASE("the escalation levels rank grid below community below street below district") {
    CHECK(LevelRank("grid") == 0);
    CHECK(LevelRank("community") == 1);
    CHECK(LevelRank("street") == 2);
    CHECK(LevelRank("district") == 3);
    CHECK(LevelRank("team") == -1);
    CHECK(LevelRank("") == -1);
  }

  TEST_CASE("each staff role of routing.yaml becomes the actor of its role, scoped to what she serves") {
    const Actor wang = Staff("w-wang");
    CHECK(wang.role == Role::kWorker);
    CHECK(wang.name == "王芳");
    REQUIRE(wang.scope);
    CHECK(wang.scope->grids == std::vector<std::string>{"grid-hexie-1"});
    CHECK(wang.scope->assignees == std::vector<std::string>{"w-wang"});
    CHECK(wang.rank == 0);

    const Actor zhao = Staff("v-zhao");
    CHECK(zhao.role == Role::kTeamMember);
    REQUIRE(zhao.scope);
    CHECK(zhao.scope->teams == std::vector<std::string>{"legal-aid"});
    CHECK(zhao.scope->grids.empty());

    const Actor sun = Staff("c-sun");
    CHECK(sun.role == Role::kSupervisor);
    CHECK(sun.rank == LevelRank("community"));
    REQUIRE(sun.scope);
    CHECK(sun.scope->communities == std::vector<std::string>{"comm-hexie"});

    const Actor wu = Staff("s-wu");
    CHECK(wu.role == Role::kSupervisor);
    CHECK(wu.rank == LevelRank("street"));
    REQUIRE(wu.scope);
    CHECK(wu.scope->streets == std::vector<std::string>{"street-east"});

    const Actor zhou = Staff("d-zhou");
    CHECK(zhou.role == Role::kSupervisor);
    CHECK(zhou.rank == LevelRank("district"));
    CHECK_FALSE(zhou.scope);  // the district sees everything
  }

  TEST_CASE("a staff member sees her own grids and teams and nothing of her neighbours'") {
    CHECK(InScope(Staff("w-wang"), GridTicket("w-wang")));
    CHECK_FALSE(InScope(Staff("w-li"), GridTicket("w-wang")));
    CHECK(InScope(Staff("c-sun"), GridTicket("w-wang")));
    CHECK_FALSE(InScope(Staff("c-qian"), GridTicket("w-wang")));
    CHECK(InScope(Staff("s-wu"), GridTicket("w-wang")));
    CHECK(InScope(Staff("v-zhao"), TeamTicket("legal-aid")));
    CHECK_FALSE(InScope(Staff("p-liu"), TeamTicket("legal-aid")));
    // A ticket escalated to a supervisor stays visible to its grid's worker.
    CHECK(InScope(Staff("w-wang"), GridTicket("c-sun", "community")));
  }

  TEST_CASE("a token grant is accepted when its role and every scope item are known") {
    CHECK(CheckTokenGrant(Org(), "admin", "").ok());
    CHECK(CheckTokenGrant(Org(), "worker", "grid:grid-hexie-1,team:legal-aid").ok());
    CHECK(CheckTokenGrant(Org(), "team_member", "team:anti-fraud").ok());
    CHECK(CheckTokenGrant(Org(), "supervisor", "community:comm-hexie").ok());
    CHECK(CheckTokenGrant(Org(), "supervisor", "street:street-east").ok());
    CHECK(CheckTokenGrant(Org(), "supervisor", "district:demo-district").ok());
    CHECK(CheckTokenGrant(Org(), "organiser", "community:comm-xingfu,grid:grid-hexie-2").ok());
  }

  TEST_CASE("a token grant is refused with a message naming the bad role or scope item") {
    Status s = CheckTokenGrant(Org(), "boss", "grid:grid-hexie-1");
    CHECK(s.code() == StatusCode::kInvalidArgument);
    CHECK(Mentions(s, "'boss'"));

    s = CheckTokenGrant(Org(), "worker", "grid:grid-hexie-1,grid:grid-nowhere");
    CHECK(s.code() == StatusCode::kInvalidArgument);
    CHECK(Mentions(s, "grid:grid-nowhere"));

    s = CheckTokenGrant(Org(), "worker", "grid-hexie-1");
    CHECK(Mentions(s, "'grid-hexie-1' is not KIND:ID"));

    s = CheckTokenGrant(Org(), "worker", "grid:grid-hexie-1,");
    CHECK(Mentions(s, "'' is not KIND:ID"));

    s = CheckTokenGrant(Org(), "team_member", "street:street-east");
    CHECK(Mentions(s, "street:street-east"));
    CHECK(Mentions(s, "team or staff"));

    s = CheckTokenGrant(Org(), "worker", "");
    CHECK(s.code() == StatusCode::kInvalidArgument);
    CHECK(Mentions(s, "needs --scope"));

    s = CheckTokenGrant(Org(), "admin", "grid:grid-hexie-1");
    CHECK(Mentions(s, "admin"));
  }

  TEST_CASE("a stored token keeps its valid scope items when others went stale") {
    const Actor a = Token("ops", "worker", "grid:grid-gone,grid:grid-hexie-2");
    REQUIRE(a.scope);
    CHECK(a.scope->grids == std::vector<std::string>{"grid-hexie-2"});
    CHECK_FALSE(ActorForToken(Org(), ApiToken{.name = "x", .role = "boss"}).ok());
  }

  TEST_CASE("a token named after a staff member acts as her: her name and her assigned tickets") {
    const Actor a = Token("w-wang", "worker", "grid:grid-hexie-1");
    CHECK(a.id == "w-wang");
    CHECK(a.name == "王芳");
    REQUIRE(a.scope);
    CHECK(a.scope->assignees == std::vector<std::string>{"w-wang"});
    // A supervisor token takes the rank of the highest unit in its scope.
    CHECK(Token("c", "supervisor", "community:comm-hexie").rank == LevelRank("community"));
    CHECK(Token("s", "supervisor", "community:comm-hexie,street:street-east").rank == LevelRank("street"));
    CHECK_FALSE(Token("d", "supervisor", "district:demo-district").scope);
  }

  TEST_CASE("the assignee, a member of the ticket's team and a supervisor at or above its level may act") {
    CHECK(MayAct(Org(), Staff("w-wang"), GridTicket("w-wang")).ok());
    CHECK(MayAct(Org(), Staff("v-zhao"), TeamTicket("legal-aid")).ok());
    CHECK(MayAct(Org(), Token("legal-desk", "team_member", "team:legal-aid"), TeamTicket("legal-aid")).ok());
    CHECK(MayAct(Org(), Staff("c-sun"), GridTicket("w-wang")).ok());
    CHECK(MayAct(Org(), Staff("c-sun"), GridTicket("c-sun", "community")).ok());
    CHECK(MayAct(Org(), Staff("s-wu"), GridTicket("c-sun", "community")).ok());
    CHECK(MayAct(Org(), Staff("d-zhou"), GridTicket("s-wu", "street")).ok());
    CHECK(MayAct(Org(), Token("root", "admin", ""), GridTicket("w-wang", "district")).ok());
  }

  TEST_CASE("anyone else is refused, and the refusal says why in Chinese and English") {
    // A supervisor below the ticket's level.
    Status s = MayAct(Org(), Staff("c-sun"), GridTicket("s-wu", "street"));
    CHECK(s.code() == StatusCode::kPermissionDenied);
    CHECK(Mentions(s, "工单#12 已在街道级,高于您的社区级"));
    CHECK(Mentions(s, "at the street level, above your community level"));

    // A supervisor of another community.
    s = MayAct(Org(), Staff("c-qian"), GridTicket("w-wang"));
    CHECK(s.code() == StatusCode::kPermissionDenied);
    CHECK(Mentions(s, "不在您的范围内"));
    CHECK(Mentions(s, "outside your scope"));

    // A stranger: another grid's worker.
    s = MayAct(Org(), Staff("w-li"), GridTicket("w-wang"));
    CHECK(s.code() == StatusCode::kPermissionDenied);
    CHECK(Mentions(s, "outside your scope"));

    // In scope but not hers: her grid's ticket, escalated to the community.
    s = MayAct(Org(), Staff("w-wang"), GridTicket("c-sun", "community"));
    CHECK(s.code() == StatusCode::kPermissionDenied);
    CHECK(Mentions(s, "由c-sun负责"));
    CHECK(Mentions(s, "not its assignee, on its team, or a supervisor above it"));

    // Another team's volunteer, and an organiser.
    CHECK(MayAct(Org(), Staff("p-liu"), TeamTicket("legal-aid")).code() == StatusCode::kPermissionDenied);
    s = MayAct(Org(), Token("events", "organiser", "community:comm-hexie"), GridTicket("w-wang"));
    CHECK(s.code() == StatusCode::kPermissionDenied);
    CHECK(Mentions(s, "organiser does not act on tickets"));
  }
}

}  // namespace gridrelay::workflow
