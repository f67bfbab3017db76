#include "gateway/workflow/ticket_actions.h"

#include <algorithm>
#include <set>

#include "gateway/core/time_units.h"
#include "gateway/route/replies.h"
#include "gateway/route/reply_budget.h"
#include "gateway/route/router.h"
#include "gateway/workflow/chat_command.h"

namespace gridrelay::workflow {
namespace {


// Legal matters and domestic violence never go public: their progress is told privately, or
// not at all where the platform cannot message one person.
bool IsSensitive(const Ticket& t) { return t.category == "legal_aid" || t.intent == "legal_aid.domestic_violence"; }

std::string Label(const std::map<std::string, std::string>& labels, const std::string& key) {
  auto it = labels.find(key);
  return it == labels.end() ? key : it->second;
}

}  // namespace

const StaffMember* SupervisorOf(const OrgIndex& org, const Ticket& t) {
  const Routing& r = org.routing();
  std::string duty;
  const int rank = LevelRank(t.level);
  const OrgUnit* community = org.FindCommunity(t.community_id);
  const OrgUnit* street = org.FindStreet(t.street_id.empty() && community ? community->parent : t.street_id);
  if (rank <= 0 && community) duty = community->duty;
  if (duty.empty() && rank <= 1 && street) duty = street->duty;
  if (duty.empty()) duty = r.district.duty;
  return org.FindStaff(duty);
}

namespace {

// Whether `actor` is the grid worker of the ticket's grid.
bool IsGridWorkerOf(const OrgIndex& org, const Actor& actor, const Ticket& t) {
  const Grid* grid = org.FindGrid(t.grid_id);
  return grid && !actor.id.empty() && grid->worker == actor.id;
}

// A ticket or message number typed in chat or given to the API; 0 when it is not one.
int64_t ParseNumber(const std::string& s) {
  if (s.empty() || s.size() > 15) return 0;
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return 0;
    v = v * 10 + (c - '0');
  }
  return v;
}

// Residents affected: the distinct senders of a ticket's messages, always counting the one who
// opened it (her report never leaves it).
int CountReporters(const Ticket& t, const std::vector<const StoredMessage*>& messages) {
  std::set<std::pair<std::string, std::string>> senders = {{t.channel, t.sender_id}};
  for (const StoredMessage* m : messages) senders.insert({m->message.channel, m->message.sender_id});
  return static_cast<int>(senders.size());
}

// The next level up the escalation chain, or the same at the top.
std::string NextLevel(const Config& config, const std::string& level) {
  const auto& chain = config.routing.escalation;
  auto it = std::find(chain.begin(), chain.end(), level);
  if (it == chain.end() || it + 1 == chain.end()) return level;
  return *(it + 1);
}

// 改类's target: 诉求, 法律 or 反诈 (or the category's own name); nullopt for anything else.
std::optional<std::string> ParseCategoryWord(const std::string& word) {
  static const std::pair<std::string_view, std::string_view> kWords[] = {
      {"诉求", "appeal"},     {"法律", "legal_aid"},       {"反诈", "anti_fraud"},
      {"appeal", "appeal"}, {"legal_aid", "legal_aid"}, {"anti_fraud", "anti_fraud"}};
  for (const auto& [w, category] : kWords)
    if (word == w) return std::string(category);
  return std::nullopt;
}

class Planner {
 public:
  Planner(const Runtime& rt, const Actor& actor, const TicketState& state, Action action, const ActionArgs& args,
          int64_t now, const ActionContext& context)
      : rt_(rt),
        org_(rt.router->org()),
        actor_(actor),
        before_(state.ticket),
        history_(state.history),
        messages_(state.messages),
        action_(action),
        args_(args),
        now_(now),
        context_(context) {}

  StatusOr<PlannedAction> Plan() {
    const ActionNeeds needs = Needs(action_);
    const bool system = actor_.id == SystemActor().id;
    if (needs.system && !system)
      return Status::InvalidArgument(std::string(ChineseName(action_)) + "由系统自动完成 (" + std::string(Name(action_)) +
                                     " is done by the gateway itself)");
    // The grid worker was sent to the resident (the visit task): she records how it went.
    const bool contact = action_ == Action::kDissuaded || action_ == Action::kUnreachable;
    if (!system && !(contact && IsGridWorkerOf(org_, actor_, before_))) GR_RETURN_IF_ERROR(MayAct(org_, actor_, before_));
    if (action_ == Action::kSupervise && !system && actor_.role != Role::kSupervisor && actor_.role != Role::kAdmin)
      return Status::PermissionDenied("只有上级可以督办 (only a supervisor can supervise a ticket)");
    if (action_ == Action::kDispatch)
      return Status::FailedPrecondition(std::string(ChineseName(action_)) + "不能通过此入口执行 (" +
                                        std::string(Name(action_)) + " is not available as an action here)");
    GR_RETURN_IF_ERROR(CheckArguments(action_, args_));
    auto transition = CheckTransition(before_.status, action_);
    if (!transition.ok()) return transition.status();
    GR_RETURN_IF_ERROR(CheckVisit());
    GR_RETURN_IF_ERROR(CheckReason());

    after_ = before_;
    after_.status = transition->to;
    if (transition->sets_supervised) after_.supervised = true;
    if (transition->raises_level) after_.level = NextLevel(rt_.config, before_.level);
    if (transition->restarts_clock) {
      after_.resolved_at = 0;
      after_.closed_at = 0;
    }
    if (Needs(action_).reason) after_.reason = args_.reason;
    detail_ = {{"from", Name(before_.status)}, {"to", Name(after_.status)}};
    if (!args_.note.empty()) detail_["note"] = args_.note;
    if (!args_.reason.empty()) detail_["reason"] = args_.reason;
    if (!system) detail_["role"] = Name(actor_.role);

    GR_RETURN_IF_ERROR(Apply());
    GR_RETURN_IF_ERROR(PlanDeadlines());

    PlannedAction out;
    out.change.ticket_updates.push_back({after_, before_.version});
    out.change.events.push_back({0, before_.id, now_, actor_.id, std::string(Name(action_)), detail_});
    if (peer_after_) out.change.ticket_updates.push_back({*peer_after_, context_.peer->ticket.version});
    if (new_ticket_) out.change.new_tickets.push_back(*new_ticket_);
    out.change.corrections = std::move(corrections_);
    out.change.messages = std::move(moves_);
    out.change.events.insert(out.change.events.end(), more_events_.begin(), more_events_.end());
    out.change.outbox = std::move(outbox_);
    out.change.schedule_timers = std::move(timers_);
    out.change.cancel_timers = std::move(cancel_);
    // Its group acknowledgements and progress notes keep to their groups' reply budgets.
    HoldForBudget(rt_.config.reply_budget, now_, &out.change);
    out.ticket = after_;
    out.answer = answer_.empty() ? TicketNumber(before_.id) + " " + std::string(ChineseName(after_.status)) : answer_;
    return out;
  }

