#include "gateway/workflow/warning_actions.h"


namespace gridrelay::workflow {

StatusOr<ChangeSet> PlanFalseAlarm(const Actor& actor, const Warning& warning, const Ticket& ticket,
                                   const std::string& reason) {
  const std::string number = "提醒" + std::to_string(warning.id);
  if (actor.role == Role::kOrganiser)
    return Status::PermissionDenied("组织者不能标记误报 (an organiser does not mark false alarms)");
  if (!InScope(actor, ticket))
    return Status::NotFound("没有" + number + "，或不在您的管辖范围 (no warning " + std::to_string(warning.id) + ")");
  if (reason.empty())
    return Status::InvalidArgument("误报需要说明 (false_alarm needs a note saying why)");
  if (warning.false_alarm_at != 0)
    return Status::FailedPrecondition(number + "已由" + warning.false_alarm_by + "标记为误报 (warning " +
                                      std::to_string(warning.id) + " is marked a false alarm already)");
  ChangeSet c;
  c.false_alarms.push_back({warning.id, actor.id, reason});
  // A correction for the classifier too (gridrelay corrections export): the engine was sure
  // enough of a scam to warn a whole group, and a person says it was not one.
  Correction k;
  k.message_id = warning.message_id;
  k.ticket_id = ticket.id;
  k.kind = "false_alarm";
  k.actor = actor.id;
  k.guess_category = "anti_fraud";
  k.guess_intent = warning.intent;
  k.category = "none";
  k.intent = "none";
  c.corrections.push_back(std::move(k));
  c.events.push_back({0, ticket.id, 0, actor.id, kFalseAlarmAction,
                      {{"warning_id", warning.id}, {"note", reason}, {"role", std::string(Name(actor.role))}}});
  return c;
}

StatusOr<Warning> MarkFalseAlarm(Store* store, const Clock* clock, const Actor& actor, int64_t warning_id,
                                 const std::string& reason) {
  const Status missing = Status::NotFound("no warning " + std::to_string(warning_id));
  auto warning = store->GetWarning(warning_id);
  if (!warning.ok()) return warning.status();
  if (!warning->has_value()) return missing;
  auto ticket = store->GetTicket((*warning)->ticket_id);
  if (!ticket.ok()) return ticket.status();
  if (!ticket->has_value()) return missing;
  auto plan = PlanFalseAlarm(actor, **warning, **ticket, reason);
  if (!plan.ok()) return plan.status();
  Status applied = store->Apply(*plan, clock->NowMicros());
  // Lost to a concurrent mark: it is marked already.
  if (applied.code() == StatusCode::kAborted)
    return Status::FailedPrecondition("warning " + std::to_string(warning_id) + " is marked a false alarm already");
  GR_RETURN_IF_ERROR(applied);
  auto stored = store->GetWarning(warning_id);
  if (!stored.ok()) return stored.status();
  if (!stored->has_value()) return missing;
  return **stored;
}

}  // namespace gridrelay::workflow
