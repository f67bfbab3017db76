// Router: decides who handles a committed message, from the routing config alone.
//
// The decision is a pure function of (config, message, classification, sender role), so the
// same message always routes the same way, which makes processing after a crash repeatable.
// Order: the bot's own and staff messages open nothing; category `none` opens nothing; a
// group that maps to no grid goes to triage (never guessed); otherwise the route for the
// intent, else for the category (routing.yaml `routes`), names the grid worker or a team.
// `rule` says which key chose. Which member of a team takes a ticket depends on the store
// (open tickets) and the rota, so the Inbox decides that, not the router. An urgent ticket
// is also copied to the duty officer of the level above the grid (its community's duty).
// A message the classifier was not sure of (decision `confirm`, with routing.yaml `confirm`
// enabled) goes to the grid worker to confirm (issue #11): `confirm` is set, whatever its route.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "gateway/config/config.h"
#include "gateway/store/store.h"

namespace gridrelay {

// The timer of a 待确认 item (key "t<id>:confirm"): when it fires and the item is still
// unconfirmed, it goes into its supervisor's daily digest (gateway/workflow/timer_runner.h).
inline constexpr const char* kConfirmTimer = "confirm_digest";
std::string ConfirmTimerKey(int64_t ticket_id);
// 上门劝阻 (issue #12): an urgent anti_fraud message means a resident may be paying a scammer
// right now. Its ticket gets a visit task for the grid worker, is escalated at once (a timer of
// this kind, due when the ticket opens, which the workflow fires), and closes only after the
// call or visit is recorded.
bool NeedsVisit(const std::string& category, bool urgent);
inline constexpr const char* kVisitEscalationTimer = "visit_escalation";

struct RouteDecision {
  enum class Kind { kIgnore, kNoTicket, kTriage, kTicket };
  Kind kind = Kind::kNoTicket;
  std::string note;                   // why (for the message row and the logs)
  const Grid* grid = nullptr;         // set for kTicket
  std::string level = "grid";
  std::string assignee_kind;          // "staff" | "team"
  std::string assignee_id;
  std::string assignee_name;
  const NotifyTarget* notify = nullptr;
  std::vector<std::string> mention_mobiles;  // the assignee's mobile, for platforms that @ by mobile
  std::string rule;                   // the routes key that chose: "routes.appeal", "routes.legal_aid.divorce", "default"
  const Team* team = nullptr;         // the team that owns the ticket (set also once a member is chosen)
  // Told as well as the assignee: (who, for the idempotency key; where). The team's target
  // when a member is chosen; the next level's duty officer for an urgent ticket.
  struct Copy {
    std::string who;
    const NotifyTarget* target = nullptr;
    bool urgent = false;  // the next level's duty officer on an urgent ticket (templates.yaml urgent_copy)
  };
  std::vector<Copy> copies;
  std::string dispatch_note;          // how the assignee was picked (a team member), for the event
  bool confirm = false;               // a 待确认 item for the grid worker, not yet a ticket anyone handles
};

class Router {
 public:
  // `config` must outlive the router.
  explicit Router(const Config& config);

  // The role of a sender on a channel: staff when routing.yaml lists the id for that channel.
  SenderRole SenderRoleOf(const InboundMessage& message) const;
  // The grid a group belongs to, or nullptr.
  const Grid* GridFor(const std::string& channel, const std::string& group) const;

  RouteDecision Route(const StoredMessage& message) const;

  const OrgIndex& org() const { return org_; }

 private:
  const Team* TeamFor(const std::string& team_route, const std::string& category, const Grid& grid) const;

  const Config& config_;
  const OrgIndex org_;
};

}  // namespace gridrelay
