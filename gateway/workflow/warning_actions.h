// 误报 (issue #12): a staff member marks an instant anti-fraud warning wrong, from chat
// ("误报 N 说明", N being the ticket the warned message opened) or the API
// (POST /api/v1/warnings/{id}/actions {"action": "false_alarm", "note"}). Who, when and why are
// stored on the warning row, once: a warning marked already is refused. (The corrections table
// of issue #11, on another branch, is where the classifier learns from it once both land.)
//
// Who may: anyone who may read tickets (not an organiser) and sees the warning's ticket; a
// warning whose ticket is outside the actor's scope is answered as missing, as tickets are.
#pragma once

#include <string>

#include "gateway/core/clock.h"
#include "gateway/runtime/runtime.h"
#include "gateway/store/store.h"
#include "gateway/workflow/actor.h"

namespace gridrelay::workflow {

// The API's action name.
inline constexpr const char* kFalseAlarmAction = "false_alarm";

// The change that marks `warning` (whose ticket is `ticket`) a false alarm by `actor` for
// `reason`: the warning's row and an event on the ticket. PermissionDenied for an organiser,
// NotFound outside the actor's scope, InvalidArgument without a reason, FailedPrecondition when
// it is marked already.
StatusOr<ChangeSet> PlanFalseAlarm(const Actor& actor, const Warning& warning, const Ticket& ticket,
                                   const std::string& reason);

// Reads, plans and commits; returns the warning as stored. NotFound for a warning that does not
// exist or is outside the actor's scope.
StatusOr<Warning> MarkFalseAlarm(Store* store, const Clock* clock, const Actor& actor, int64_t warning_id,
                                 const std::string& reason);

}  // namespace gridrelay::workflow
