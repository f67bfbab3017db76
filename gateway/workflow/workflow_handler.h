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
//     later waits for the earlier's ticket (WaitsFor).
// Answers that would carry a resident's words (查询, 我的工单) include them only in a private
// chat; in a group they leave them out.
#pragma once

#include "gateway/core/clock.h"
#include "gateway/ingest/message_handler.h"

namespace gridrelay::workflow {

class WorkflowHandler : public MessageHandler {
 public:
  // `store` and `clock` must outlive the handler.
  WorkflowHandler(Store* store, const Clock* clock);

  StatusOr<bool> Plan(const Runtime& rt, const StoredMessage& message, ChangeSet* change) override;
  bool WaitsFor(const Runtime& rt, const StoredMessage& later, const StoredMessage& earlier) const override;

 private:
  StatusOr<bool> PlanCommand(const Runtime& rt, const StoredMessage& message, ChangeSet* change);
  StatusOr<bool> PlanSatisfaction(const Runtime& rt, const StoredMessage& message, ChangeSet* change);
  StatusOr<bool> PlanDuplicate(const Runtime& rt, const StoredMessage& message, ChangeSet* change);

  Store* store_;
  const Clock* clock_;
};

}  // namespace gridrelay::workflow
