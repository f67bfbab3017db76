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
#include <string>
#include <vector>

#include "gateway/config/config.h"
#include "gateway/route/router.h"
#include "gateway/store/store.h"

namespace gridrelay {

// Replaces each "{name}" with vars[name]; unknown names are left as they are.
std::string RenderTemplate(const std::string& tmpl, const std::map<std::string, std::string>& vars);

// The 中文 label staff read for an intent (templates.yaml intent_labels), or the intent itself.
std::string IntentLabel(const Templates& templates, const std::string& intent);

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

// The admin's notification about a message put in triage. Empty when no admin is configured.
std::vector<OutboxEntry> TriageReplies(const Config& config, const StoredMessage& message, const std::string& why);

}  // namespace gridrelay
