#include "gateway/store/sqlite/sqlite_rows.h"

namespace gridrelay::sqlite {
namespace {

// Column `col` of the row read through `parse`. A name the code does not know is corrupt data
// (or a newer writer), not a default: reading on would send a reply to the wrong audience.
template <typename E>
StatusOr<E> ParseColumn(const Stmt& s, int col, const char* what, std::optional<E> (*parse)(std::string_view)) {
  std::string text = s.Text(col);
  if (auto v = parse(text)) return *v;
  return Status::DataLoss("row " + std::to_string(s.Int(0)) + ": unknown " + what + " '" + text + "'");
}

}  // namespace

const char* const kMessageColumns =
    "id, channel, dedup_key, platform_msg_id, chat_type, group_id, sender_id, sender_name, sender_role, text, "
    "sent_at, received_at, from_bot, attachments, reply_context, classification, state, note, ticket_id";

const char* const kTicketColumns =
    "id, message_id, channel, group_id, grid_id, sender_id, sender_name, category, intent, urgent, status, level, "
    "assignee_kind, assignee_id, assignee_name, text, entities, created_at, updated_at, version, community_id, "
    "street_id, supervised, team_id, bounces, reason, satisfaction, accepted_at, resolved_at, closed_at, "
    "response_due_at, resolve_due_at, merged_into, reporters, visit_outcome, first_contact_at";

const char* const kWarningColumns =
    "w.id, w.message_id, w.ticket_id, w.channel, w.group_id, w.sender_id, w.intent, w.template_key, w.mode, w.rules, "
    "w.outbox_key, w.text, w.repeats, w.last_repeat_at, w.created_at, w.false_alarm_by, w.false_alarm_at, "
    "w.false_alarm_reason";

const char* const kEventColumns = "id, ticket_id, at, actor, action, detail";

const char* const kOutboxColumns =
    "id, idempotency_key, channel, kind, priority, audience, group_id, user_id, rate_key, payload, message_id, "
    "ticket_id, status, attempts, next_attempt_at, last_error, created_at, sent_at, retry_from, campaign_id";

const char* const kTimerColumns = "id, key, kind, ticket_id, due_at, payload";

const char* const kLabelledCorrectionColumns =
    "c.id, c.message_id, c.ticket_id, c.kind, c.actor, c.guess_category, c.guess_intent, c.category, c.intent, c.at, "
    "COALESCE(m.text, ''), COALESCE(m.urgent, 0)";

const char* const kCampaignColumns =
    "id, client_key, request_digest, title, content, targets, state, created_by, created_at, updated_at, start_at, "
    "expected_finish_at, target_count, skipped, plan";

StatusOr<StoredMessage> ReadMessage(const Stmt& s) {
  StoredMessage m;
  m.id = s.Int(0);
  m.message.channel = s.Text(1);
  m.message.dedup_key = s.Text(2);
  m.message.platform_msg_id = s.Text(3);
  auto chat_type = ParseColumn<ChatType>(s, 4, "messages.chat_type", ParseChatType);
  if (!chat_type.ok()) return chat_type.status();
  m.message.chat_type = *chat_type;
  m.message.group_id = s.Text(5);
  m.message.sender_id = s.Text(6);
  m.message.sender_name = s.Text(7);
  m.sender_role = ParseSenderRole(s.Text(8)).value_or(SenderRole::kResident);
  m.message.text = s.Text(9);
  m.message.sent_at = s.Int(10);
  m.received_at = s.Int(11);
  m.message.from_bot = s.Int(12) != 0;
  nlohmann::json att = s.Json(13);
  if (att.is_array()) m.message.attachments = att.get<std::vector<Attachment>>();
  nlohmann::json ctx = s.Json(14);
  if (ctx.is_object()) m.message.reply_context = ctx;
  nlohmann::json cls = s.Json(15);
  if (cls.is_object()) m.classification = cls.get<Classification>();
  m.state = ParseMessageState(s.Text(16)).value_or(MessageState::kReceived);
  m.note = s.Text(17);
  m.ticket_id = s.Int(18);
  return m;
}

StatusOr<Ticket> ReadTicket(const Stmt& s) {
  Ticket t;
  t.id = s.Int(0);
  t.message_id = s.Int(1);
  t.channel = s.Text(2);
  t.group_id = s.Text(3);
  t.grid_id = s.Text(4);
  t.sender_id = s.Text(5);
  t.sender_name = s.Text(6);
  t.category = s.Text(7);
  t.intent = s.Text(8);
  t.urgent = s.Int(9) != 0;
  // An unknown status is a row no code wrote; kNew makes it visible without guessing progress.
  t.status = ParseTicketStatus(s.Text(10)).value_or(TicketStatus::kNew);
  t.level = s.Text(11);
  t.assignee_kind = s.Text(12);
  t.assignee_id = s.Text(13);
  t.assignee_name = s.Text(14);
  t.text = s.Text(15);
  t.entities = s.Json(16);
  if (t.entities.is_discarded()) t.entities = nlohmann::json::array();
  t.created_at = s.Int(17);
  t.updated_at = s.Int(18);
  t.version = s.Int(19);
  t.community_id = s.Text(20);
  t.street_id = s.Text(21);
  t.supervised = s.Int(22) != 0;
  t.team_id = s.Text(23);
  t.bounces = static_cast<int>(s.Int(24));
  t.reason = s.Text(25);
  t.satisfaction = s.Text(26);
  t.accepted_at = s.Int(27);
  t.resolved_at = s.Int(28);
  t.closed_at = s.Int(29);
  t.response_due_at = s.Int(30);
  t.resolve_due_at = s.Int(31);
  t.merged_into = s.Int(32);
  t.reporters = static_cast<int>(s.Int(33));
  t.visit_outcome = s.Text(34);
  t.first_contact_at = s.Int(35);
  return t;
}

StatusOr<Warning> ReadWarning(const Stmt& s) {
  Warning w;
  w.id = s.Int(0);
  w.message_id = s.Int(1);
  w.ticket_id = s.Int(2);
  w.channel = s.Text(3);
  w.group_id = s.Text(4);
  w.sender_id = s.Text(5);
  w.intent = s.Text(6);
  w.template_key = s.Text(7);
  w.mode = s.Text(8);
  w.rules = s.Json(9);
  if (!w.rules.is_array()) w.rules = nlohmann::json::array();
  w.outbox_key = s.Text(10);
  w.text = s.Text(11);
  w.repeats = static_cast<int>(s.Int(12));
  w.last_repeat_at = s.Int(13);
  w.created_at = s.Int(14);
  w.false_alarm_by = s.Text(15);
  w.false_alarm_at = s.Int(16);
  w.false_alarm_reason = s.Text(17);
  return w;
}

StatusOr<TicketEvent> ReadEvent(const Stmt& s) {
  TicketEvent e;
  e.id = s.Int(0);
  e.ticket_id = s.Int(1);
  e.at = s.Int(2);
  e.actor = s.Text(3);
  e.action = s.Text(4);
  e.detail = s.Json(5);
  if (e.detail.is_discarded()) e.detail = nlohmann::json::object();
  return e;
}

StatusOr<OutboxEntry> ReadOutbox(const Stmt& s) {
  OutboxEntry e;
  e.message.id = s.Int(0);
  e.message.idempotency_key = s.Text(1);
  e.message.channel = s.Text(2);
  e.message.kind = s.Text(3);
  e.priority = static_cast<int>(s.Int(4));
  auto audience = ParseColumn<Audience>(s, 5, "outbox.audience", ParseAudience);
  if (!audience.ok()) return audience.status();
  e.message.audience = *audience;
  e.message.group_id = s.Text(6);
  e.message.user_id = s.Text(7);
  e.rate_key = s.Text(8);
  nlohmann::json payload = s.Json(9);
  if (payload.is_object()) {
    e.message.text = payload.value("text", "");
    e.message.mention_user_ids = payload.value("mention_user_ids", std::vector<std::string>{});
    e.message.mention_mobiles = payload.value("mention_mobiles", std::vector<std::string>{});
    if (payload.contains("reply_context")) e.message.reply_context = payload["reply_context"];
  }
  e.message_id = s.Int(10);
  e.ticket_id = s.Int(11);
  e.status = ParseOutboxStatus(s.Text(12)).value_or(OutboxStatus::kPending);
  e.attempts = static_cast<int>(s.Int(13));
  e.message.attempt = e.attempts;
  e.next_attempt_at = s.Int(14);
  e.last_error = s.Text(15);
  e.created_at = s.Int(16);
  e.sent_at = s.Int(17);
  e.retry_from = s.Int(18) > 0 ? s.Int(18) : e.created_at;
  e.campaign_id = s.Int(19);
  return e;
}

StatusOr<Timer> ReadTimer(const Stmt& s) {
  Timer t;
  t.id = s.Int(0);
  t.key = s.Text(1);
  t.kind = s.Text(2);
  t.ticket_id = s.Int(3);
  t.due_at = s.Int(4);
  t.payload = s.Json(5);
  if (!t.payload.is_object()) t.payload = nlohmann::json::object();
  return t;
}

StatusOr<LabelledCorrection> ReadLabelledCorrection(const Stmt& s) {
  LabelledCorrection l;
  Correction& k = l.correction;
  k.id = s.Int(0);
  k.message_id = s.Int(1);
  k.ticket_id = s.Int(2);
  k.kind = s.Text(3);
  k.actor = s.Text(4);
  k.guess_category = s.Text(5);
  k.guess_intent = s.Text(6);
  k.category = s.Text(7);
  k.intent = s.Text(8);
  k.at = s.Int(9);
  l.text = s.Text(10);
  l.urgent = s.Int(11) != 0;
  return l;
}

StatusOr<Campaign> ReadCampaign(const Stmt& s) {
  Campaign c;
  c.id = s.Int(0);
  c.client_key = s.Text(1);
  c.request_digest = s.Text(2);
  c.title = s.Text(3);
  c.content = s.Text(4);
  c.targets = s.Json(5);
  if (!c.targets.is_object()) c.targets = nlohmann::json::object();
  auto state = ParseColumn<CampaignState>(s, 6, "campaigns.state", ParseCampaignState);
  if (!state.ok()) return state.status();
  c.state = *state;
  c.created_by = s.Text(7);
  c.created_at = s.Int(8);
  c.updated_at = s.Int(9);
  c.start_at = s.Int(10);
  c.expected_finish_at = s.Int(11);
  c.target_count = s.Int(12);
  c.skipped = s.Json(13);
  if (!c.skipped.is_array()) c.skipped = nlohmann::json::array();
  c.plan = s.Json(14);
  if (!c.plan.is_object()) c.plan = nlohmann::json::object();
  return c;
}

std::string OutboxPayload(const OutboundMessage& m) {
  return Dump({{"text", m.text},
               {"mention_user_ids", m.mention_user_ids},
               {"mention_mobiles", m.mention_mobiles},
               {"reply_context", m.reply_context}});
}

}  // namespace gridrelay::sqlite
