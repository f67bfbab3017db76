#include "gateway/store/store.h"

#include <algorithm>

namespace gridrelay {

bool TicketScope::Contains(const Ticket& t) const {
  auto in = [](const std::vector<std::string>& list, const std::string& v) {
    return !v.empty() && std::find(list.begin(), list.end(), v) != list.end();
  };
  return in(grids, t.grid_id) || in(communities, t.community_id) || in(streets, t.street_id) || in(teams, t.team_id) ||
         in(assignees, t.assignee_id);
}

Status ChangeStore::Apply(const ChangeSet& change, int64_t now) {
  auto applied = Apply(std::vector<ChangeSet>{change}, now);
  if (!applied.ok()) return applied.status();
  if (!applied->at(0)) return Status::Aborted("a precondition of the change failed; nothing was written");
  return Status::Ok();
}

}  // namespace gridrelay