 private:
  Status CheckReason() const {
    if (!Needs(action_).reason) return Status::Ok();
    auto codes = rt_.config.loop.reasons.find(std::string(Name(action_)));
    if (codes != rt_.config.loop.reasons.end() && codes->second.count(args_.reason)) return Status::Ok();
    std::string valid;
    if (codes != rt_.config.loop.reasons.end())
      for (const auto& [code, label] : codes->second) valid += (valid.empty() ? "" : "、") + code + "（" + label + "）";
    return Status::InvalidArgument("未知理由「" + args_.reason + "」，可用：" + valid + " (unknown reason code '" +
                                   args_.reason + "')");
  }

  // 上门劝阻: an urgent anti_fraud ticket is resolved or rejected only once the call or visit is
  // recorded; only such a ticket records one.
  Status CheckVisit() const {
    const bool visit = NeedsVisit(before_.category, before_.urgent);
    const bool contact = action_ == Action::kDissuaded || action_ == Action::kUnreachable;
    if (contact && !visit)
      return Status::FailedPrecondition("工单" + TicketNumber(before_.id) + "不是紧急反诈工单，无需记录劝阻结果 (only an "
                                        "urgent anti_fraud ticket records a call or visit)");
    const bool closes = action_ == Action::kResolve || action_ == Action::kReject;
    if (closes && visit && before_.visit_outcome.empty())
      return Status::FailedPrecondition("紧急反诈工单" + TicketNumber(before_.id) + "须先记录劝阻结果：「已劝阻 " +
                                        std::to_string(before_.id) + " 说明」或「未联系上 " + std::to_string(before_.id) +
                                        " 说明」 (an urgent anti_fraud ticket closes only after `dissuaded` or "
                                        "`unreachable` is recorded)");
    return Status::Ok();
  }

  Status Apply() {
    switch (action_) {
      case Action::kAccept:
        // Whoever signs for a team's ticket becomes its owner.
        if (after_.assignee_kind != "staff" || after_.assignee_id != actor_.id) {
          if (const StaffMember* s = org_.FindStaff(actor_.id)) AssignTo(*s);
        }
        if (after_.accepted_at == 0) after_.accepted_at = now_;
        ToResident("accepted");
        answer_ = "已受理工单" + TicketNumber(before_.id) + "。办结后请回复「办结 " + std::to_string(before_.id) + " 说明」。";
        return Status::Ok();
      case Action::kStart:
      case Action::kNote:
        return Status::Ok();
      case Action::kWaitResident:
        ToResident("waiting");
        return Status::Ok();
      case Action::kTransfer:
        return Transfer();
      case Action::kReturn:
        return Bounce(nullptr);
      case Action::kResolve:
        after_.resolved_at = now_;
        Ask();
        answer_ = "工单" + TicketNumber(before_.id) + "已办结，已请居民评价。";
        return Status::Ok();
      case Action::kReject:
        after_.closed_at = now_;
        ToResident("rejected");
        return Status::Ok();
      case Action::kReopen:
        cancel_.push_back(SatisfactionTimerKey(before_.id));
        return Status::Ok();
      case Action::kSupervise:
      case Action::kEscalate:
        Escalate();
        return Status::Ok();
      case Action::kSatisfied:
        after_.satisfaction = "satisfied";
        after_.closed_at = now_;
        cancel_.push_back(SatisfactionTimerKey(before_.id));
        ToResident("thanks");
        return Status::Ok();
      case Action::kUnsatisfied:
        after_.satisfaction = "unsatisfied";
        cancel_.push_back(SatisfactionTimerKey(before_.id));
        ToResident("sorry");
        ToAssignee("unsatisfied");
        if (const StaffMember* s = SupervisorOf(org_, before_)) ToStaff(*s, "unsatisfied");
        return Status::Ok();
      case Action::kNoAnswer:
        after_.satisfaction = "no_answer";
        after_.closed_at = now_;
        return Status::Ok();
      case Action::kAttach:
        return Attach();
      case Action::kMerge:
        return Merge();
      case Action::kSplit:
        return Split();
      case Action::kConfirm:
      case Action::kReclassify:
      case Action::kDismiss:
        return Correct();
      case Action::kDissuaded:
      case Action::kUnreachable:
        after_.visit_outcome = std::string(Name(action_));
        if (after_.first_contact_at == 0) after_.first_contact_at = now_;
        detail_["visit_outcome"] = after_.visit_outcome;
        answer_ = "工单" + TicketNumber(before_.id) + "已记录：" + std::string(ChineseName(action_)) + "。";
        return Status::Ok();
      case Action::kDispatch:
        break;
    }
    return Status::Internal("unhandled action " + std::string(Name(action_)));
  }

