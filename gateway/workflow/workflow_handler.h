// WorkflowHandler: the closed loop's part in processing committed messages (a MessageHandler
// that gateway/ wires into the Inbox). It claims two kinds of message and leaves every other
// one to the router:
//   * a staff member's command, in any chat (接单 5, 办结 5 灯已更换, 查询 5, 我的工单, 帮助):
//     executed through PlanAction and answered in the chat it came from, in the same change
//     set as the message leaving `received`, so it runs exactly once across a crash. A line
//     that only starts like a command ("办结了吗") is ordinary chat and is not answered. A
//     resident's "办结 5" never gets here as a command: only accounts routing.yaml lists as
//     staff are asked.
//   * a resident's 1 / 2 answering the satisfaction question of her resolved ticket (in the
//     same group, or privately). Any other answer is an ordinary message.
//   * a resident's report that duplicates an open ticket of her grid (duplicates.h): it joins
//     that ticket (the lifecycle's `attach`) instead of opening another; an urgent one still
//     pages. Two reports of one batch that may be one problem are not planned together: the
//     later waits for the earlier's ticket (WaitsFor). Reports of one batch that join the same
//     open ticket are planned one after the other on the ticket as the earlier ones left it,
//     so that a burst of the same report costs one pass, not one pass (one commit) each.
// Answers that would carry a resident's words (查询, 我的工单) include them only in a private
// chat; in a group they leave them out.
#pragma once

#include <map>
#include <set>
#include <string>
#include <utility>

#include "gateway/core/clock.h"
#include "gateway/ingest/message_handler.h"
#include "gateway/workflow/ticket_actions.h"

namespace gridrelay::workflow {

class WorkflowHandler : public MessageHandler {
 public:
  // `store` and `clock` must outlive the handler.
  WorkflowHandler(Store* store, const Clock* clock);

  StatusOr<bool> Plan(const Runtime& rt, const StoredMessage& message, ChangeSet* change) override;
  bool WaitsFor(const Runtime& rt, const StoredMessage& later, const StoredMessage& earlier) const override;
  void BeginPass() override { attached_.clear(); }

 private:
  StatusOr<bool> PlanCommand(const Runtime& rt, const StoredMessage& message, ChangeSet* change);
  StatusOr<bool> PlanSatisfaction(const Runtime& rt, const StoredMessage& message, ChangeSet* change);
  StatusOr<bool> PlanDuplicate(const Runtime& rt, const StoredMessage& message, ChangeSet* change);

  Store* store_;
  const Clock* clock_;
  // This pass's tickets as its planned attaches leave them, by ticket id, with the residents
  // those attaches added. Each later attach expects the version the earlier one writes, so if an
  // earlier change set is not applied (a staff member acted on the ticket in the same batch, say)
  // the later ones fail their version check too and are planned again in the next pass.
  struct Attached {
    TicketState state;  // the ticket only: attach needs neither its history nor its messages
    std::set<std::pair<std::string, std::string>> reporters;  // (channel, sender) added this pass
  };
  std::map<int64_t, Attached> attached_;
};

}  // namespace gridrelay::workflow
