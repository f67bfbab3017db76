// The per-group reply budget (issue #11): a group hears at most one acknowledgement or progress
// note per `reply_budget.window_seconds` (routing.yaml), because platforms and group owners
// remove bots that talk too much (a WeCom robot is cut off at 20 messages a minute).
//
// It is enforced before delivery, in the plan itself, and its state is the store's:
//  - A budgeted row (HoldsForBudget) is written to the outbox `batched`: never leased, never
//    due. The same change set ensures its group's window timer (kReplyBudgetTimer, key
//    BudgetTimerKey), due at once when no window is open; an open window is left as it is.
//  - When the timer fires (the workflow's TimerRunner), FlushBudgetWindow plans what the group's
//    held rows become: one row goes out as it is (its own key and text: a lone acknowledgement
//    waits only for that one timer pass); several become one digest ("收到3条反映，已登记：#12
//    #13 #14", templates.yaml `reply_budget`), one outbox row keyed by its oldest row, which
//    names every ticket and never a resident's words. Having sent, the group's next window
//    opens (the timer again, `window_seconds` on); a window that ends with nothing held closes.
//  - The flush is one change set that also deletes the fired timer, and applies only while
//    the rows it read are exactly the group's held rows (ChangeSet::budget_flushes): a crash
//    or a row held meanwhile means it is planned again, so nothing is lost and nothing is sent
//    twice.
// Safety replies, warnings, visit tasks, staff notes, urgent rows and private messages never
// count, and neither does an anti_fraud or legal_aid acknowledgement: its text is itself a
// warning or privacy advice, which a list of ticket numbers would lose.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "gateway/config/config.h"
#include "gateway/store/store.h"

namespace gridrelay {

inline constexpr const char* kReplyBudgetTimer = "reply_budget";

// "budget:<channel>/<group>": one window timer per group.
std::string BudgetTimerKey(const std::string& channel, const std::string& group_id);

// Whether `row`, planned in `change`, counts against its group's budget: an acknowledgement or
// progress note posted in a group, not urgent, and not the acknowledgement of an anti_fraud or
// legal_aid ticket (the ticket's category is read from the change set's own tickets).
bool HoldsForBudget(const ChangeSet& change, const OutboxEntry& row);

// Holds `change`'s budgeted rows for their groups' windows (nothing when the budget is off).
void HoldForBudget(const ReplyBudgetOptions& budget, int64_t now, ChangeSet* change);

// What the end of a group's window (`window`, a kReplyBudgetTimer) does with the rows `held` for
// it, oldest first, as the store listed them: the change set that sends them (as they are, or as
// one digest) and opens the next window, or closes the window when none is held. The caller adds
// the timer's deletion (fired_timers).
ChangeSet FlushBudgetWindow(const Config& config, const Timer& window, const std::vector<OutboxEntry>& held,
                            int64_t now);

}  // namespace gridrelay
