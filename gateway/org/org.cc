#include "gateway/org/org.h"

namespace gridrelay {
namespace {

template <typename T, typename Map>
const T* Lookup(const Map& m, const std::string& key) {
  auto it = m.find(key);
  return it == m.end() ? nullptr : it->second;
}

}  // namespace

OrgIndex::OrgIndex(const Routing& routing) : routing_(routing) {
  for (const auto& g : routing.grids) {
    grids_[g.id] = &g;
    for (const auto& ref : g.groups) grids_by_group_[{ref.channel, ref.group}] = &g;
  }
  for (const auto& s : routing.staff) {
    staff_[s.id] = &s;
    for (const auto& [channel, ids] : s.accounts)
      for (const auto& id : ids) staff_by_account_[{channel, id}] = &s;
  }
  for (const auto& c : routing.communities) communities_[c.id] = &c;
  for (const auto& s : routing.streets) streets_[s.id] = &s;
  for (const auto& t : routing.teams) teams_[t.id] = &t;
}

const Grid* OrgIndex::GridForGroup(const std::string& channel, const std::string& group) const {
  auto it = grids_by_group_.find({channel, group});
  return it == grids_by_group_.end() ? nullptr : it->second;
}

const StaffMember* OrgIndex::StaffForAccount(const std::string& channel, const std::string& account) const {
  auto it = staff_by_account_.find({channel, account});
  return it == staff_by_account_.end() ? nullptr : it->second;
}

const StaffMember* OrgIndex::FindStaff(const std::string& id) const { return Lookup<StaffMember>(staff_, id); }
const Grid* OrgIndex::FindGrid(const std::string& id) const { return Lookup<Grid>(grids_, id); }
const OrgUnit* OrgIndex::FindCommunity(const std::string& id) const { return Lookup<OrgUnit>(communities_, id); }
const OrgUnit* OrgIndex::FindStreet(const std::string& id) const { return Lookup<OrgUnit>(streets_, id); }
const Team* OrgIndex::FindTeam(const std::string& id) const { return Lookup<Team>(teams_, id); }

std::vector<const OrgUnit*> OrgIndex::Ancestry(const Grid& grid) const {
  std::vector<const OrgUnit*> out;
  const OrgUnit* community = FindCommunity(grid.community);
  if (community) {
    out.push_back(community);
    if (const OrgUnit* street = FindStreet(community->parent)) out.push_back(street);
  }
  if (!routing_.district.id.empty()) out.push_back(&routing_.district);
  return out;
}

bool OnDuty(const Team& team, const std::string& member, int64_t unix_s) {
  auto it = team.rota.find(member);
  return it == team.rota.end() || InSpans(it->second, unix_s);
}

bool InSpans(const std::vector<DutySpan>& spans, int64_t unix_s) {
  // China time is UTC+8 with no DST (as in gateway/workflow/calendar.h); 1970-01-01 was a Thursday.
  const int64_t local = unix_s + 8 * 3600;
  int64_t days = local / 86400;
  int64_t secs = local % 86400;
  if (secs < 0) {
    secs += 86400;
    --days;
  }
  const int weekday = static_cast<int>(((days + 3) % 7 + 7) % 7);  // 0 = Monday
  const int minute = static_cast<int>(secs / 60);
  for (const DutySpan& s : spans) {
    const bool day_in = s.first_day <= s.last_day ? (weekday >= s.first_day && weekday <= s.last_day)
                                                  : (weekday >= s.first_day || weekday <= s.last_day);
    if (day_in && minute >= s.begin_min && minute < s.end_min) return true;
  }
  return false;
}

}  // namespace gridrelay
