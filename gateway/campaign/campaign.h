// Campaigns: one notice (anti-fraud publicity, a water cut) sent by an organiser to many groups,
// each exactly once, within the platforms' quotas, and never ahead of resident traffic.
//
//   targeting   {"all": true} or any of streets / communities / grids / tags (routing.yaml group
//               tags) -> the (channel, group) pairs to send to, and the targets no channel
//               reaches (skipped: final from the start, listed in the report)
//   planning    the campaign buckets of dispatch's rate budgets (rate_limiter.h: a share of each
//               destination's and the global budget) are run over the rows to give each row its
//               due time and the campaign its expected finish; quiet hours push rows past them;
//               a campaign longer than campaigns.max_duration_hours is refused with the reason
//   fan-out     the campaign row and one outbox row per group (idempotency key c<id>:<channel>:
//               <group>, priority kBulk) in ONE change set, before anything is sent: a crash or a
//               retried request can neither send to a group twice nor skip one; a client key
//               makes a retried create return the same campaign
//   control     pause holds its queued rows (leases never see them), resume makes them due
//               again, cancel makes them final; rows in flight finish as they will
//   progress    read from its rows: it is completed only when every target is final (sent,
//               failed with its reason, or skipped), never while a row is queued
//
// The API (gateway/api/campaigns.cc) and the CLI (`gridrelay campaign`) call these functions;
// neither has campaign logic of its own. Who may call them is the API's concern: this room takes
// the caller's id and scope as plain data.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "gateway/core/status.h"
#include "gateway/runtime/runtime.h"
#include "gateway/store/store.h"

namespace gridrelay::campaign {

// The caller: its id (stored as created_by) and the area it may reach (nullopt: everywhere).
// Only the scope's grids, communities and streets count.
struct Requester {
  std::string id;
  std::optional<TicketScope> scope;
};

// One group to send to.
struct Target {
  std::string grid;
  std::string channel;
  std::string group;
};

struct Targeting {
  std::vector<Target> send;
  nlohmann::json skipped = nlohmann::json::array();  // [{grid, channel, group, reason}]
  std::vector<std::string> grids;                    // every grid reached or skipped, sorted
  int64_t count() const { return static_cast<int64_t>(send.size() + skipped.size()); }
};

// The groups `targets` names, inside `scope`. InvalidArgument for a malformed object or unknown
// ids (all named); PermissionDenied for a target outside the scope. `{"all": true}` is every
// group in the scope.
[[nodiscard]] StatusOr<Targeting> ResolveTargets(const nlohmann::json& targets, const Runtime& rt,
                                                 const std::optional<TicketScope>& scope);

// When each row goes, and why the campaign takes as long as it does.
struct Plan {
  std::vector<int64_t> due;  // per Targeting::send entry, Unix microseconds
  int64_t start = 0;
  int64_t finish = 0;        // the last row's due time
  nlohmann::json json;       // shown to the creator and stored: duration, finish, binding budget
};

// Plans `t.send` from `start` at the campaign share of every budget, skipping `quiet` spans.
// FailedPrecondition (refused) when the plan would last beyond campaigns.max_duration_hours, or
// when quiet hours leave no time at all; the message says why and when it would finish.
[[nodiscard]] StatusOr<Plan> PlanDeliveries(const Targeting& t, const Runtime& rt, int64_t start,
                                            const std::vector<DutySpan>& quiet);

// What a create answers: the campaign (created now, or the one its client key made before), or
// the refusal; target_count is set whenever the targets were counted (a 409 carries it).
struct CreateResult {
  Status status;
  bool created = false;
  std::optional<Campaign> campaign;
  std::optional<int64_t> target_count;
};

// Validates the request body (title, content, targets, start?, quiet_hours?, confirm_targets?,
// client_key?), resolves and counts its targets, plans it and writes the campaign with all its
// rows in one change set. Nothing is written when anything is refused.
CreateResult Create(Store& store, const Runtime& rt, int64_t now, const Requester& who, const nlohmann::json& body);

enum class Action { kPause, kResume, kCancel };
[[nodiscard]] StatusOr<Action> ParseAction(std::string_view name);

// Pauses, resumes or cancels campaign `id`: NotFound outside the caller's scope, FailedPrecondition
// when it is finished (completed or cancelled) or not in a state the action leaves.
[[nodiscard]] StatusOr<Campaign> Control(Store& store, const Runtime& rt, int64_t now, const Requester& who,
                                         int64_t id, Action action);

// The campaign `id` if the caller may see it (every grid it targets is in her scope), else NotFound.
[[nodiscard]] StatusOr<Campaign> Get(Store& store, const Runtime& rt, const Requester& who, int64_t id);
// Campaigns the caller may see, newest first.
[[nodiscard]] StatusOr<std::vector<Campaign>> List(Store& store, const Runtime& rt, const Requester& who,
                                                   int64_t before_id, int limit);

// The campaign with its progress: status (scheduled | running | paused | completed | cancelled),
// targets, queued, sent, failed, skipped, cancelled, the plan; with `per_group` every group's
// state; once finished, `never_received` lists the groups it did not reach and why.
[[nodiscard]] StatusOr<nlohmann::json> Describe(Store& store, const Runtime& rt, const Campaign& c, int64_t now,
                                                bool per_group);

}  // namespace gridrelay::campaign