  // A duplicate report joins the ticket (duplicates.h decided it is the same problem): the ticket
  // counts one more resident, the reporter hears which ticket now carries her report, and an
  // urgent report still pages the assignee and the duty officer above her, at once.
  Status Attach() {
    const StoredMessage* report = context_.report;
    if (!report || std::to_string(report->id) != args_.target)
      return Status::Internal("attach needs the report it attaches");
    // One more resident unless she has reported it before: counted on, not recounted, so that a
    // burst of one report into one ticket costs the same for the last report as for the first.
    after_.reporters = before_.reporters + (context_.reported_before ? 0 : 1);
    detail_["message_id"] = report->id;
    detail_["reporters"] = after_.reporters;
    if (!context_.rule.empty()) detail_["rule"] = context_.rule;
    moves_.push_back({report->id, MessageState::kReceived, MessageState::kProcessed,
                      "duplicate of " + TicketNumber(before_.id) + ": " + context_.rule, before_.id});
    if (report->classification.urgent) {
      after_.urgent = true;
      detail_["urgent"] = true;
      ToAssignee("urgent_attached");
      const StaffMember* duty = SupervisorOf(org_, before_);
      if (duty && duty->id != after_.assignee_id) ToStaff(*duty, "urgent_attached");
    }
    // Her acknowledgement, where she wrote: the same key a ticket's acknowledgement has, so that
    // a report gets one, whichever way it went.
    const InboundMessage& m = report->message;
    const Adapter* source = rt_.FindAdapter(m.channel);
    OutboxEntry e;
    e.message.channel = m.channel;
    e.message.kind = outbound_kind::kGroupAck;
    if (m.chat_type == ChatType::kGroup) {
      e.message.audience = Audience::kGroup;
      e.message.group_id = m.group_id;
      if (!m.sender_id.empty()) e.message.mention_user_ids.push_back(m.sender_id);
    } else {
      e.message.audience = Audience::kUser;
      e.message.user_id = m.sender_id;
    }
    e.message.reply_context = m.reply_context;
    e.message.text = Render("merged_ack");
    e.message.idempotency_key = "m" + std::to_string(report->id) + ":" + outbound_kind::kGroupAck;
    e.priority = report->classification.urgent ? priority::kUrgent : priority::kResident;
    e.message_id = report->id;
    e.ticket_id = before_.id;
    if (source) e.rate_key = RateKey(*source, e.message);
    outbox_.push_back(std::move(e));
    return Status::Ok();
  }

  // 合并 N M: N folds into M, which must be open and the actor's too. N's reports move to M (a
  // message is always linked to exactly one ticket), M counts their residents, and N's
  // residents hear where their reports went.
  Status Merge() {
    if (!context_.peer || std::to_string(context_.peer->ticket.id) != args_.target)
      return Status::InvalidArgument("合并目标「" + args_.target + "」不是工单号 (merge target '" + args_.target +
                                     "' is not a ticket number)");
    const Ticket& into = context_.peer->ticket;
    if (into.id == before_.id)
      return Status::InvalidArgument("不能把工单合并到自身 (cannot merge a ticket into itself)");
    if (!CheckTransition(into.status, Action::kAttach).ok())
      return Status::FailedPrecondition("工单" + TicketNumber(into.id) + std::string(ChineseName(into.status)) +
                                        "，不能并入 (cannot merge into a ticket that is " + std::string(Name(into.status)) +
                                        ")");
    if (actor_.id != SystemActor().id) GR_RETURN_IF_ERROR(MayAct(org_, actor_, into));
    after_.merged_into = into.id;
    Ticket peer = into;
    std::vector<const StoredMessage*> all;
    for (const StoredMessage& m : context_.peer->messages) all.push_back(&m);
    for (const StoredMessage* m : Linked()) {
      all.push_back(m);
      moves_.push_back({m->id, m->state, m->state, "merged into " + TicketNumber(into.id), into.id});
    }
    peer.reporters = CountReporters(into, all);
    peer.urgent = into.urgent || before_.urgent;
    detail_["into"] = into.id;
    more_events_.push_back({0, into.id, now_, actor_.id, "absorbed",
                            {{"from", before_.id}, {"messages", moves_.size()}, {"reporters", peer.reporters}}});
    extra_vars_["target"] = TicketNumber(into.id);
    ToResident("merged");
    cancel_.push_back(SatisfactionTimerKey(before_.id));
    answer_ = "工单" + TicketNumber(before_.id) + "已合并到" + TicketNumber(into.id) + "，共" +
              std::to_string(peer.reporters) + "位居民反映。";
    peer_after_ = std::move(peer);
    return Status::Ok();
  }

