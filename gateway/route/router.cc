#include "gateway/route/router.h"

#include <algorithm>

namespace gridrelay {

std::string ConfirmTimerKey(int64_t ticket_id) { return "t" + std::to_string(ticket_id) + ":confirm"; }
bool NeedsVisit(const std::string& category, bool urgent) { return urgent && category == "anti_fraud"; }

Router::Router(const Config& config) : config_(config), org_(config.routing) {}

SenderRole Router::SenderRoleOf(const InboundMessage& m) const {
  if (m.from_bot) return SenderRole::kBot;
  if (org_.StaffForAccount(m.channel, m.sender_id)) return SenderRole::kStaff;
  return SenderRole::kResident;
}

const Grid* Router::GridFor(const std::string& channel, const std::string& group) const {
  return org_.GridForGroup(channel, group);
}

const Team* Router::TeamFor(const std::string& team_route, const std::string& category, const Grid& grid) const {
  if (team_route.rfind("team:", 0) == 0) return config_.FindTeam(team_route.substr(5));
  const OrgUnit* community = config_.FindCommunity(grid.community);
  const std::string street = community ? community->parent : "";
  const Team* fallback = nullptr;
  for (const auto& t : config_.routing.teams) {
    if (t.serves_category != category) continue;
    if (t.scope.empty()) {
      if (!fallback) fallback = &t;
      continue;
    }
    // A team scoped to this grid's community or street beats one that serves everywhere.
    if (std::find(t.scope.begin(), t.scope.end(), grid.community) != t.scope.end() ||
        std::find(t.scope.begin(), t.scope.end(), street) != t.scope.end())
      return &t;
  }
  return fallback;
}

RouteDecision Router::Route(const StoredMessage& sm) const {
  RouteDecision d;
  const InboundMessage& m = sm.message;
  const Classification& c = sm.classification;
  if (sm.sender_role == SenderRole::kBot) {
    d.kind = RouteDecision::Kind::kIgnore;
    d.note = "the bot's own message";
    return d;
  }
  if (sm.sender_role == SenderRole::kStaff) {
    d.kind = RouteDecision::Kind::kIgnore;
    d.note = "a staff message";
    return d;
  }
  if (c.category == "none") {
    d.kind = RouteDecision::Kind::kNoTicket;
    d.note = "not a request (category none)";
    return d;
  }
  const Grid* grid = m.chat_type == ChatType::kGroup ? GridFor(m.channel, m.group_id) : nullptr;
  if (!grid) {
    d.kind = RouteDecision::Kind::kTriage;
    d.note = m.chat_type == ChatType::kGroup ? "group '" + m.group_id + "' on channel '" + m.channel + "' maps to no grid"
                                    : "a private message: no grid to route to";
    return d;
  }
  std::string route;
  if (config_.confirm.enabled && c.decision == "confirm" && !c.urgent) {
    // Not sure enough to act on: its grid's worker decides, whoever the category would route to.
    d.confirm = true;
    route = "grid";
    d.rule = "confirm";
  } else if (auto it = config_.routing.routes.find(c.intent); it != config_.routing.routes.end()) {
    route = it->second;
    d.rule = "routes." + c.intent;
  } else if (auto jt = config_.routing.routes.find(c.category); jt != config_.routing.routes.end()) {
    route = jt->second;
    d.rule = "routes." + c.category;
  } else {
    route = c.category == "appeal" ? "grid" : "team";
    d.rule = "default";
  }
  d.kind = RouteDecision::Kind::kTicket;
  d.grid = grid;
  // An urgent ticket is copied at once to the duty officer of the next level up.
  if (c.urgent && !d.confirm) {
    for (const OrgUnit* unit : org_.Ancestry(*grid)) {
      if (const StaffMember* duty = unit->duty.empty() ? nullptr : config_.FindStaff(unit->duty)) {
        if (!duty->notify.channel.empty()) d.copies.push_back({duty->id, &duty->notify, true});
        break;
      }
    }
  }
  if (route != "grid") {
    if (const Team* team = TeamFor(route, c.category, *grid)) {
      d.team = team;
      d.assignee_kind = "team";
      d.assignee_id = team->id;
      d.assignee_name = team->name;
      d.notify = &team->notify;
      d.note = "routed to team " + team->id;
      return d;
    }
    d.note = "no team serves " + c.category + " here: routed to the grid worker";
    d.rule += " (no team here: grid worker)";
  }
  const StaffMember* worker = config_.FindStaff(grid->worker);  // LoadConfig checked it exists
  d.assignee_kind = "staff";
  d.assignee_id = worker->id;
  d.assignee_name = worker->name;
  d.notify = &worker->notify;
  if (!worker->mobile.empty()) d.mention_mobiles.push_back(worker->mobile);
  if (d.note.empty()) d.note = (d.confirm ? "to be confirmed by grid worker " : "routed to grid worker ") + worker->id;
  return d;
}

}  // namespace gridrelay
