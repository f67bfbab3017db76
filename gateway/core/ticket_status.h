// TicketStatus: where a ticket stands in the closed loop (接收 → 派单 → 签收 → 办理 → 办结 → 回访).
//
// Shared vocabulary: the store persists Name(), the API prints it, and the workflow's state
// machine (gateway/workflow/lifecycle.h) is the only code that decides which status follows
// which. Escalation and supervision (督办) are flags and a level on the ticket, not statuses.
#pragma once

#include <array>
#include <optional>
#include <string_view>

namespace gridrelay {

enum class TicketStatus {
  kUnconfirmed,      // 待确认: the classifier was not sure; the grid worker confirms, reclassifies or
                     // dismisses it (issue #11) before it is a request anyone handles
  kNew,              // opened, not yet given to anyone (triage)
  kDispatched,       // given to a worker or team; nobody has signed for it (签收) yet
  kAccepted,         // the assignee signed for it (接单)
  kInProgress,       // being handled (处理中)
  kWaitingResident,  // waiting for the resident's answer; the deadline clock pauses
  kTransferred,      // handed to another owner (转办), who has not accepted it yet
  kReopened,         // back from resolved or closed (unsatisfied resident, supervisor)
  kResolved,         // handled (办结); waiting for the resident's satisfaction answer (回访)
  kClosed,           // done: satisfied, unsatisfied-then-closed, or no answer
  kRejected,         // not a real request (驳回), with a reason code
  kMerged,           // a duplicate folded into another ticket
};

inline constexpr std::array<TicketStatus, 12> kAllTicketStatuses = {
    TicketStatus::kUnconfirmed, TicketStatus::kNew,         TicketStatus::kDispatched, TicketStatus::kAccepted, TicketStatus::kInProgress,
    TicketStatus::kWaitingResident, TicketStatus::kTransferred, TicketStatus::kReopened,
    TicketStatus::kResolved,    TicketStatus::kClosed,     TicketStatus::kRejected, TicketStatus::kMerged,
};

// The wire and database name: "unconfirmed", "new", "dispatched", "accepted", "in_progress",
// "waiting_resident", "transferred", "reopened", "resolved", "closed", "rejected", "merged".
std::string_view Name(TicketStatus s);
// The inverse of Name; nullopt for anything else (case-sensitive, no trimming).
std::optional<TicketStatus> ParseTicketStatus(std::string_view name);
// The label staff read in chat: "已派单", "已受理"…
std::string_view ChineseName(TicketStatus s);
// True for closed, rejected and merged: nothing but a note or a reopen changes them.
bool IsTerminal(TicketStatus s);

}  // namespace gridrelay