  // 拆分 N 消息号: a report that is not the same problem after all leaves N for a ticket of its
  // own, dispatched to N's assignee at the grid level with fresh deadlines. The report that
  // opened N stays: it is what N is about.
  Status Split() {
    const int64_t message_id = ParseNumber(args_.target);
    const StoredMessage* report = nullptr;
    for (const StoredMessage* m : Linked())
      if (m->id == message_id) report = m;
    if (!report)
      return Status::InvalidArgument("消息" + args_.target + "不属于工单" + TicketNumber(before_.id) + " (message " +
                                     args_.target + " is not one of ticket " + std::to_string(before_.id) + "'s)");
    if (report->id == before_.message_id)
      return Status::FailedPrecondition("消息" + args_.target + "是工单" + TicketNumber(before_.id) +
                                        "的首条反映，不能拆出 (the message that opened a ticket cannot be split off)");
    std::vector<const StoredMessage*> rest;
    for (const StoredMessage* m : Linked())
      if (m->id != report->id) rest.push_back(m);
    after_.reporters = CountReporters(before_, rest);
    if (context_.peer) return SplitBack(*report);
    if (context_.new_ticket_id <= 0) return Status::Internal("split needs a reserved ticket id");

    const InboundMessage& m = report->message;
    const Classification& c = report->classification;
    Ticket t;
    t.id = context_.new_ticket_id;
    t.message_id = report->id;
    t.channel = m.channel;
    t.group_id = m.group_id;
    t.grid_id = before_.grid_id;
    t.community_id = before_.community_id;
    t.street_id = before_.street_id;
    t.sender_id = m.sender_id;
    t.sender_name = m.sender_name;
    t.category = c.category == "none" ? before_.category : c.category;
    t.intent = c.category == "none" ? before_.intent : c.intent;
    t.urgent = c.urgent;
    t.status = TicketStatus::kDispatched;
    t.level = rt_.config.routing.escalation.empty() ? "grid" : rt_.config.routing.escalation.front();
    t.assignee_kind = before_.assignee_kind;
    t.assignee_id = before_.assignee_id;
    t.assignee_name = before_.assignee_name;
    t.team_id = before_.team_id;
    t.text = m.text;
    t.entities = c.entities;
    t.created_at = now_;
    const StatusChange dispatched{now_ / kMicrosPerSecond, TicketStatus::kDispatched, std::nullopt};
    auto clocks = PlanClocks(*rt_.calendar, *rt_.deadlines, &t, std::span(&dispatched, 1), now_);
    if (clocks.ok()) timers_.insert(timers_.end(), clocks->schedule.begin(), clocks->schedule.end());
    moves_.push_back({report->id, report->state, report->state, "split from " + TicketNumber(before_.id), t.id});
    detail_["message_id"] = report->id;
    detail_["ticket"] = t.id;
    more_events_.push_back({0, t.id, now_, actor_.id, "created",
                            {{"message_id", report->id}, {"intent", t.intent}, {"split_from", before_.id}}});
    more_events_.push_back({0, t.id, now_, actor_.id, "dispatched",
                            {{"level", t.level}, {"assignee_kind", t.assignee_kind}, {"assignee_id", t.assignee_id},
                             {"rule", "split from " + TicketNumber(before_.id)}}});
    extra_vars_["ticket"] = TicketNumber(t.id);
    extra_vars_["number"] = std::to_string(t.id);
    ToReporters("split", Render("split"), {report}, t.id);
    extra_vars_.clear();
    answer_ = "已将消息" + std::to_string(report->id) + "拆分为工单" + TicketNumber(t.id) + "，由" + t.assignee_name + "办理。";
    new_ticket_ = std::move(t);
    return Status::Ok();
  }

  // A report that opened a ticket of its own, which was then merged here, goes back to that
  // ticket (a message opens at most one ticket): it returns to the status it had before the
  // merge, with its residents counted again and its deadline clocks read again from its history.
  Status SplitBack(const StoredMessage& report) {
    const TicketState& own = *context_.peer;
    if (own.ticket.message_id != report.id) return Status::Internal("split back needs the report's own ticket");
    if (own.ticket.status != TicketStatus::kMerged)
      return Status::FailedPrecondition("消息" + args_.target + "的原工单" + TicketNumber(own.ticket.id) +
                                        std::string(ChineseName(own.ticket.status)) + "，不能拆回 (the report's own ticket " +
                                        std::to_string(own.ticket.id) + " is " + std::string(Name(own.ticket.status)) +
                                        ", not merged)");
    Ticket t = own.ticket;
    t.status = TicketStatus::kDispatched;
    for (const StatusChange& h : own.history)
      if (h.status != TicketStatus::kMerged) t.status = h.status;
    t.merged_into = 0;
    t.reporters = CountReporters(t, {&report});
    std::vector<StatusChange> history = own.history;
    history.push_back({std::max(now_ / kMicrosPerSecond, history.empty() ? int64_t{0} : history.back().at), t.status, std::nullopt});
    auto clocks = PlanClocks(*rt_.calendar, *rt_.deadlines, &t, history, now_);
    if (!clocks.ok()) return clocks.status();
    timers_.insert(timers_.end(), clocks->schedule.begin(), clocks->schedule.end());
    cancel_.insert(cancel_.end(), clocks->cancel.begin(), clocks->cancel.end());
    moves_.push_back({report.id, report.state, report.state, "split back to " + TicketNumber(t.id), t.id});
    detail_["message_id"] = report.id;
    detail_["ticket"] = t.id;
    more_events_.push_back({0, t.id, now_, actor_.id, "restored",
                            {{"from", Name(TicketStatus::kMerged)}, {"to", Name(t.status)}, {"message_id", report.id},
                             {"split_from", before_.id}}});
    extra_vars_["ticket"] = TicketNumber(t.id);
    extra_vars_["number"] = std::to_string(t.id);
    extra_vars_["assignee"] = t.assignee_name;
    ToReporters("split", Render("split"), {&report}, t.id);
    extra_vars_.clear();
    answer_ = "已将消息" + std::to_string(report.id) + "拆回其原工单" + TicketNumber(t.id) + "（" +
              std::string(ChineseName(t.status)) + "），由" + t.assignee_name + "办理。";
    peer_after_ = std::move(t);
    return Status::Ok();
  }

