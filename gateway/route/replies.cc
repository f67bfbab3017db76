#include "gateway/route/replies.h"

#include <cstdio>

#include <re2/re2.h>

#include "util/utf8.h"

namespace gridrelay {
namespace {

bool GlobMatches(const std::string& glob, const std::string& value) {
  if (glob.empty() || glob == "*") return true;
  if (glob.size() >= 2 && glob.compare(glob.size() - 2, 2, ".*") == 0)
    return value.rfind(glob.substr(0, glob.size() - 1), 0) == 0;  // "anti_fraud.*" matches "anti_fraud.x"
  return glob == value;
}

std::string Key(int64_t message_id, const std::string& kind, const std::string& to) {
  return "m" + std::to_string(message_id) + ":" + kind + (to.empty() ? "" : ":" + to);
}

// What a staff notification about a new ticket or item can say: the resident's words included
// (it goes to staff alone).
std::map<std::string, std::string> StaffVars(const Config& config, const StoredMessage& sm, const RouteDecision& d,
                                             int64_t ticket_id) {
  const InboundMessage& m = sm.message;
  const Classification& c = sm.classification;
  return {
      {"ticket", TicketNumber(ticket_id)},
      {"number", std::to_string(ticket_id)},
      {"assignee", d.assignee_name},
      {"grid", d.grid ? (d.grid->name.empty() ? d.grid->id : d.grid->name) : ""},
      {"intent", c.intent},
      {"intent_label", IntentLabel(config.templates, c.intent)},
      {"category", c.category},
      {"sender", m.sender_name.empty() ? m.sender_id : m.sender_name},
      {"text", TruncateUtf8(m.text, 600, "…")},
      {"urgent", c.urgent ? "【紧急】" : ""},
  };
}

}  // namespace

OutboxEntry Notification(const NotifyTarget& target, const std::string& kind, int priority, std::string text,
                         const std::string& key) {
  OutboxEntry e;
  e.message.channel = target.channel;
  e.message.kind = kind;
  e.message.audience = target.group ? Audience::kGroup : Audience::kUser;
  (target.group ? e.message.group_id : e.message.user_id) = target.to;
  e.message.text = std::move(text);
  e.message.idempotency_key = key;
  e.priority = priority;
  return e;
}

std::string RenderTemplate(const std::string& tmpl, const std::map<std::string, std::string>& vars) {
  std::string out;
  out.reserve(tmpl.size() + 64);
  size_t i = 0;
  while (i < tmpl.size()) {
    size_t open = tmpl.find('{', i);
    if (open == std::string::npos) break;
    size_t close = tmpl.find('}', open + 1);
    if (close == std::string::npos) break;
    out.append(tmpl, i, open - i);
    auto it = vars.find(tmpl.substr(open + 1, close - open - 1));
    if (it != vars.end()) {
      out += it->second;
    } else {
      out.append(tmpl, open, close - open + 1);
    }
    i = close + 1;
  }
  out.append(tmpl, i, std::string::npos);
  return out;
}

std::string IntentLabel(const Templates& templates, const std::string& intent) {
  auto it = templates.intent_labels.find(intent);
  return it == templates.intent_labels.end() ? intent : it->second;
}

std::string TicketNumber(int64_t ticket_id) { return "#" + std::to_string(ticket_id); }

std::optional<std::string> SafetyReplyText(const Templates& templates, const Classification& c,
                                           const std::string& original_text) {
  if (!c.urgent) return std::nullopt;
  for (const auto& rule : templates.safety) {
    if (!GlobMatches(rule.intent_glob, c.intent)) continue;
    if (!rule.text_pattern.empty() && !RE2::PartialMatch(original_text, rule.text_pattern)) continue;
    return rule.text;
  }
  return std::nullopt;
}

std::vector<OutboxEntry> TicketReplies(const Config& config, const StoredMessage& sm, const RouteDecision& d,
                                       int64_t ticket_id, const ReplyChannels& channels) {
  const InboundMessage& m = sm.message;
  const Classification& c = sm.classification;
  const Templates& t = config.templates;
  std::map<std::string, std::string> vars = StaffVars(config, sm, d, ticket_id);
  std::vector<OutboxEntry> out;
  // The assignee first: that is where the work happens.
  if (d.notify && !d.notify->channel.empty()) {
    OutboxEntry n = Notification(*d.notify, outbound_kind::kStaffNotify, c.urgent ? priority::kUrgent : priority::kStaff,
                                 RenderTemplate(t.staff_notify, vars),
                                 Key(sm.id, outbound_kind::kStaffNotify, d.assignee_id));
    n.message.mention_mobiles = d.mention_mobiles;
    out.push_back(std::move(n));
  }
  // The copies (the team of a chosen member, the next level's duty on an urgent ticket), each
  // with its own key.
  // An urgent copy says it is one (templates.yaml `urgent_copy`), so that the duty officer
  // does not take the ticket for her own.
  for (const RouteDecision::Copy& copy : d.copies) {
    if (!copy.target || copy.target->channel.empty()) continue;
    out.push_back(Notification(*copy.target, outbound_kind::kStaffNotify, c.urgent ? priority::kUrgent : priority::kStaff,
                               RenderTemplate(copy.urgent ? t.urgent_copy : t.staff_notify, vars),
                               Key(sm.id, outbound_kind::kStaffNotify, copy.who)));
  }
  // The group acknowledgement: never the resident's words.
  std::map<std::string, std::string> group_vars = vars;
  group_vars.erase("text");
  group_vars.erase("sender");
  auto private_tmpl = t.private_ack.find(c.category);
  const bool go_private = private_tmpl != t.private_ack.end() && channels.source_can_reply_privately &&
                          !m.sender_id.empty();
  auto group_tmpl = t.group_ack.find(go_private ? c.category + "_private" : c.category);
  if (group_tmpl == t.group_ack.end()) group_tmpl = t.group_ack.find(c.category);
  if (group_tmpl != t.group_ack.end() && m.chat_type == ChatType::kGroup) {
    OutboxEntry a;
    a.message.channel = m.channel;
    a.message.kind = outbound_kind::kGroupAck;
    a.message.audience = Audience::kGroup;
    a.message.group_id = m.group_id;
    a.message.text = RenderTemplate(group_tmpl->second, group_vars);
    a.message.reply_context = m.reply_context;
    if (c.category != "legal_aid" && !m.sender_id.empty()) a.message.mention_user_ids.push_back(m.sender_id);
    a.message.idempotency_key = Key(sm.id, outbound_kind::kGroupAck, "");
    a.priority = c.urgent ? priority::kUrgent : priority::kResident;
    out.push_back(std::move(a));
  }
  if (go_private) {
    OutboxEntry p;
    p.message.channel = m.channel;
    p.message.kind = outbound_kind::kGroupAck;
    p.message.audience = Audience::kUser;
    p.message.user_id = m.sender_id;
    p.message.group_id = m.group_id;
    p.message.text = RenderTemplate(private_tmpl->second, group_vars);
    p.message.reply_context = m.reply_context;
    p.message.idempotency_key = Key(sm.id, "private_ack", m.sender_id);
    p.priority = c.urgent ? priority::kUrgent : priority::kResident;
    out.push_back(std::move(p));
  }
  return out;
}

std::string GuessLabel(const Templates& templates, const Classification& c) {
  char conf[32];
  std::snprintf(conf, sizeof conf, "%.2f", c.confidence);
  return IntentLabel(templates, c.intent) + "（" + c.by + " " + conf + "）";
}

std::string EvidenceLabel(const Classification& c) {
  std::string out;
  for (const IntentMatch& m : c.matches) {
    if (m.text.empty() || out.find("「" + m.text + "」") != std::string::npos) continue;
    out += "「" + m.text + "」";
  }
  if (out.empty() && !c.evidence.empty()) {
    out = "model:";
    for (size_t i = 0; i < c.evidence.size() && i < 5; ++i) out += (i ? ", " : " ") + c.evidence[i];
  }
  return out.empty() ? "—" : out;
}

std::vector<OutboxEntry> ConfirmReplies(const Config& config, const StoredMessage& sm, const RouteDecision& d,
                                        int64_t ticket_id) {
  if (!d.notify || d.notify->channel.empty()) return {};
  std::map<std::string, std::string> vars = StaffVars(config, sm, d, ticket_id);
  vars["guess"] = GuessLabel(config.templates, sm.classification);
  vars["evidence"] = EvidenceLabel(sm.classification);
  OutboxEntry n = Notification(*d.notify, outbound_kind::kStaffNotify, priority::kStaff,
                               RenderTemplate(config.templates.loop.at("confirm_item"), vars),
                               Key(sm.id, outbound_kind::kStaffNotify, d.assignee_id));
  n.message.mention_mobiles = d.mention_mobiles;
  return {std::move(n)};
}

WarningMode WarningModeOf(const Grid& grid, const std::string& channel, const std::string& group_id) {
  for (const GroupRef& g : grid.groups)
    if (g.channel == channel && g.group == group_id) return g.warnings;
  return WarningMode::kGroup;
}

std::optional<std::pair<std::string, std::string>> WarningTemplateFor(const Templates& templates,
                                                                      const std::string& intent) {
  if (auto it = templates.warnings.find(intent); it != templates.warnings.end()) return *it;
  if (!templates.warning_fallback.empty()) return std::pair<std::string, std::string>{"fallback", templates.warning_fallback};
  return std::nullopt;
}

std::optional<PlannedWarning> PlanWarning(const Config& config, const StoredMessage& sm, const Grid& grid,
                                          int64_t ticket_id) {
  const InboundMessage& m = sm.message;
  const Classification& c = sm.classification;
  if (!c.warn || c.category != "anti_fraud" || m.chat_type != ChatType::kGroup) return std::nullopt;
  const WarningMode mode = WarningModeOf(grid, m.channel, m.group_id);
  if (mode == WarningMode::kOff) return std::nullopt;
  auto tmpl = WarningTemplateFor(config.templates, c.intent);
  if (!tmpl) return std::nullopt;
  const std::string label = IntentLabel(config.templates, c.intent);
  // The template's only placeholder is the scheme's name (LoadConfig refuses any other).
  const std::string text = RenderTemplate(tmpl->second, {{"intent_label", label}});
  PlannedWarning out;
  OutboxEntry& e = out.row;
  if (mode == WarningMode::kQuiet) {
    const StaffMember* worker = config.FindStaff(grid.worker);
    if (!worker || worker->notify.channel.empty()) return std::nullopt;
    e = Notification(worker->notify, outbound_kind::kWarning, priority::kUrgent,
                     RenderTemplate(config.templates.warning_quiet,
                                    {{"grid", grid.name.empty() ? grid.id : grid.name}, {"intent_label", label},
                                     {"warning", text}}),
                     Key(sm.id, outbound_kind::kWarning, grid.worker));
  } else {
    e.message.channel = m.channel;
    e.message.kind = outbound_kind::kWarning;
    e.message.audience = Audience::kGroup;
    e.message.group_id = m.group_id;
    e.message.text = text;
    e.message.reply_context = m.reply_context;
    if (!m.sender_id.empty()) e.message.mention_user_ids.push_back(m.sender_id);
    e.message.idempotency_key = Key(sm.id, outbound_kind::kWarning, "");
    e.priority = priority::kUrgent;
  }
  Warning& w = out.record;
  w.message_id = sm.id;
  w.ticket_id = ticket_id;
  w.channel = m.channel;
  w.group_id = m.group_id;
  w.sender_id = m.sender_id;
  w.intent = c.intent;
  w.template_key = tmpl->first;
  w.mode = std::string(Name(mode));
  for (const IntentMatch& hit : c.matches) w.rules.push_back({{"intent", hit.intent}, {"pattern_id", hit.pattern_id}});
  w.outbox_key = e.message.idempotency_key;
  w.text = e.message.text;
  return out;
}

std::optional<OutboxEntry> VisitTask(const Config& config, const StoredMessage& sm, const Grid& grid,
                                     int64_t ticket_id) {
  const StaffMember* worker = config.FindStaff(grid.worker);
  if (!worker || worker->notify.channel.empty()) return std::nullopt;
  std::string address;
  for (const Entity& e : sm.classification.entities)
    if (e.type == "address") address += (address.empty() ? "" : "、") + e.text;
  const Templates& t = config.templates;
  const std::map<std::string, std::string> vars = {
      {"ticket", TicketNumber(ticket_id)},
      {"number", std::to_string(ticket_id)},
      {"grid", grid.name.empty() ? grid.id : grid.name},
      {"intent_label", IntentLabel(t, sm.classification.intent)},
      {"address", address.empty() ? "（消息未写地址，请查看工单联系居民）" : address},
  };
  OutboxEntry e = Notification(worker->notify, outbound_kind::kVisit, priority::kUrgent, RenderTemplate(t.visit, vars),
                               Key(sm.id, outbound_kind::kVisit, worker->id));
  e.message.mention_mobiles = {};
  if (!worker->mobile.empty()) e.message.mention_mobiles.push_back(worker->mobile);
  return e;
}

Status CheckWarningTemplates(const Templates& templates, std::span<const std::string_view> intents,
                             std::vector<std::string>* warnings) {
  const std::string where = templates.warnings_where.empty() ? std::string("templates.yaml") : templates.warnings_where;
  std::vector<std::string> missing;
  for (std::string_view intent : intents)
    if (CategoryOf(std::string(intent)) == "anti_fraud" && !templates.warnings.count(std::string(intent)))
      missing.emplace_back(intent);
  if (missing.empty()) return Status::Ok();
  std::string list;
  for (const std::string& m : missing) list += (list.empty() ? "" : ", ") + m;
  if (templates.warning_fallback.empty())
    return Status::InvalidArgument(where + ": no warning template for " + list +
                                   " and no `fallback`: a scam of that kind would get no warning in the group");
  warnings->push_back(where + ": no warning template of its own for " + list + "; they use the fallback");
  return Status::Ok();
}

std::vector<OutboxEntry> TriageReplies(const Config& config, const StoredMessage& sm, const std::string& why) {
  const NotifyTarget& admin = config.routing.admin;
  if (admin.channel.empty()) return {};
  std::map<std::string, std::string> vars = {
      {"message_id", std::to_string(sm.id)}, {"channel", sm.message.channel}, {"group", sm.message.group_id},
      {"why", why},                          {"category", sm.classification.category},
      {"intent", sm.classification.intent},  {"text", TruncateUtf8(sm.message.text, 300, "…")},
  };
  return {Notification(admin, outbound_kind::kAdminNotify, priority::kAdmin,
                       RenderTemplate(config.templates.triage_notify, vars),
                       Key(sm.id, outbound_kind::kAdminNotify, admin.to))};
}

}  // namespace gridrelay
