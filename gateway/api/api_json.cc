#include "gateway/api/api_json.h"

#include <ctime>

#include "gateway/core/time_units.h"
#include "gateway/route/replies.h"

namespace gridrelay {

nlohmann::json TimeJson(int64_t micros) {
  if (micros <= 0) return nullptr;
  std::time_t secs = static_cast<std::time_t>(micros / kMicrosPerSecond);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[48];
  std::snprintf(out, sizeof out, "%s.%03dZ", buf, static_cast<int>((micros / 1000) % 1000));
  return out;
}

nlohmann::json TicketJson(const Ticket& t) {
  return {
      {"id", t.id},
      {"number", TicketNumber(t.id)},
      {"status", Name(t.status)},
      {"category", t.category},
      {"intent", t.intent},
      {"urgent", t.urgent},
      {"grid", t.grid_id},
      {"community", t.community_id},
      {"street", t.street_id},
      {"level", t.level},
      {"supervised", t.supervised},
      {"assignee", {{"kind", t.assignee_kind}, {"id", t.assignee_id}, {"name", t.assignee_name}}},
      {"team", t.team_id},
      {"bounces", t.bounces},
      {"reason", t.reason},
      {"satisfaction", t.satisfaction},
      {"channel", t.channel},
      {"group_id", t.group_id},
      {"sender", {{"id", t.sender_id}, {"name", t.sender_name}}},
      {"text", t.text},
      {"entities", t.entities},
      {"message_id", t.message_id},
      {"created_at", TimeJson(t.created_at)},
      {"updated_at", TimeJson(t.updated_at)},
      {"accepted_at", t.accepted_at ? nlohmann::json(TimeJson(t.accepted_at)) : nlohmann::json()},
      {"resolved_at", t.resolved_at ? nlohmann::json(TimeJson(t.resolved_at)) : nlohmann::json()},
      {"closed_at", t.closed_at ? nlohmann::json(TimeJson(t.closed_at)) : nlohmann::json()},
      {"response_due_at", t.response_due_at ? nlohmann::json(TimeJson(t.response_due_at)) : nlohmann::json()},
      {"resolve_due_at", t.resolve_due_at ? nlohmann::json(TimeJson(t.resolve_due_at)) : nlohmann::json()},
      {"merged_into", t.merged_into ? nlohmann::json(t.merged_into) : nlohmann::json()},
      {"reporters", t.reporters},
      {"visit_outcome", t.visit_outcome.empty() ? nlohmann::json() : nlohmann::json(t.visit_outcome)},
      {"first_contact_at", t.first_contact_at ? nlohmann::json(TimeJson(t.first_contact_at)) : nlohmann::json()},
  };
}

nlohmann::json WarningJson(const Warning& w) {
  nlohmann::json false_alarm;
  if (w.false_alarm_at)
    false_alarm = {{"by", w.false_alarm_by}, {"at", TimeJson(w.false_alarm_at)}, {"reason", w.false_alarm_reason}};
  return {
      {"id", w.id},
      {"message_id", w.message_id},
      {"ticket_id", w.ticket_id},
      {"channel", w.channel},
      {"group_id", w.group_id},
      {"sender_id", w.sender_id},
      {"intent", w.intent},
      {"template", w.template_key},
      {"mode", w.mode},
      {"rules", w.rules},
      {"text", w.text},
      {"outbox_key", w.outbox_key},
      {"repeats", w.repeats},
      {"last_repeat_at", w.last_repeat_at ? nlohmann::json(TimeJson(w.last_repeat_at)) : nlohmann::json()},
      {"created_at", TimeJson(w.created_at)},
      {"false_alarm", false_alarm},
  };
}

nlohmann::json TicketEventJson(const TicketEvent& e) {
  return {{"id", e.id}, {"at", TimeJson(e.at)}, {"actor", e.actor}, {"action", e.action}, {"detail", e.detail}};
}

nlohmann::json MessageJson(const StoredMessage& sm) {
  const InboundMessage& m = sm.message;
  return {
      {"id", sm.id},
      {"channel", m.channel},
      {"platform_msg_id", m.platform_msg_id},
      {"chat_type", std::string(Name(m.chat_type))},
      {"group_id", m.group_id},
      {"sender", {{"id", m.sender_id}, {"name", m.sender_name}, {"role", std::string(Name(sm.sender_role))}}},
      {"text", m.text},
      {"attachments", m.attachments},
      {"sent_at", m.sent_at > 0 ? TimeJson(m.sent_at * kMicrosPerSecond) : nlohmann::json(nullptr)},
      {"received_at", TimeJson(sm.received_at)},
      {"state", std::string(Name(sm.state))},
      {"note", sm.note},
      {"classification", sm.classification},
  };
}

nlohmann::json OutboxJson(const OutboxEntry& e) {
  const OutboundMessage& m = e.message;
  return {
      {"id", m.id},
      {"idempotency_key", m.idempotency_key},
      {"channel", m.channel},
      {"kind", m.kind},
      {"destination", e.rate_key},
      {"priority", e.priority},
      {"to", {{"audience", std::string(Name(m.audience))}, {"group_id", m.group_id}, {"user_id", m.user_id}}},
      {"text", m.text},
      {"status", std::string(Name(e.status))},
      {"attempts", e.attempts},
      {"last_error", e.last_error},
      {"message_id", e.message_id},
      {"ticket_id", e.ticket_id},
      {"created_at", TimeJson(e.created_at)},
      {"next_attempt_at", e.status == OutboxStatus::kPending ? TimeJson(e.next_attempt_at) : nlohmann::json(nullptr)},
      {"sent_at", TimeJson(e.sent_at)},
  };
}

namespace {

template <typename T>
nlohmann::json OrNull(const std::optional<T>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

nlohmann::json FiguresJson(const workflow::ReportFigures& f) {
  nlohmann::json by_status = nlohmann::json::object();
  for (TicketStatus s : kAllTicketStatuses)
    if (s != TicketStatus::kMerged) by_status[std::string(Name(s))] = f.count(s);  // merged: counted apart
  return {{"total", f.total},
          {"by_status", by_status},
          {"merged", f.merged},
          {"response_rate", OrNull(f.response_rate)},
          {"responded_on_time", f.responded_on_time},
          {"needed_response", f.needed_response},
          {"resolution_rate", OrNull(f.resolution_rate)},
          {"resolved", f.resolved},
          {"needed_resolution", f.needed_resolution},
          {"satisfaction_rate", OrNull(f.satisfaction_rate)},
          {"satisfied", f.satisfied},
          {"unsatisfied", f.unsatisfied},
          {"no_answer", f.no_answer},
          {"median_response_s", OrNull(f.median_response_s)},
          {"p90_response_s", OrNull(f.p90_response_s)},
          {"median_resolution_s", OrNull(f.median_resolution_s)},
          {"resolution_on_time_rate", OrNull(f.resolution_on_time_rate)},
          {"resolved_on_time", f.resolved_on_time},
          {"median_response_working_s", OrNull(f.median_response_working_s)},
          {"median_resolution_working_s", OrNull(f.median_resolution_working_s)},
          {"overdue", f.overdue},
          {"escalated", f.escalated},
          {"visits", f.visits},
          {"contacted", f.contacted},
          {"median_first_contact_s", OrNull(f.median_first_contact_s)},
          {"p90_first_contact_s", OrNull(f.p90_first_contact_s)},
          {"by_level",
           {{"grid", f.by_level[0]}, {"community", f.by_level[1]}, {"street", f.by_level[2]}, {"district", f.by_level[3]}}}};
}

}  // namespace

nlohmann::json ReportJson(const workflow::Report& r) {
  nlohmann::json groups = nlohmann::json::array();
  for (const auto& g : r.groups) {
    nlohmann::json row = {{"key", g.key}};
    row.update(FiguresJson(g));
    groups.push_back(std::move(row));
  }
  return {{"from", TimeJson(r.window.from)},
          {"to", TimeJson(r.window.to)},
          {"now", TimeJson(r.now)},
          {"group_by", Name(r.group_by)},
          {"groups", std::move(groups)},
          {"total", FiguresJson(r.total)}};
}

}  // namespace gridrelay