  // 确认, 改类 and 忽略: a person's verdict on the classification, kept as a correction (the
  // labelled data `gridrelay corrections export` writes) in the same change set. A 待确认 item
  // that becomes a ticket goes where a ticket of its category goes, its resident hears it is
  // registered, and its digest timer is dropped; a dismissed one is rejected, nobody told.
  Status Correct() {
    const StoredMessage* opener = Opener();
    Correction k;
    k.message_id = before_.message_id;
    k.ticket_id = before_.id;
    k.kind = std::string(Name(action_));
    k.actor = actor_.id;
    // What the engine said: the opening message's classification (a ticket's category may have
    // been corrected before).
    k.guess_category = opener ? opener->classification.category : before_.category;
    k.guess_intent = opener ? opener->classification.intent : before_.intent;
    k.at = now_;
    if (action_ == Action::kReclassify) {
      const std::optional<std::string> category = ParseCategoryWord(args_.target);
      if (!category)
        return Status::InvalidArgument("未知分类「" + args_.target + "」，可用：诉求、法律、反诈 (unknown category '" +
                                       args_.target + "': appeal, legal_aid or anti_fraud)");
      after_.category = *category;
      // The same category keeps its intent; another one starts at its `other`, which the
      // correction records as what people meant.
      if (*category != before_.category) after_.intent = *category + ".other";
      detail_["category"] = after_.category;
      detail_["intent"] = after_.intent;
    }
    const bool dismissed = action_ == Action::kDismiss;
    k.category = dismissed ? "none" : after_.category;
    k.intent = dismissed ? "none" : after_.intent;
    corrections_.push_back(std::move(k));
    const std::string n = TicketNumber(before_.id);
    if (dismissed) {
      after_.reason = "dismissed";
      after_.closed_at = now_;
      answer_ = "已忽略" + n + "，不立案。";
    } else if (before_.status == TicketStatus::kUnconfirmed) {
      RouteConfirmed(opener);
      ToResident("confirmed");
      answer_ = "已立案工单" + n + "（" + IntentLabel(rt_.config.templates, after_.intent) + "），由" +
                after_.assignee_name + "办理，请回复「接单 " + std::to_string(before_.id) + "」受理。";
    } else {
      answer_ = "工单" + n + "已改为" + IntentLabel(rt_.config.templates, after_.intent) + "。";
    }
    if (before_.status == TicketStatus::kUnconfirmed) cancel_.push_back(ConfirmTimerKey(before_.id));
    return Status::Ok();
  }

  // A confirmed item is routed as if the engine had been sure of its (corrected) category: a
  // category that goes to a team (a legal matter) goes to that team, which hears it; one that
  // goes to the grid stays with the worker who confirmed it.
  void RouteConfirmed(const StoredMessage* opener) {
    if (!opener) return;
    StoredMessage labelled = *opener;
    labelled.classification.category = after_.category;
    labelled.classification.intent = after_.intent;
    labelled.classification.decision = "act";
    const RouteDecision d = rt_.router->Route(labelled);
    detail_["rule"] = d.rule;
    if (d.kind != RouteDecision::Kind::kTicket || !d.team) return;
    after_.assignee_kind = "team";
    after_.assignee_id = d.team->id;
    after_.assignee_name = d.team->name;
    after_.team_id = d.team->id;
    detail_["assignee"] = d.team->id;
    extra_vars_["reason"] = "待确认消息确认立案";
    Notify(d.team->notify, "assigned", d.team->id);
    extra_vars_.clear();
  }

  // The message that opened the ticket, when it is on record.
  const StoredMessage* Opener() const {
    for (const StoredMessage& m : messages_)
      if (m.id == before_.message_id) return &m;
    return nullptr;
  }

  // The ticket's messages; its own sender alone when none are on record.
  std::vector<const StoredMessage*> Linked() const {
    std::vector<const StoredMessage*> out;
    for (const StoredMessage& m : messages_) out.push_back(&m);
    return out;
  }

  // 督办 by hand, or a lapsed deadline: the ticket climbs one level (grid → community → street →
  // district). The duty officer of that level now answers for it and hears so; the assignee keeps
  // the work and is urged. Above the district there is nowhere to go: the district hears again,
  // and the event says so, so that nothing is dropped.
  void Escalate() {
    detail_["level"] = after_.level;
    if (after_.level == before_.level) detail_["beyond_top"] = true;
    if (args_.lapsed) detail_["deadline"] = std::string(Name(*args_.lapsed));
    const StaffMember* owner = SupervisorOf(org_, before_);
    if (owner) ToStaff(*owner, "escalated");
    if (!owner || owner->id != after_.assignee_id) ToAssignee("supervised");
  }

