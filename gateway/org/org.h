// The organisation: district > streets > communities > grids, the staff with their platform
// accounts, the volunteer teams, and where each is notified; as routing.yaml declares it.
// Plain data plus OrgIndex, the indexed lookups every room asks of it (which grid a group
// belongs to, who a platform account is, a grid's ancestry for supervision and escalation).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "gateway/core/enum_names.h"

namespace gridrelay {

// Where a staff member or team is notified: a channel and the recipient's id on it.
struct NotifyTarget {
  std::string channel;
  std::string to;       // a platform user id (or a group id when `group` is true)
  bool group = false;   // post in a staff group instead of a private message
  std::string where;    // file:line, for errors
};

struct StaffMember {
  std::string id;
  std::string name;
  std::string role;                    // grid_worker | community | street | district | volunteer | admin
  std::string mobile;
  std::map<std::string, std::vector<std::string>> accounts;  // channel -> platform user ids
  NotifyTarget notify;
  std::string where;
};

// Where a group's instant anti-fraud warnings go (routing.yaml groups[].warnings): in the group
// with an @ of the sender (the default), to the grid worker only (`quiet`), or nowhere (`off`).
enum class WarningMode { kGroup, kQuiet, kOff };
inline constexpr EnumName<WarningMode> kWarningModeNames[] = {
    {WarningMode::kGroup, "group"}, {WarningMode::kQuiet, "quiet"}, {WarningMode::kOff, "off"}};
constexpr std::string_view Name(WarningMode v) { return NameIn(kWarningModeNames, v); }
constexpr std::optional<WarningMode> ParseWarningMode(std::string_view s) { return ParseIn(kWarningModeNames, s); }

struct GroupRef {
  std::string channel;
  std::string group;
  std::vector<std::string> tags;  // campaign targeting ("anti-fraud-pilot", "elderly")
  WarningMode warnings = WarningMode::kGroup;
};

struct Grid {
  std::string id;
  std::string name;
  std::string community;               // id of its community
  std::string worker;                  // staff id of its grid worker
  std::vector<GroupRef> groups;
  std::string where;
  std::string worker_where;
};

// A community, a street or the district: a level of the escalation chain.
struct OrgUnit {
  std::string id;
  std::string name;
  std::string parent;                  // community -> street -> district ("" for the district)
  std::string duty;                    // staff id on duty at this level
  std::string where;
};

// One stretch of the week a team member is on duty, in China time (a fixed UTC+8, no DST):
// days first_day..last_day (0 = Monday … 6 = Sunday; wraps past Sunday when last < first),
// from begin_min to end_min minutes after midnight on each of those days.
struct DutySpan {
  int first_day = 0;
  int last_day = 6;
  int begin_min = 0;
  int end_min = 24 * 60;
};

struct Team {
  std::string id;
  std::string name;
  std::string serves_category;         // legal_aid | anti_fraud | appeal
  std::vector<std::string> members;    // staff ids
  std::vector<std::string> scope;      // community or street ids it serves; empty = everywhere
  // member id -> when she is on duty; a member without an entry is always on duty.
  std::map<std::string, std::vector<DutySpan>> rota;
  NotifyTarget notify;
  std::string where;
};

struct Routing {
  std::vector<Grid> grids;
  std::vector<OrgUnit> communities;
  std::vector<OrgUnit> streets;
  OrgUnit district;
  std::vector<StaffMember> staff;
  std::vector<Team> teams;
  // category (or full intent) -> "grid" (the grid's worker) or "team:<id>" or "team" (the
  // team serving that category in the grid's scope).
  std::map<std::string, std::string> routes;
  std::vector<std::string> escalation = {"grid", "community", "street", "district"};
  NotifyTarget admin;                  // triage and operational reports
};

// True when Unix time `unix_s` falls in one of `spans` (China time, UTC+8).
bool InSpans(const std::vector<DutySpan>& spans, int64_t unix_s);
// True when `member` of `team` is on duty at Unix time `unix_s` (China time, UTC+8).
bool OnDuty(const Team& team, const std::string& member, int64_t unix_s);

// Indexed lookups over a Routing. Refers to `routing`, which must outlive the index and not
// change. Immutable once built, so thread-safe.
class OrgIndex {
 public:
  explicit OrgIndex(const Routing& routing);

  // The grid a group on a channel belongs to, or nullptr.
  const Grid* GridForGroup(const std::string& channel, const std::string& group) const;
  // The staff member behind a platform account on a channel, or nullptr.
  const StaffMember* StaffForAccount(const std::string& channel, const std::string& account) const;

  const StaffMember* FindStaff(const std::string& id) const;
  const Grid* FindGrid(const std::string& id) const;
  const OrgUnit* FindCommunity(const std::string& id) const;
  const OrgUnit* FindStreet(const std::string& id) const;
  const Team* FindTeam(const std::string& id) const;

  // The levels above a grid, nearest first: its community, its street, the district. Units
  // missing from the config are left out.
  std::vector<const OrgUnit*> Ancestry(const Grid& grid) const;

  const Routing& routing() const { return routing_; }

 private:
  template <typename T>
  using ById = std::map<std::string, const T*, std::less<>>;

  const Routing& routing_;
  std::map<std::pair<std::string, std::string>, const Grid*> grids_by_group_;           // (channel, group)
  std::map<std::pair<std::string, std::string>, const StaffMember*> staff_by_account_;  // (channel, id)
  ById<StaffMember> staff_;
  ById<Grid> grids_;
  ById<OrgUnit> communities_;
  ById<OrgUnit> streets_;
  ById<Team> teams_;
};

}  // namespace gridrelay
