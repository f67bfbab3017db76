// Replies: the outbound messages a message causes, rendered from templates.yaml.
//
// Protecting people comes first: a group acknowledgement never repeats the resident's words
// (the staff notification carries them, privately); a legal_aid acknowledgement in the group
// is neutral and the details move to a private message where the platform allows one; an
// urgent message gets a safety reply with the right emergency number at ingest, before any
// ticket work.
#pragma once

#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gateway/config/config.h"
#include "gateway/route/router.h"
#include "gateway/store/store.h"

namespace gridrelay {

// Replaces each "{name}" with vars[name]; unknown names are left as they are.
std::string RenderTemplate(const std::string& tmpl, const std::map<std::string, std::string>& vars);

// The 中文 label staff read for an intent (templates.yaml intent_labels), or the intent itself.
std::string IntentLabel(const Templates& templates, const std::string& intent);

// A notification to a staff target (a person or a group) with the given idempotency key. The
// rate key is left empty for the caller to fill.
OutboxEntry Notification(const NotifyTarget& target, const std::string& kind, int priority, std::string text,
                         const std::string& key);

// How tickets are named to people: "#42".
std::string TicketNumber(int64_t ticket_id);

// The safety reply for an urgent classification: the first rule whose intent glob and text
// pattern match. nullopt when the message is not urgent or no rule matches.
std::optional<std::string> SafetyReplyText(const Templates& templates, const Classification& c,
                                           const std::string& original_text);

// What the replies need to know about the channels they go out on.
struct ReplyChannels {
  bool source_can_reply_privately = false;  // the channel the message came from
};

// The group acknowledgement, the private acknowledgement (legal_aid, where possible) and the
// assignee's notification for a new ticket. Rate keys are left empty for the caller to fill.
std::vector<OutboxEntry> TicketReplies(const Config& config, const StoredMessage& message, const RouteDecision& d,
                                       int64_t ticket_id, const ReplyChannels& channels);

// A 待确认 item for the grid worker (templates.yaml `loop.confirm_item`): the resident's words
// (it goes to the worker alone), the engine's best guess and what it rests on (the words the
// rules matched, or the model's strongest n-grams). Nothing goes to the group: the message is
// not yet a request. Rate keys are left empty for the caller to fill.
std::vector<OutboxEntry> ConfirmReplies(const Config& config, const StoredMessage& message, const RouteDecision& d,
                                        int64_t ticket_id);

// "诉求·环境卫生 (rule 0.42)": the engine's guess as staff read it.
std::string GuessLabel(const Templates& templates, const Classification& c);
// "「楼道」「占了」" or "model: 楼道占, 占了": what the guess rests on.
std::string EvidenceLabel(const Classification& c);
// An instant anti-fraud warning (issue #12) as planned for one message: the row that sends it
// and the record kept as its evidence. Its text is the intent's template (or the fallback),
// with nothing of the resident's words; in a `quiet` group it goes to the grid worker instead.
struct PlannedWarning {
  Warning record;   // ticket_id, message and evidence set; id and created_at left to the store
  OutboxEntry row;  // kind warning, priority kUrgent, idempotency key set, rate key empty
};

// Where a group's warnings go (routing.yaml groups[].warnings); `group` for a group the grid
// does not list.
WarningMode WarningModeOf(const Grid& grid, const std::string& channel, const std::string& group_id);

// The template a warning for `intent` uses: {key, text}, key being the intent or "fallback";
// nullopt when the intent has none and there is no fallback.
std::optional<std::pair<std::string, std::string>> WarningTemplateFor(const Templates& templates,
                                                                      const std::string& intent);

// The warning `message` causes, opening ticket `ticket_id` in `grid`: nullopt when its
// classification carries no `warn`, it was not said in a group, the group's warnings are off,
// no template applies, or a quiet group's worker has nowhere to be told.
std::optional<PlannedWarning> PlanWarning(const Config& config, const StoredMessage& message, const Grid& grid,
                                          int64_t ticket_id);

// The grid worker's visit task for an urgent anti_fraud ticket (templates.yaml `visit`): call or
// go to the resident now, at the address the message names if it names one. nullopt when the
// grid's worker has nowhere to be told. Rate key left empty.
std::optional<OutboxEntry> VisitTask(const Config& config, const StoredMessage& message, const Grid& grid,
                                     int64_t ticket_id);

// check-config: every anti_fraud intent of `intents` needs a warning template. Without its own
// one but with a fallback it gets a warning line (the fallback names no scheme); without either
// it is an error naming templates.yaml and the line of `warnings` (a resident would get no
// warning at all).
[[nodiscard]] Status CheckWarningTemplates(const Templates& templates, std::span<const std::string_view> intents,
                                           std::vector<std::string>* warnings);

// The admin's notification about a message put in triage. Empty when no admin is configured.
std::vector<OutboxEntry> TriageReplies(const Config& config, const StoredMessage& message, const std::string& why);

}  // namespace gridrelay