  // A status change (or a lapsed deadline restarting) moves the deadline clocks: the history
  // with this change is read again, and the timers follow.
  Status PlanDeadlines() {
    if (after_.status == before_.status && !args_.lapsed) return Status::Ok();
    std::vector<StatusChange> history = history_;
    // A clock that stepped back must not put the history out of order.
    const int64_t at = std::max(now_ / kMicrosPerSecond, history.empty() ? int64_t{0} : history.back().at);
    history.push_back({at, after_.status, action_ == Action::kEscalate ? args_.lapsed : std::nullopt});
    auto clocks = PlanClocks(*rt_.calendar, *rt_.deadlines, &after_, history, now_);
    if (!clocks.ok()) return clocks.status();
    timers_.insert(timers_.end(), clocks->schedule.begin(), clocks->schedule.end());
    cancel_.insert(cancel_.end(), clocks->cancel.begin(), clocks->cancel.end());
    return Status::Ok();
  }

  // 转办: to a staff member or a team by id.
  Status Transfer() {
    const StaffMember* staff = org_.FindStaff(args_.target);
    const Team* team = staff ? nullptr : org_.FindTeam(args_.target);
    if (!staff && !team)
      return Status::InvalidArgument("转办目标「" + args_.target + "」不存在，请填写人员或队伍编号 (unknown transfer target '" +
                                     args_.target + "': give a staff or team id)");
    if (staff && staff->id == before_.assignee_id)
      return Status::InvalidArgument("工单已在" + staff->name + "名下 (the ticket is already " + staff->id + "'s)");
    return Bounce(staff ? staff : nullptr, team);
  }

  // Transfer and return both move the ticket and count a bounce; past the limit the
  // supervisor of its level decides instead, which ends the back-and-forth.
  Status Bounce(const StaffMember* staff, const Team* team = nullptr) {
    after_.bounces = before_.bounces + 1;
    const bool over = after_.bounces > rt_.config.loop.max_bounces;
    if (over || (!staff && !team)) {
      const StaffMember* boss = SupervisorOf(org_, before_);
      if (!boss) return Status::FailedPrecondition("找不到上级，无法退回 (no supervisor is configured for this ticket)");
      AssignTo(*boss);
      if (over) after_.supervised = true;
      detail_["rule"] = over ? "max_bounces" : "return to supervisor";
      ToStaff(*boss, over ? "bounced" : "assigned");
    } else if (staff) {
      AssignTo(*staff);
      detail_["rule"] = "transfer";
      ToStaff(*staff, "assigned");
    } else {
      after_.assignee_kind = "team";
      after_.assignee_id = team->id;
      after_.assignee_name = team->name;
      after_.team_id = team->id;
      detail_["rule"] = "transfer";
      Notify(team->notify, "assigned", team->id);
    }
    detail_["assignee"] = after_.assignee_id;
    answer_ = "工单" + TicketNumber(before_.id) + "已转给" + after_.assignee_name + "。";
    return Status::Ok();
  }

  void AssignTo(const StaffMember& s) {
    after_.assignee_kind = "staff";
    after_.assignee_id = s.id;
    after_.assignee_name = s.name;
  }

  std::map<std::string, std::string> Vars(const std::string& reason_label) const {
    const Grid* grid = org_.FindGrid(before_.grid_id);
    return {{"ticket", TicketNumber(before_.id)},
            {"number", std::to_string(before_.id)},
            {"assignee", after_.assignee_name},
            {"note", args_.note},
            {"reason", reason_label},
            {"actor", actor_.name.empty() ? actor_.id : actor_.name},
            {"bounces", std::to_string(after_.bounces)},
            {"grid", grid ? (grid->name.empty() ? grid->id : grid->name) : before_.grid_id},
            {"intent_label", IntentLabel(rt_.config.templates, after_.intent)},
            {"level", std::string(LevelLabel(after_.level))},
            {"deadline", !args_.lapsed ? (actor_.id == SystemActor().id ? "紧急反诈，立即升级" : "上级督办") : *args_.lapsed == DeadlineKind::kResponse ? "响应超时" : "办理超时"},
            {"reporters", std::to_string(after_.reporters)}};
  }

  std::string Render(const std::string& key) const {
    std::string reason_label;
    auto codes = rt_.config.loop.reasons.find(std::string(Name(action_)));
    if (codes != rt_.config.loop.reasons.end()) reason_label = Label(codes->second, args_.reason);
    std::map<std::string, std::string> vars = Vars(reason_label);
    for (const auto& [k, v] : extra_vars_) vars[k] = v;
    return RenderTemplate(rt_.config.templates.loop.at(key), vars);
  }

  std::string Key(const std::string& kind, const std::string& to) const {
    return "t" + std::to_string(before_.id) + "v" + std::to_string(before_.version) + ":" + kind + ":" + to;
  }

  // A note to every resident who reported the ticket (issue #11: the duplicates' reporters
  // hear its progress too).
  void ToResident(const std::string& key, std::string text = {}) {
    if (text.empty()) text = Render(key);
    ToReporters(key, std::move(text), Linked(), before_.id);
  }

