#include "gateway/workflow/workflow_handler.h"

#include "gateway/core/time_units.h"
#include "gateway/route/replies.h"
#include "gateway/workflow/actor.h"
#include "gateway/workflow/chat_command.h"
#include "gateway/workflow/duplicates.h"
#include "gateway/workflow/ticket_actions.h"
#include "gateway/workflow/warning_actions.h"
#include "util/utf8.h"

namespace gridrelay::workflow {
namespace {

constexpr int kMineLimit = 20;

// One line about a ticket for staff; the resident's words only when `with_words`.
std::string Summary(const Runtime& rt, const Ticket& t, bool with_words) {
  std::string line = TicketNumber(t.id) + " " + std::string(ChineseName(t.status)) + "｜" + IntentLabel(rt.config.templates, t.intent);
  if (const Grid* g = rt.router->org().FindGrid(t.grid_id)) line += "｜" + (g->name.empty() ? g->id : g->name);
  if (!t.assignee_name.empty()) line += "｜" + t.assignee_name;
  if (t.supervised) line += "｜督办";
  if (t.reporters > 1) line += "｜" + std::to_string(t.reporters) + "位居民反映";
  if (with_words) line += "\n  " + (t.sender_name.empty() ? std::string("居民") : t.sender_name) + "：" + TruncateUtf8(t.text, 90, "…");
  return line;
}

// The answer to a command, in the chat it came from.
OutboxEntry Answer(const Runtime& rt, const StoredMessage& sm, std::string text) {
  const InboundMessage& m = sm.message;
  OutboxEntry e;
  e.message.channel = m.channel;
  e.message.kind = outbound_kind::kCommandAnswer;
  if (m.chat_type == ChatType::kGroup) {
    e.message.audience = Audience::kGroup;
    e.message.group_id = m.group_id;
    e.message.mention_user_ids.push_back(m.sender_id);
  } else {
    e.message.audience = Audience::kUser;
    e.message.user_id = m.sender_id;
  }
  e.message.reply_context = m.reply_context;
  e.message.text = std::move(text);
  e.message.idempotency_key = "m" + std::to_string(sm.id) + ":" + outbound_kind::kCommandAnswer;
  e.message_id = sm.id;
  e.priority = priority::kStaff;
  if (const Adapter* a = rt.FindAdapter(m.channel)) e.rate_key = RateKey(*a, e.message);
  return e;
}

}  // namespace

WorkflowHandler::WorkflowHandler(Store* store, const Clock* clock) : store_(store), clock_(clock) {}

StatusOr<bool> WorkflowHandler::Plan(const Runtime& rt, const StoredMessage& sm, ChangeSet* change) {
  if (sm.message.from_bot) return false;
  if (sm.sender_role == SenderRole::kStaff) return PlanCommand(rt, sm, change);
  if (sm.sender_role != SenderRole::kResident) return false;
  auto answered = PlanSatisfaction(rt, sm, change);
  if (!answered.ok() || *answered) return answered;
  return PlanDuplicate(rt, sm, change);
}

bool WorkflowHandler::WaitsFor(const Runtime& rt, const StoredMessage& later, const StoredMessage& earlier) const {
  if (later.message.chat_type != ChatType::kGroup || earlier.message.chat_type != ChatType::kGroup) return false;
  const Grid* grid = rt.router->GridFor(later.message.channel, later.message.group_id);
  if (!grid || grid != rt.router->GridFor(earlier.message.channel, earlier.message.group_id)) return false;
  return MayDuplicate(rt.config.duplicates, later, earlier);
}

StatusOr<bool> WorkflowHandler::PlanDuplicate(const Runtime& rt, const StoredMessage& sm, ChangeSet* change) {
  const DuplicateOptions& options = rt.config.duplicates;
  if (!options.enabled || sm.message.chat_type != ChatType::kGroup) return false;
  const RouteDecision d = rt.router->Route(sm);
  // A message the classifier is unsure of joins nothing silently: its worker sees it first.
  if (d.kind != RouteDecision::Kind::kTicket || !d.grid || d.confirm) return false;
  // The window is read from the message's arrival, not the clock, so that planning it again
  // after a crash finds the same tickets.
  TicketFilter f;
  f.grid = d.grid->id;
  f.category = sm.classification.category;  // a duplicate has the same intent, so the same category
  f.open_only = true;
  f.since = sm.received_at - options.window_hours * kMicrosPerHour;
  f.limit = 200;
  auto open = store_->ListTickets(f);
  if (!open.ok()) return open.status();
  const auto match = FindDuplicate(options, sm, d.grid->id, *open, sm.received_at);
  if (!match) return false;
  // The candidates were read in this pass, so the ticket is as committed, unless an earlier
  // attach of this pass changed it.
  auto it = attached_.try_emplace(match->ticket->id, Attached{TicketState{*match->ticket, {}, {}}, {}}).first;
  Attached& attached = it->second;
  const std::pair<std::string, std::string> sender{sm.message.channel, sm.message.sender_id};
  auto before = store_->ReportedBy(attached.state.ticket.id, sender.first, sender.second);
  if (!before.ok()) return before.status();
  ActionContext context;
  context.report = &sm;
  context.rule = match->likeness.why;
  context.reported_before = *before || attached.reporters.count(sender) > 0;
  ActionArgs args;
  args.target = std::to_string(sm.id);
  auto plan = PlanAction(rt, SystemActor(), attached.state, Action::kAttach, args, clock_->NowMicros(), context);
  if (!plan.ok()) return false;  // the ticket cannot take it after all: it opens its own
  // The ticket as this change set leaves it once applied (Apply bumps the version by one).
  attached.state.ticket = plan->ticket;
  attached.state.ticket.version = plan->change.ticket_updates.front().expected_version + 1;
  attached.reporters.insert(sender);
  *change = std::move(plan->change);
  for (OutboxEntry& e : change->outbox) e.message_id = sm.id;
  return true;
}

StatusOr<bool> WorkflowHandler::PlanCommand(const Runtime& rt, const StoredMessage& sm, ChangeSet* change) {
  const OrgIndex& org = rt.router->org();
  const StaffMember* staff = org.StaffForAccount(sm.message.channel, sm.message.sender_id);
  if (!staff) return false;
  const ParseResult parsed = ParseChatCommand(sm.message.text);
  if (parsed.kind == ParseResult::Kind::kNotCommand) return false;

  MessageUpdate update{sm.id, MessageState::kReceived, MessageState::kProcessed, "", 0};
  auto finish = [&](std::string answer, std::string note) {
    update.note = std::move(note);
    change->messages.push_back(update);
    change->outbox.push_back(Answer(rt, sm, std::move(answer)));
    return true;
  };
  if (parsed.kind == ParseResult::Kind::kMalformed) return finish(parsed.usage, "command: usage");

  const Command& cmd = parsed.command;
  const Actor actor = ActorForStaff(org, *staff);
  const bool private_chat = sm.message.chat_type != ChatType::kGroup;
  switch (cmd.spec->kind) {
    case CommandKind::kHelp:
      return finish(HelpText(), "command: help");
    case CommandKind::kMine: {
      TicketFilter f;
      f.assignee = staff->id;
      f.open_only = true;
      f.limit = kMineLimit;
      auto mine = store_->ListTickets(f);
      if (!mine.ok()) return mine.status();
      if (mine->empty()) return finish("您名下没有待办工单。", "command: mine");
      std::string text = "您名下的待办工单（" + std::to_string(mine->size()) + (mine->size() == kMineLimit ? "+" : "") + "）：";
      for (const Ticket& t : *mine) text += "\n" + Summary(rt, t, private_chat);
      return finish(text, "command: mine");
    }
    case CommandKind::kFalseAlarm: {
      // 误报 N 说明: the warning ticket N's message caused (the first not marked yet).
      const int64_t id = cmd.ticket.value_or(0);
      auto ticket = store_->GetTicket(id);
      if (!ticket.ok()) return ticket.status();
      if (!ticket->has_value() || !InScope(actor, **ticket))
        return finish("没有工单" + TicketNumber(id) + "，或不在您的管辖范围。", "command: no such ticket in scope");
      WarningFilter f;
      f.ticket_id = id;
      auto warnings = store_->ListWarnings(f);
      if (!warnings.ok()) return warnings.status();
      if (warnings->empty()) return finish("工单" + TicketNumber(id) + "没有发出反诈提醒。", "command: no warning");
      const Warning* w = &warnings->front();
      for (const Warning& each : *warnings)
        if (each.false_alarm_at == 0) w = &each;
      auto plan = PlanFalseAlarm(actor, *w, **ticket, cmd.note);
      update.ticket_id = id;
      if (!plan.ok()) return finish(plan.status().message(), "command refused: false_alarm");
      change->false_alarms = std::move(plan->false_alarms);
      change->events = std::move(plan->events);
      return finish("已将工单" + TicketNumber(id) + "的反诈提醒标记为误报，谢谢指正。", "command: false_alarm");
    }
    case CommandKind::kQuery:
    case CommandKind::kAction:
      break;
  }
  const int64_t id = cmd.ticket.value_or(0);
  auto read = ReadTicketState(store_, id);
  if (!read.ok()) return read.status();
  if (!read->has_value() || !InScope(actor, (*read)->ticket))
    return finish("没有工单" + TicketNumber(id) + "，或不在您的管辖范围。", "command: no such ticket in scope");
  const Ticket& ticket = (*read)->ticket;
  update.ticket_id = ticket.id;
  if (cmd.spec->kind == CommandKind::kQuery) return finish(Summary(rt, ticket, private_chat), "command: query");

  const Action action = *cmd.spec->action;
  auto context = ReadActionContext(store_, actor, action, cmd.Args());
  if (!context.ok()) {
    if (context.status().code() != StatusCode::kNotFound) return context.status();
    return finish("没有工单#" + cmd.Args().target + "，或不在您的管辖范围。", "command: no such ticket in scope");
  }
  auto plan = PlanAction(rt, actor, **read, action, cmd.Args(), clock_->NowMicros(), *context);
  if (!plan.ok()) {
    // Nothing changes; the refusal is recorded on the ticket and answered.
    ChangeSet refusal = RefusalEvent(actor, ticket, action, plan.status());
    change->events.insert(change->events.end(), refusal.events.begin(), refusal.events.end());
    return finish(plan.status().message(), "command refused: " + std::string(Name(action)));
  }
  ChangeSet& c = plan->change;
  for (OutboxEntry& e : c.outbox) e.message_id = sm.id;
  // Everything the action writes (corrections included); finish adds the command's own message.
  *change = std::move(c);
  return finish(plan->answer, "command: " + std::string(Name(action)));
}

StatusOr<bool> WorkflowHandler::PlanSatisfaction(const Runtime& rt, const StoredMessage& sm, ChangeSet* change) {
  const std::optional<Action> answer = SatisfactionAnswer(sm.message.text);
  if (!answer) return false;
  TicketFilter f;
  f.status = TicketStatus::kResolved;
  f.channel = sm.message.channel;
  f.sender = sm.message.sender_id;
  f.limit = 10;
  auto waiting = store_->ListTickets(f);
  if (!waiting.ok()) return waiting.status();
  // The newest resolved ticket she opened or reported in this group's grid (a duplicate's
  // reporter may have written in another of its groups); a private answer may be about any.
  const Ticket* ticket = nullptr;
  const Grid* grid = rt.router->GridFor(sm.message.channel, sm.message.group_id);
  for (const Ticket& t : *waiting) {
    if (sm.message.chat_type != ChatType::kGroup || t.group_id == sm.message.group_id ||
        (grid && t.grid_id == grid->id)) {
      ticket = &t;
      break;
    }
  }
  if (!ticket) return false;
  auto state = ReadTicketState(store_, ticket->id);
  if (!state.ok()) return state.status();
  if (!state->has_value()) return false;
  auto plan = PlanAction(rt, SystemActor(), **state, *answer, {}, clock_->NowMicros());
  if (!plan.ok()) return false;  // not waiting for an answer after all: an ordinary message
  *change = std::move(plan->change);
  for (OutboxEntry& e : change->outbox) e.message_id = sm.id;
  change->events.back().detail["message_id"] = sm.id;
  change->messages.push_back(
      {sm.id, MessageState::kReceived, MessageState::kProcessed, "satisfaction answer", ticket->id});
  return true;
}

}  // namespace gridrelay::workflow
