// Actors: from routing.yaml's staff and from API tokens, and the two questions asked of them.
#include "gateway/workflow/actor.h"

#include <algorithm>
#include <array>

#include "gateway/route/replies.h"

namespace gridrelay::workflow {
namespace {

// The escalation levels, lowest first, with the word a refusal uses for each.
struct Level {
  std::string_view id;
  std::string_view chinese;
};
constexpr std::array<Level, 4> kLevels = {{{"grid", "网格"}, {"community", "社区"}, {"street", "街道"}, {"district", "区"}}};

const Level& LevelAt(int rank) {
  static constexpr Level kUnknown{"unknown", "未知"};
  return rank < 0 || rank >= static_cast<int>(kLevels.size()) ? kUnknown : kLevels[static_cast<size_t>(rank)];
}

bool Has(const std::vector<std::string>& list, const std::string& v) {
  return !v.empty() && std::find(list.begin(), list.end(), v) != list.end();
}

void AddOnce(std::vector<std::string>& list, const std::string& v) {
  if (!Has(list, v)) list.push_back(v);
}

// The scope kinds each role may be granted: a worker her grids and teams, a volunteer her teams,
// a supervisor the unit(s) she is on duty for, an organiser the area whose groups she reaches.
// `staff:ID` (what is assigned to one staff member) suits everyone who handles tickets.
std::vector<std::string_view> KindsFor(Role role) {
  switch (role) {
    case Role::kWorker: return {"grid", "team", "staff"};
    case Role::kTeamMember: return {"team", "staff"};
    case Role::kSupervisor: return {"community", "street", "district", "staff"};
    case Role::kOrganiser: return {"grid", "community", "street", "district"};
    case Role::kAdmin: return {};
  }
  return {};
}

std::string KindList(const std::vector<std::string_view>& kinds) {
  std::string out;
  for (size_t i = 0; i < kinds.size(); ++i) out += (i ? (i + 1 == kinds.size() ? " or " : ", ") : "") + std::string(kinds[i]);
  return out;
}

// Builds the actor of a role and a "KIND:ID,…" scope. `strict` (token create) refuses an id the
// org lacks; otherwise (a stored token after a config change) such an item is dropped, so the
// token keeps its valid items and gains nothing.
StatusOr<Actor> ActorForGrant(const OrgIndex& org, std::string_view role_name, std::string_view scope_text,
                              bool strict) {
  const std::optional<Role> role = ParseRole(role_name);
  if (!role)
    return Status::InvalidArgument("unknown role '" + std::string(role_name) +
                                   "' (worker, team_member, supervisor, organiser or admin)");
  Actor a;
  a.role = *role;
  if (*role == Role::kAdmin) {
    if (!scope_text.empty()) return Status::InvalidArgument("an admin sees everything: give no --scope");
    return a;
  }
  const std::vector<std::string_view> kinds = KindsFor(*role);
  TicketScope scope;
  bool everything = false;
  for (size_t start = 0, comma = 0; !scope_text.empty() && comma != std::string_view::npos; start = comma + 1) {
    comma = scope_text.find(',', start);
    const std::string item(scope_text.substr(start, comma == std::string_view::npos ? comma : comma - start));
    const size_t colon = item.find(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == item.size())
      return Status::InvalidArgument("scope item '" + item + "' is not KIND:ID");
    const std::string kind = item.substr(0, colon), id = item.substr(colon + 1);
    if (std::find(kinds.begin(), kinds.end(), kind) == kinds.end())
      return Status::InvalidArgument("scope item '" + item + "': a " + std::string(role_name) + " takes " +
                                     KindList(kinds) + " scopes");
    bool exists = false;
    if (kind == "grid") {
      exists = org.FindGrid(id) != nullptr;
      if (exists) AddOnce(scope.grids, id);
    } else if (kind == "community") {
      exists = org.FindCommunity(id) != nullptr;
      if (exists) {
        AddOnce(scope.communities, id);
        a.rank = std::max(a.rank, LevelRank("community"));
      }
    } else if (kind == "street") {
      exists = org.FindStreet(id) != nullptr;
      if (exists) {
        AddOnce(scope.streets, id);
        a.rank = std::max(a.rank, LevelRank("street"));
      }
    } else if (kind == "district") {
      exists = org.routing().district.id == id;
      if (exists) {
        everything = true;
        a.rank = LevelRank("district");
      }
    } else if (kind == "team") {
      exists = org.FindTeam(id) != nullptr;
      if (exists) AddOnce(scope.teams, id);
    } else if (kind == "staff") {
      exists = org.FindStaff(id) != nullptr;
      if (exists) AddOnce(scope.assignees, id);
    }
    if (!exists && strict) return Status::InvalidArgument("scope item '" + item + "': no " + kind + " '" + id + "' in routing.yaml");
  }
  if (!everything) a.scope = std::move(scope);
  return a;
}

}  // namespace

int LevelRank(std::string_view level) {
  for (size_t i = 0; i < kLevels.size(); ++i)
    if (kLevels[i].id == level) return static_cast<int>(i);
  return -1;
}

std::string_view LevelLabel(std::string_view level) {
  const int rank = LevelRank(level);
  return rank < 0 ? level : LevelAt(rank).chinese;
}

Actor ActorForStaff(const OrgIndex& org, const StaffMember& staff) {
  const Routing& r = org.routing();
  Actor a;
  a.id = staff.id;
  a.name = staff.name.empty() ? staff.id : staff.name;
  TicketScope scope;
  AddOnce(scope.assignees, staff.id);
  bool worker = false, district = false;
  for (const Grid& g : r.grids)
    if (g.worker == staff.id) {
      AddOnce(scope.grids, g.id);
      worker = true;
    }
  for (const Team& t : r.teams)
    if (Has(t.members, staff.id)) AddOnce(scope.teams, t.id);
  for (const OrgUnit& c : r.communities)
    if (c.duty == staff.id) {
      AddOnce(scope.communities, c.id);
      a.rank = std::max(a.rank, LevelRank("community"));
    }
  for (const OrgUnit& s : r.streets)
    if (s.duty == staff.id) {
      AddOnce(scope.streets, s.id);
      a.rank = std::max(a.rank, LevelRank("street"));
    }
  if (!r.district.duty.empty() && r.district.duty == staff.id) {
    district = true;
    a.rank = LevelRank("district");
  }
  // The role routing.yaml names; a staff entry without one (allowed by the config) takes the
  // role her place in the org implies: on duty somewhere, a supervisor; a grid's worker, a worker.
  const std::string& role = staff.role;
  if (role == "admin") {
    a.role = Role::kAdmin;
  } else if (role == "district") {
    a.role = Role::kSupervisor;  // the district sees everything, on duty today or not
    a.rank = LevelRank("district");
    district = true;
  } else if (role == "community" || role == "street" || (role.empty() && a.rank > 0)) {
    a.role = Role::kSupervisor;
  } else if (role == "grid_worker" || (role.empty() && worker)) {
    a.role = Role::kWorker;
  } else {
    a.role = Role::kTeamMember;  // volunteer, or anyone else: her teams and her own tickets
  }
  if (a.role != Role::kAdmin && !district) a.scope = std::move(scope);
  return a;
}

StatusOr<Actor> ActorForToken(const OrgIndex& org, const ApiToken& token) {
  auto a = ActorForGrant(org, token.role, token.scope, /*strict=*/false);
  if (!a.ok()) return a.status();
  a->id = token.name;
  a->name = token.name;
  if (const StaffMember* staff = org.FindStaff(token.name)) {
    if (!staff->name.empty()) a->name = staff->name;
    if (a->scope && (a->role == Role::kWorker || a->role == Role::kTeamMember)) AddOnce(a->scope->assignees, staff->id);
  }
  return a;
}

Status CheckTokenGrant(const OrgIndex& org, std::string_view role, std::string_view scope) {
  auto a = ActorForGrant(org, role, scope, /*strict=*/true);
  if (!a.ok()) return a.status();
  if (a->role != Role::kAdmin && scope.empty())
    return Status::InvalidArgument("a " + std::string(role) + " token needs --scope " + KindList(KindsFor(a->role)) +
                                   ":ID[,…] (only an admin token sees everything)");
  return Status::Ok();
}

bool InScope(const Actor& actor, const Ticket& ticket) { return !actor.scope || actor.scope->Contains(ticket); }

Status MayAct(const OrgIndex& org, const Actor& actor, const Ticket& ticket) {
  const std::string number = TicketNumber(ticket.id);
  if (actor.role == Role::kAdmin) return Status::Ok();
  if (actor.role == Role::kOrganiser)
    return Status::PermissionDenied("组织者不办理工单" + number + " (an organiser does not act on tickets)");
  if (!InScope(actor, ticket))
    return Status::PermissionDenied("工单" + number + " 不在您的范围内 (ticket " + number + " is outside your scope)");
  if (ticket.assignee_kind != "team" && !ticket.assignee_id.empty() && ticket.assignee_id == actor.id)
    return Status::Ok();
  const std::string team = !ticket.team_id.empty() ? ticket.team_id
                           : ticket.assignee_kind == "team" ? ticket.assignee_id
                                                            : std::string();
  if (!team.empty()) {
    const Team* t = org.FindTeam(team);
    if ((t && Has(t->members, actor.id)) || (actor.scope && Has(actor.scope->teams, team))) return Status::Ok();
  }
  const int level = LevelRank(ticket.level.empty() ? "grid" : ticket.level);
  if (actor.role == Role::kSupervisor) {
    if (actor.rank >= level) return Status::Ok();
    const Level& at = LevelAt(level);
    const Level& mine = LevelAt(actor.rank);
    return Status::PermissionDenied("工单" + number + " 已在" + std::string(at.chinese) + "级,高于您的" +
                                    std::string(mine.chinese) + "级 (ticket " + number + " is at the " +
                                    std::string(at.id) + " level, above your " + std::string(mine.id) + " level)");
  }
  const std::string who = ticket.assignee_name.empty() ? ticket.assignee_id : ticket.assignee_name;
  return Status::PermissionDenied("工单" + number + " 由" + who + "负责,您不是其承办人、所在队伍成员或上级 (ticket " +
                                  number + " is " + who + "'s; you are not its assignee, on its team, or a supervisor above it)");
}

}  // namespace gridrelay::workflow