  // A note to `reports`' senders about ticket `ticket_id`: in their group, one message that
  // @-mentions each of them there, or privately when the matter is sensitive (and then only
  // where the platform can). With no reports on record, to the ticket's own sender.
  void ToReporters(const std::string& key, std::string text, const std::vector<const StoredMessage*>& reports,
                   int64_t ticket_id) {
    struct Chat {
      std::string channel, group_id;  // group_id: "" for a private note
      std::string origin_group;       // where a private note's resident wrote (adapters may need it)
      std::vector<std::string> senders;
    };
    // Private when it is sensitive before or after the action (改类 to 法律 included); a 待确认
    // item's category was only the engine's guess, and the person's verdict decides.
    const bool private_only =
        IsSensitive(after_) || (IsSensitive(before_) && before_.status != TicketStatus::kUnconfirmed);
    std::vector<Chat> chats;
    auto add = [&](const std::string& channel, const std::string& group, ChatType type, const std::string& sender) {
      if (sender.empty()) return;
      const bool in_group = type == ChatType::kGroup && !group.empty() && !private_only;
      for (Chat& c : chats) {
        if (in_group && c.channel == channel && c.group_id == group) {
          if (std::find(c.senders.begin(), c.senders.end(), sender) == c.senders.end()) c.senders.push_back(sender);
          return;
        }
        if (!in_group && c.group_id.empty() && c.channel == channel && c.senders.front() == sender) return;
      }
      chats.push_back({channel, in_group ? group : "", group, {sender}});
    };
    if (reports.empty()) add(before_.channel, before_.group_id, ChatType::kGroup, before_.sender_id);
    for (const StoredMessage* m : reports)
      add(m->message.channel, m->message.group_id, m->message.chat_type, m->message.sender_id);
    for (size_t i = 0; i < chats.size(); ++i) {
      const Chat& c = chats[i];
      const Adapter* source = rt_.FindAdapter(c.channel);
      if (!source) continue;
      if (c.group_id.empty() && !source->CanReplyPrivately() && private_only) continue;
      OutboxEntry e;
      e.message.channel = c.channel;
      e.message.kind = outbound_kind::kProgress;
      e.message.text = text;
      if (!c.group_id.empty()) {
        e.message.audience = Audience::kGroup;
        e.message.group_id = c.group_id;
        e.message.mention_user_ids = c.senders;
      } else {
        e.message.audience = Audience::kUser;
        e.message.user_id = c.senders.front();
        e.message.group_id = c.origin_group;
      }
      // The first chat keeps the key a single reporter's note always had.
      std::string to = c.senders.front() + (i == 0 ? "" : "@" + c.channel + "/" + c.group_id);
      e.message.idempotency_key = "t" + std::to_string(ticket_id) + "v" + std::to_string(VersionOf(ticket_id)) + ":" +
                                  key + ":" + to;
      e.priority = priority::kResident;
      e.ticket_id = ticket_id;
      e.rate_key = RateKey(*source, e.message);
      outbox_.push_back(std::move(e));
    }
  }

  // The version a ticket of this action has before it (0 for one it opens), for keys.
  int64_t VersionOf(int64_t ticket_id) const {
    if (ticket_id == before_.id) return before_.version;
    if (context_.peer && context_.peer->ticket.id == ticket_id) return context_.peer->ticket.version;
    return 0;
  }

  // 办结: the resident hears it is done and is asked; silence past the configured time
  // closes the ticket as no_answer.
  void Ask() {
    const Adapter* source = rt_.FindAdapter(before_.channel);
    const bool mention_only = source && source->SeesOnlyMentions() && !before_.group_id.empty() && !IsSensitive(before_);
    ToResident("resolved", Render("resolved") + "\n" + Render(mention_only ? "satisfaction_mention" : "satisfaction"));
    Timer t;
    t.key = SatisfactionTimerKey(before_.id);
    t.kind = kSatisfactionTimer;
    t.ticket_id = before_.id;
    t.due_at = now_ + rt_.config.loop.satisfaction_wait_hours * kMicrosPerHour;
    timers_.push_back(std::move(t));
  }

  void Notify(const NotifyTarget& target, const std::string& key, const std::string& to_id) {
    if (target.channel.empty()) return;
    OutboxEntry e = Notification(target, outbound_kind::kStaffNotify,
                                 before_.urgent || after_.urgent ? priority::kUrgent : priority::kStaff, Render(key),
                                 Key(key, to_id));
    e.ticket_id = before_.id;
    if (const Adapter* a = rt_.FindAdapter(target.channel)) e.rate_key = RateKey(*a, e.message);
    outbox_.push_back(std::move(e));
  }

  void ToStaff(const StaffMember& s, const std::string& key) { Notify(s.notify, key, s.id); }

  void ToAssignee(const std::string& key) {
    if (after_.assignee_kind == "team") {
      if (const Team* t = org_.FindTeam(after_.assignee_id)) Notify(t->notify, key, t->id);
    } else if (const StaffMember* s = org_.FindStaff(after_.assignee_id)) {
      ToStaff(*s, key);
    }
  }

  const Runtime& rt_;
  const OrgIndex& org_;
  const Actor& actor_;
  const Ticket& before_;
  const std::vector<StatusChange>& history_;
  const std::vector<StoredMessage>& messages_;
  const Action action_;
  const ActionArgs& args_;
  const int64_t now_;
  const ActionContext& context_;
  Ticket after_;
  std::optional<Ticket> peer_after_;   // merge: the ticket it folds into, as it will be
  std::optional<Ticket> new_ticket_;   // split: the report's own ticket
  std::vector<MessageUpdate> moves_;   // messages that join or leave a ticket
  std::vector<TicketEvent> more_events_;  // events on the other ticket (merge, split)
  std::map<std::string, std::string> extra_vars_;
  std::vector<Correction> corrections_;
  nlohmann::json detail_;
  std::vector<OutboxEntry> outbox_;
  std::vector<Timer> timers_;
  std::vector<std::string> cancel_;
  std::string answer_;
};

}  // namespace

