// Ticket actions: the one door through which every change to a ticket passes, whether a staff
// member typed it in chat (接单 5), called POST /api/v1/tickets/{id}/actions, or the gateway
// did it itself (the resident's satisfaction answer, the no-answer timer).
//
// PlanAction is pure: from the ticket as read, the actor and the action it returns the
// ChangeSet that performs it (the ticket at its next version, an event row saying who did
// what, when, why and with which rule, the notes to the resident and staff, timers), or a
// refusal that says why in Chinese and English. Because the ticket update names the version it
// read, a plan applies exactly once: a concurrent change makes it kAborted, and a message
// planned again after a crash plans the same outbox keys ("t<id>v<version>:…").
//
// Privacy: notes to a resident never carry another resident's words; a legal_aid ticket's
// progress is never posted in the group (it goes privately where the platform allows it, or
// not at all), nor is anything about a domestic-violence matter.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "gateway/core/clock.h"
#include "gateway/runtime/runtime.h"
#include "gateway/store/store.h"
#include "gateway/workflow/actor.h"
#include "gateway/workflow/lifecycle.h"
#include "gateway/workflow/ticket_clock.h"

namespace gridrelay::workflow {

// Timer kinds this file schedules.
inline constexpr const char* kSatisfactionTimer = "satisfaction";
std::string SatisfactionTimerKey(int64_t ticket_id);

// Who answers for a ticket at its level: the duty officer of the unit above the grid, its
// street, the district (which answers for itself). nullptr when none is configured.
const StaffMember* SupervisorOf(const OrgIndex& org, const Ticket& ticket);

// The gateway itself, for system actions.
Actor SystemActor();

// A ticket as an action reads it: the row, its status history from its events (which the
// deadline clocks are read from), and its messages (the report that opened it and the
// duplicates that joined it: every reporter hears of its progress).
struct TicketState {
  Ticket ticket;
  std::vector<StatusChange> history;
  std::vector<StoredMessage> messages;
};
// nullopt when there is no such ticket.
StatusOr<std::optional<TicketState>> ReadTicketState(TicketStore* store, int64_t ticket_id);

// What merge, split and attach need beyond the ticket itself.
struct ActionContext {
  std::optional<TicketState> peer;          // merge: the open ticket it folds into; split: the
                                            // ticket the report opened before it was merged here
  int64_t new_ticket_id = 0;                // split: the id reserved for the report's own ticket (when
                                            // it never had one)
  const StoredMessage* report = nullptr;    // attach: the new report (not owned)
  std::string rule;                         // attach: why it is a duplicate, for the event
  bool reported_before = false;             // attach: the report's sender already counts among
                                            // the ticket's reporters (so attach needs neither the
                                            // ticket's messages nor its history)
};

// Reads what `action` needs from the store: merge reads the target ticket (NotFound when it
// does not exist or is outside the actor's scope, as for the ticket itself), split reads the
// ticket the report opened, if it ever opened one, and otherwise reserves a ticket id (a
// refused split leaves a gap in the ids, which are never reused anyway).
StatusOr<ActionContext> ReadActionContext(TicketStore* store, const Actor& actor, Action action,
                                          const ActionArgs& args);

struct PlannedAction {
  ChangeSet change;    // the ticket update, its event, outbox rows and timers
  Ticket ticket;       // the ticket as it will be
  std::string answer;  // a one-line confirmation for the actor (chat), never a resident's words
};

// Plans `action` by `actor` on `state` at `now`. A status change (or an escalation for a lapsed
// deadline) also brings the deadline timers up to date (ticket_clock.h). Refusals:
// PermissionDenied (not the actor's ticket), FailedPrecondition (not from this status),
// InvalidArgument (a missing or unknown reason, an unknown transfer target).
// Merge, split and attach take what ReadActionContext read (attach: the report, from the
// duplicate check).
StatusOr<PlannedAction> PlanAction(const Runtime& rt, const Actor& actor, const TicketState& state, Action action,
                                   const ActionArgs& args, int64_t now, const ActionContext& context = {});

// A ChangeSet recording a refused action as an event on the ticket (the audit trail keeps
// what was attempted and why it was refused), with nothing else changed.
ChangeSet RefusalEvent(const Actor& actor, const Ticket& ticket, Action action, const Status& why);

// Reads, plans and commits: the API's path. A lost race (kAborted) is planned again from the
// fresh ticket, a few times. NotFound for a ticket that does not exist or is outside the
// actor's scope (the same answer, so a scope does not leak ticket numbers). A refusal is
// recorded as an event and returned.
StatusOr<Ticket> PerformAction(Store* store, const Clock* clock, const Runtime& rt, const Actor& actor,
                               int64_t ticket_id, Action action, const ActionArgs& args);

// The resident's answer to the satisfaction question, from the text of her message: 1 / 2
// (full-width too), 满意 / 不满意, with @mentions and punctuation around them ignored.
// nullopt for anything else (which is an ordinary message).
std::optional<Action> SatisfactionAnswer(std::string_view text);

}  // namespace gridrelay::workflow
