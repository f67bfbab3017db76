#include "gateway/route/reply_budget.h"

#include <algorithm>

#include "gateway/core/time_units.h"
#include "gateway/route/replies.h"

namespace gridrelay {
namespace {

// A digest quotes at most this many progress notes in full; the rest are named by ticket only,
// so that a digest stays one readable message however long the window's backlog.
constexpr size_t kDigestNotes = 10;

// The category of ticket `id` as `change` writes it, or "" when it writes no such ticket.
std::string CategoryIn(const ChangeSet& change, int64_t id) {
  for (const Ticket& t : change.new_tickets)
    if (t.id == id) return t.category;
  for (const TicketUpdate& u : change.ticket_updates)
    if (u.ticket.id == id) return u.ticket.category;
  return "";
}

// "#12 #13 #14": each ticket once, in the order first named.
std::string TicketList(const std::vector<int64_t>& ids) {
  std::vector<int64_t> seen;
  std::string out;
  for (int64_t id : ids) {
    if (id == 0 || std::find(seen.begin(), seen.end(), id) != seen.end()) continue;
    seen.push_back(id);
    out += (out.empty() ? "" : " ") + TicketNumber(id);
  }
  return out;
}

Timer WindowTimer(const std::string& channel, const std::string& group_id, int64_t due) {
  Timer t;
  t.key = BudgetTimerKey(channel, group_id);
  t.kind = kReplyBudgetTimer;
  t.due_at = due;
  t.payload = {{"channel", channel}, {"group", group_id}};
  return t;
}

// One group message for several held rows: the acknowledgements as a count and their ticket
// numbers, the progress notes quoted (they are staff's words and the loop's templates, never a
// resident's), everyone they @-mention @-mentioned once.
OutboxEntry Digest(const Templates& templates, const std::vector<OutboxEntry>& held) {
  std::vector<int64_t> acked;
  std::vector<const OutboxEntry*> notes;
  for (const OutboxEntry& e : held) {
    if (e.message.kind == outbound_kind::kGroupAck) acked.push_back(e.ticket_id);
    else notes.push_back(&e);
  }
  std::string text;
  if (!acked.empty())
    text = RenderTemplate(templates.ack_digest, {{"count", std::to_string(acked.size())}, {"tickets", TicketList(acked)}});
  if (!notes.empty()) {
    std::string quoted;
    std::vector<int64_t> rest;
    for (size_t i = 0; i < notes.size(); ++i) {
      if (i < kDigestNotes) quoted += (quoted.empty() ? "" : "\n") + notes[i]->message.text;
      else rest.push_back(notes[i]->ticket_id);
    }
    if (!rest.empty()) quoted += "\n…" + TicketList(rest);
    text += (text.empty() ? "" : "\n") + RenderTemplate(templates.progress_digest,
                                                         {{"count", std::to_string(notes.size())}, {"notes", quoted}});
  }
  const OutboxEntry& newest = held.back();
  OutboxEntry d;
  d.message.channel = newest.message.channel;
  d.message.kind = notes.empty() ? outbound_kind::kGroupAck : outbound_kind::kProgress;
  d.message.audience = Audience::kGroup;
  d.message.group_id = newest.message.group_id;
  d.message.text = std::move(text);
  // The newest reply context: a platform's per-message reply address (DingTalk's
  // sessionWebhook) lives longest there.
  d.message.reply_context = newest.message.reply_context;
  for (const OutboxEntry& e : held)
    for (const std::string& who : e.message.mention_user_ids)
      if (std::find(d.message.mention_user_ids.begin(), d.message.mention_user_ids.end(), who) ==
          d.message.mention_user_ids.end())
        d.message.mention_user_ids.push_back(who);
  // A held row is merged into one digest only, so its oldest row names the digest for good: a
  // flush planned again after a crash (with more rows, perhaps) keeps the key.
  d.message.idempotency_key = "budget:r" + std::to_string(held.front().message.id) + ":digest";
  d.priority = priority::kResident;
  d.rate_key = newest.rate_key;
  return d;
}

}  // namespace

std::string BudgetTimerKey(const std::string& channel, const std::string& group_id) {
  return "budget:" + channel + "/" + group_id;
}

bool HoldsForBudget(const ChangeSet& change, const OutboxEntry& row) {
  const OutboundMessage& m = row.message;
  if (m.audience != Audience::kGroup || m.group_id.empty() || row.priority < priority::kResident) return false;
  if (m.kind == outbound_kind::kProgress) return true;
  if (m.kind != outbound_kind::kGroupAck) return false;
  const std::string category = CategoryIn(change, row.ticket_id);
  return category != "anti_fraud" && category != "legal_aid";
}

void HoldForBudget(const ReplyBudgetOptions& budget, int64_t now, ChangeSet* change) {
  if (!budget.enabled) return;
  for (OutboxEntry& e : change->outbox) {
    if (e.status != OutboxStatus::kPending || !HoldsForBudget(*change, e)) continue;
    e.status = OutboxStatus::kBatched;
    const std::string key = BudgetTimerKey(e.message.channel, e.message.group_id);
    const bool ensured = std::any_of(change->ensure_timers.begin(), change->ensure_timers.end(),
                                     [&](const Timer& t) { return t.key == key; });
    // Due at once when no window is open: a lone acknowledgement waits for one timer pass only.
    if (!ensured) change->ensure_timers.push_back(WindowTimer(e.message.channel, e.message.group_id, now));
  }
}

ChangeSet FlushBudgetWindow(const Config& config, const Timer& window, const std::vector<OutboxEntry>& held,
                            int64_t now) {
  ChangeSet c;
  BudgetFlush flush;
  flush.channel = window.payload.value("channel", "");
  flush.group_id = window.payload.value("group", "");
  for (const OutboxEntry& e : held) flush.rows.push_back(e.message.id);
  if (held.empty()) {  // a quiet window: it closes, and the group's next row goes out at once
    c.budget_flushes.push_back(std::move(flush));
    return c;
  }
  flush.release = held.size() == 1;
  if (!flush.release) c.outbox.push_back(Digest(config.templates, held));
  c.budget_flushes.push_back(std::move(flush));
  c.schedule_timers.push_back(
      WindowTimer(window.payload.value("channel", ""), window.payload.value("group", ""),
                  now + config.reply_budget.window_seconds * kMicrosPerSecond));
  return c;
}

}  // namespace gridrelay