std::string SatisfactionTimerKey(int64_t ticket_id) { return "t" + std::to_string(ticket_id) + ":satisfaction"; }

Actor SystemActor() {
  Actor a;
  a.id = "system";
  a.name = "系统";
  a.role = Role::kAdmin;
  return a;
}

StatusOr<std::optional<TicketState>> ReadTicketState(TicketStore* store, int64_t ticket_id) {
  auto ticket = store->GetTicket(ticket_id);
  if (!ticket.ok()) return ticket.status();
  if (!ticket->has_value()) return std::optional<TicketState>();
  auto events = store->TicketEvents(ticket_id);
  if (!events.ok()) return events.status();
  auto messages = store->TicketMessages(ticket_id);
  if (!messages.ok()) return messages.status();
  return std::optional<TicketState>(TicketState{std::move(**ticket), StatusHistory(*events), std::move(*messages)});
}

StatusOr<ActionContext> ReadActionContext(TicketStore* store, const Actor& actor, Action action,
                                          const ActionArgs& args) {
  ActionContext ctx;
  if (action == Action::kMerge) {
    const int64_t id = ParseNumber(args.target);
    if (id == 0) return ctx;  // PlanAction says what is wrong with the target
    auto peer = ReadTicketState(store, id);
    if (!peer.ok()) return peer.status();
    if (!peer->has_value() || !InScope(actor, (*peer)->ticket))
      return Status::NotFound("没有工单" + TicketNumber(id) + " (no ticket " + std::to_string(id) + ")");
    ctx.peer = std::move(**peer);
  } else if (action == Action::kSplit) {
    // A report that opened a ticket of its own (merged here since) goes back to that ticket.
    if (const int64_t message_id = ParseNumber(args.target); message_id != 0) {
      TicketFilter f;
      f.message_id = message_id;
      f.limit = 1;
      auto own = store->ListTickets(f);
      if (!own.ok()) return own.status();
      if (!own->empty()) {
        auto peer = ReadTicketState(store, own->front().id);
        if (!peer.ok()) return peer.status();
        if (peer->has_value()) {
          ctx.peer = std::move(**peer);
          return ctx;
        }
      }
    }
    auto id = store->ReserveTicketIds(1);
    if (!id.ok()) return id.status();
    ctx.new_ticket_id = *id;
  }
  return ctx;
}

StatusOr<PlannedAction> PlanAction(const Runtime& rt, const Actor& actor, const TicketState& state, Action action,
                                   const ActionArgs& args, int64_t now, const ActionContext& context) {
  return Planner(rt, actor, state, action, args, now, context).Plan();
}

ChangeSet RefusalEvent(const Actor& actor, const Ticket& ticket, Action action, const Status& why) {
  ChangeSet c;
  c.events.push_back({0, ticket.id, 0, actor.id, "refused",
                      {{"action", Name(action)}, {"code", std::string(StatusCodeName(why.code()))},
                       {"why", why.message()}}});
  return c;
}

StatusOr<Ticket> PerformAction(Store* store, const Clock* clock, const Runtime& rt, const Actor& actor,
                               int64_t ticket_id, Action action, const ActionArgs& args) {
  // A lost race is planned again from the fresh ticket; a few rounds settle any real contention.
  for (int attempt = 0; attempt < 5; ++attempt) {
    auto read = ReadTicketState(store, ticket_id);
    if (!read.ok()) return read.status();
    if (!read->has_value() || !InScope(actor, (*read)->ticket))
      return Status::NotFound("没有工单" + TicketNumber(ticket_id) + " (no ticket " + std::to_string(ticket_id) + ")");
    auto context = ReadActionContext(store, actor, action, args);
    if (!context.ok()) return context.status();
    const int64_t now = clock->NowMicros();
    auto plan = PlanAction(rt, actor, **read, action, args, now, *context);
    if (!plan.ok()) {
      Status recorded = store->Apply(RefusalEvent(actor, (*read)->ticket, action, plan.status()), now);
      (void)recorded;  // the refusal is the answer; failing to record it must not hide it
      return plan.status();
    }
    Status s = store->Apply(plan->change, now);
    if (s.code() == StatusCode::kAborted) continue;
    if (!s.ok()) return s;
    plan->ticket.version = (*read)->ticket.version + 1;
    plan->ticket.updated_at = now;
    return plan->ticket;
  }
  return Status::Unavailable("工单正被他人同时修改，请重试 (the ticket kept changing; try again)");
}

std::optional<Action> SatisfactionAnswer(std::string_view text) {
  std::string t = NormaliseCommandText(text);
  // Drop @mentions ("@网格助手 1") and anything but the answer itself.
  std::string kept;
  size_t i = 0;
  while (i < t.size()) {
    if (t[i] == '@') {
      while (i < t.size() && t[i] != ' ') ++i;
      continue;
    }
    kept += t[i++];
  }
  static const char* const kNoise[] = {" ", "。", "，", ",", ".", "！", "!", "~", "～"};
  for (const char* n : kNoise) {
    for (size_t p = kept.find(n); p != std::string::npos; p = kept.find(n)) kept.erase(p, std::string_view(n).size());
  }
  if (kept == "1" || kept == "满意" || kept == "非常满意") return Action::kSatisfied;
  if (kept == "2" || kept == "不满意") return Action::kUnsatisfied;
  return std::nullopt;
}

}  // namespace gridrelay::workflow
