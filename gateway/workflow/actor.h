// Actor: who acts on tickets, from chat or from the API, and what they may see and do.
//
// One model for both doors (issue #8, "Roles and scopes"): an API token carries a role and a
// scope (`gridrelay token create --role worker --scope grid:grid-hexie-1`); a staff member's chat
// account gets the role and scope her routing.yaml entry implies. Both become an Actor, and the
// same two questions are asked of it everywhere:
//   * InScope: may it see this ticket? (lists never page past the scope; a ticket outside it
//     answers 404, as if it did not exist)
//   * MayAct: may it change this ticket? Only the assignee, a member of the ticket's team, or a
//     supervisor whose level is the ticket's level or above (and whose scope holds the ticket)
//     may; admins may do anything.
//
// Roles and what routing.yaml's staff roles map to:
//   worker       grid_worker: her grids, her teams, and whatever is assigned to her
//   team_member  volunteer: her teams and whatever is assigned to her
//   supervisor   community / street / district officer: the unit(s) she is on duty for, and
//                below; the district sees everything
//   organiser    campaigns over the groups of an area (no ticket actions)
//   admin        everything
//
// A token whose name is a staff id acts as that staff member (so `我的工单` and the assignee
// check work for her through the API as in chat).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "gateway/core/enum_names.h"
#include "gateway/core/status.h"
#include "gateway/org/org.h"
#include "gateway/store/store.h"

namespace gridrelay::workflow {

enum class Role { kWorker, kTeamMember, kSupervisor, kOrganiser, kAdmin };
inline constexpr EnumName<Role> kRoleNames[] = {{Role::kWorker, "worker"},
                                                {Role::kTeamMember, "team_member"},
                                                {Role::kSupervisor, "supervisor"},
                                                {Role::kOrganiser, "organiser"},
                                                {Role::kAdmin, "admin"}};
constexpr std::string_view Name(Role v) { return NameIn(kRoleNames, v); }
constexpr std::optional<Role> ParseRole(std::string_view s) { return ParseIn(kRoleNames, s); }

// The escalation levels, lowest first: grid < community < street < district. -1 for anything else.
int LevelRank(std::string_view level);
// 网格, 社区, 街道, 区; the id itself for anything else.
std::string_view LevelLabel(std::string_view level);

struct Actor {
  std::string id;    // the staff id, or the token's name
  std::string name;  // for events and replies ("王芳"); the id when unknown
  Role role = Role::kWorker;
  std::optional<TicketScope> scope;  // nullopt: everything (admin, district)
  int rank = 0;  // supervisors: LevelRank of the highest unit they supervise; others 0 (grid)
};

// The actor behind a staff member of routing.yaml (see the role table above).
Actor ActorForStaff(const OrgIndex& org, const StaffMember& staff);

// The actor behind an API token: its role and "KIND:ID,…" scope, where KIND is grid, community,
// street, district (everything), team or staff (what is assigned to her). InvalidArgument for an
// unknown role or a malformed item; an item whose id left the org after a config change is
// dropped, so a stale token keeps its valid items and gains nothing. A worker or team_member
// token named after a staff id also covers what is assigned to that staff member, and every
// token named after one carries her name.
StatusOr<Actor> ActorForToken(const OrgIndex& org, const ApiToken& token);

// Checks a --role/--scope pair as `token create` gets it: known role, well-formed scope whose
// ids exist, kinds that suit the role (a team_member takes teams, a supervisor units), a scope
// for every role but admin (an unscoped worker would see everything) and none for an admin.
// InvalidArgument naming the bad item.
Status CheckTokenGrant(const OrgIndex& org, std::string_view role, std::string_view scope);

// May `actor` see `ticket`?
bool InScope(const Actor& actor, const Ticket& ticket);

// OK, or PermissionDenied saying why in Chinese and English ("工单#12 不由您负责 …").
Status MayAct(const OrgIndex& org, const Actor& actor, const Ticket& ticket);

}  // namespace gridrelay::workflow
