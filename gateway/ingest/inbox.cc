#include "gateway/ingest/inbox.h"

#include <algorithm>

#include "gateway/core/time_units.h"
#include "gateway/workflow/calendar.h"
#include "gateway/workflow/ticket_clock.h"

#include "gateway/route/replies.h"
#include "gateway/route/reply_budget.h"

namespace gridrelay {
namespace {

// "grid-demo-1 → grid-hexie-1 → w-wang, rule: routes.appeal": the group, the grid, the team
// (when one owns it), the assignee, and which routes key chose; then how a member was picked
// and who was copied.
std::string DispatchRule(const InboundMessage& m, const RouteDecision& d) {
  std::string s = m.group_id + " → " + d.grid->id;
  if (d.team && d.team->id != d.assignee_id) s += " → " + d.team->id;
  s += " → " + d.assignee_id + ", rule: " + d.rule;
  if (!d.dispatch_note.empty()) s += "; " + d.dispatch_note;
  for (const auto& copy : d.copies)
    if (copy.urgent) s += "; urgent: copied to " + copy.who;
  return s;
}

}  // namespace

Inbox::Inbox(Store* store, const Clock* clock, Metrics* metrics, RuntimeFn runtime, ProcessingOptions options,
             LogFn log, std::function<void()> on_enqueued, std::vector<MessageHandler*> handlers)
    : store_(store),
      clock_(clock),
      metrics_(metrics),
      runtime_(std::move(runtime)),
      options_(options),
      log_(std::move(log)),
      on_enqueued_(std::move(on_enqueued)),
      handlers_(std::move(handlers)),
      loop_("inbox", clock, 1, [this](int) { return Step(); }) {}

Inbox::~Inbox() { Stop(); }

void Inbox::Start() { loop_.Start(); }
void Inbox::Stop() { loop_.Stop(); }
void Inbox::Wake() { loop_.Wake(); }

int64_t Inbox::Step() {
  auto done = ProcessPending();
  if (!done.ok() && log_) log_("error", "inbox processing failed", {{"error", done.status().ToString()}});
  if (done.ok() && (*done >= options_.batch || deferred_some_)) return 0;  // more may be waiting
  return clock_->NowMicros() + int64_t{options_.poll_ms} * 1000;
}

StatusOr<int> Inbox::ProcessPending() {
  deferred_some_ = false;
  auto pending = store_->PendingMessages(options_.batch);
  if (!pending.ok()) return pending.status();
  if (pending->empty()) return 0;
  std::shared_ptr<const Runtime> rt = runtime_();
  for (MessageHandler* h : handlers_) h->BeginPass();
  // Handlers first; the rest are routed, and the tickets they open get their ids in one
  // reservation, so that replies can name "#N" in the plan itself.
  std::vector<ChangeSet> plans(pending->size());
  std::vector<bool> handled(pending->size(), false);
  std::vector<bool> deferred(pending->size(), false);
  std::vector<RouteDecision> decisions(pending->size());
  int tickets = 0;
  for (size_t i = 0; i < pending->size(); ++i) {
    const StoredMessage& sm = (*pending)[i];
    for (MessageHandler* h : handlers_) {
      auto claimed = h->Plan(*rt, sm, &plans[i]);
      if (!claimed.ok()) return claimed.status();
      if (*claimed) {
        handled[i] = true;
        break;
      }
    }
    if (handled[i]) continue;
    decisions[i] = rt->router->Route(sm);
    if (decisions[i].kind != RouteDecision::Kind::kTicket) continue;
    // A handler that decides from open tickets cannot see one this batch is about to open: a
    // message that may belong to such a ticket waits for the next pass, after the commit.
    for (size_t j = 0; j < i && !deferred[i]; ++j) {
      if (handled[j] || deferred[j] || decisions[j].kind != RouteDecision::Kind::kTicket) continue;
      for (MessageHandler* h : handlers_)
        if (h->WaitsFor(*rt, sm, (*pending)[j])) deferred[i] = true;
    }
    if (!deferred[i]) ++tickets;
  }
  int64_t next_id = 0;
  if (tickets > 0) {
    auto first = store_->ReserveTicketIds(tickets);
    if (!first.ok()) return first.status();
    next_id = *first;
  }
  // The loads of every member of a team that gets a ticket in this batch, read once; the
  // tickets planned earlier in the batch count as they are planned.
  std::vector<std::string> members;
  for (size_t i = 0; i < pending->size(); ++i)
    if (!handled[i] && !deferred[i] && decisions[i].team) members.insert(members.end(), decisions[i].team->members.begin(),
                                                         decisions[i].team->members.end());
  std::map<std::string, StaffLoad> loads;
  if (!members.empty()) {
    auto read = store_->StaffLoads(members);
    if (!read.ok()) return read.status();
    loads = std::move(*read);
  }
  // The dispatch time, for the deadlines planned and for the events that record it.
  const int64_t dispatched_at = clock_->NowMicros();
  WarnedInPass warned;
  for (size_t i = 0; i < pending->size(); ++i) {
    if (handled[i] || deferred[i]) continue;
    const bool opens = decisions[i].kind == RouteDecision::Kind::kTicket;
    const int64_t id = opens ? next_id++ : 0;
    if (opens && decisions[i].team) ChooseMember(rt->config, (*pending)[i], id, &loads, &decisions[i]);
    plans[i] = Route(*rt, (*pending)[i], decisions[i], id, dispatched_at);
    if (opens) GR_RETURN_IF_ERROR(AddWarning(*rt, (*pending)[i], decisions[i], id, &warned, &plans[i]));
  }
  // Deferred messages stay `received`: their empty plans are left out of the batch.
  std::vector<size_t> index;
  std::vector<ChangeSet> batch;
  for (size_t i = 0; i < plans.size(); ++i) {
    if (deferred[i]) continue;
    index.push_back(i);
    batch.push_back(std::move(plans[i]));
  }
  // One transaction (one fsync) for the whole batch.
  auto written = store_->Apply(batch, dispatched_at);
  if (!written.ok()) return written.status();
  std::vector<bool> applied_flags(plans.size(), false);
  for (size_t k = 0; k < index.size(); ++k) {
    applied_flags[index[k]] = (*written)[k];
    plans[index[k]] = std::move(batch[k]);
  }
  const std::vector<bool>* applied = &applied_flags;
  const int64_t now = clock_->NowMicros();
  int completed = 0;
  bool enqueued = false;
  for (size_t i = 0; i < plans.size(); ++i) {
    if (!(*applied)[i]) continue;  // routed elsewhere
    const StoredMessage& sm = (*pending)[i];
    const ChangeSet& plan = plans[i];
    ++completed;
    enqueued = enqueued || !plan.outbox.empty();
    metrics_->Observe(metric::kEndToEndLatency, static_cast<double>(now - sm.received_at) / 1e6);
    if (!plan.new_tickets.empty()) metrics_->Inc(metric::kTicketsCreated, {{"category", sm.classification.category}});
    for (const Warning& w : plan.new_warnings) metrics_->Inc(metric::kWarnings, {{"outcome", w.mode}});
    if (!plan.warning_repeats.empty()) metrics_->Inc(metric::kWarnings, {{"outcome", "repeat"}});
    if (!handled[i] && decisions[i].kind == RouteDecision::Kind::kTriage) {
      metrics_->Inc(metric::kTriage, {{"channel", sm.message.channel}});
      if (log_) log_("warn", "message put in triage", {{"message_id", sm.id}, {"why", decisions[i].note}});
    }
  }
  if (enqueued && on_enqueued_) on_enqueued_();
  // A deferred message is waiting for this commit, and one whose plan lost a race (two reports
  // joining one ticket) is planned again from what was just committed: another pass at once.
  deferred_some_ = std::find(deferred.begin(), deferred.end(), true) != deferred.end() ||
                   std::find(written->begin(), written->end(), false) != written->end();
  return completed;
}

void Inbox::ChooseMember(const Config& config, const StoredMessage& sm, int64_t ticket_id,
                         std::map<std::string, StaffLoad>* loads, RouteDecision* d) {
  const Team& team = *d->team;
  if (team.members.empty()) return;  // a team without members keeps the ticket itself
  // The rota is read at the message's arrival, so that planning it again after a crash
  // chooses the same member.
  const int64_t at = sm.received_at / kMicrosPerSecond;
  std::vector<const std::string*> on_duty;
  for (const auto& m : team.members)
    if (OnDuty(team, m, at)) on_duty.push_back(&m);
  const bool nobody = on_duty.empty();
  if (nobody)
    for (const auto& m : team.members) on_duty.push_back(&m);
  // Fewest open tickets; then whoever was given one least recently (never first); then id.
  const std::string* best = nullptr;
  StaffLoad best_load;
  for (const std::string* m : on_duty) {
    StaffLoad l = (*loads)[*m];
    if (!best || l.open < best_load.open ||
        (l.open == best_load.open && (l.last_assigned_ticket < best_load.last_assigned_ticket ||
                                      (l.last_assigned_ticket == best_load.last_assigned_ticket && *m < *best)))) {
      best = m;
      best_load = l;
    }
  }
  const StaffMember* member = config.FindStaff(*best);  // LoadConfig checked members exist
  if (!member) return;
  StaffLoad& l = (*loads)[*best];
  ++l.open;
  l.last_assigned_ticket = ticket_id;
  d->dispatch_note = team.id + " member with the fewest open tickets (" + std::to_string(best_load.open) + ")" +
                     (nobody ? ", nobody on duty" : "");
  d->note = "routed to " + member->id + " of team " + team.id;
  d->copies.insert(d->copies.begin(), {team.id, &team.notify});
  d->assignee_kind = "staff";
  d->assignee_id = member->id;
  d->assignee_name = member->name;
  d->notify = &member->notify;
  d->mention_mobiles.clear();
  if (!member->mobile.empty()) d->mention_mobiles.push_back(member->mobile);
}

Status Inbox::AddWarning(const Runtime& rt, const StoredMessage& sm, const RouteDecision& d, int64_t ticket_id,
                         WarnedInPass* warned, ChangeSet* plan) {
  if (!d.grid) return Status::Ok();
  auto planned = PlanWarning(rt.config, sm, *d.grid, ticket_id);
  if (!planned) return Status::Ok();
  const Warning& w = planned->record;
  auto key = std::make_tuple(w.channel, w.group_id, w.template_key);
  int64_t warned_message = 0;
  int64_t warned_ticket = 0;
  if (auto it = warned->find(key); it != warned->end()) {
    warned_message = it->second.first;
    warned_ticket = it->second.second;
  } else {
    const int64_t window = rt.config.warnings.window_minutes * kMicrosPerMinute;
    auto recent = store_->RecentWarning(w.channel, w.group_id, w.template_key, sm.received_at - window);
    if (!recent.ok()) return recent.status();
    if (recent->has_value()) {
      warned_message = (*recent)->message_id;
      warned_ticket = (*recent)->ticket_id;
    }
  }
  if (warned_message != 0) {
    // A flood of one scam gets one warning: this one counts on it, and both tickets say so.
    plan->warning_repeats.push_back({warned_message, sm.id});
    plan->events.push_back({0, ticket_id, 0, "system", "warning_suppressed",
                            {{"warned_message", warned_message}, {"warned_ticket", warned_ticket},
                             {"template", w.template_key}, {"window_minutes", rt.config.warnings.window_minutes}}});
    return Status::Ok();
  }
  (*warned)[key] = {sm.id, ticket_id};
  plan->events.push_back({0, ticket_id, 0, "system", "warned",
                          {{"mode", w.mode}, {"template", w.template_key}, {"outbox_key", w.outbox_key}}});
  OutboxEntry row = std::move(planned->row);
  row.message_id = sm.id;
  row.ticket_id = ticket_id;
  if (const Adapter* a = rt.FindAdapter(row.message.channel)) row.rate_key = RateKey(*a, row.message);
  // First of its plan too: among rows of one priority the older goes first.
  plan->outbox.insert(plan->outbox.begin(), std::move(row));
  plan->new_warnings.push_back(std::move(planned->record));
  return Status::Ok();
}

ChangeSet Inbox::Route(const Runtime& rt, const StoredMessage& sm, const RouteDecision& d, int64_t ticket_id,
                       int64_t now) const {
  ChangeSet c;
  MessageUpdate update{sm.id, MessageState::kReceived, MessageState::kProcessed, d.note, 0};
  // Links each row to the message and fills in its rate-limit key from the adapter that sends it.
  auto add_outbox = [&](std::vector<OutboxEntry> rows) {
    for (auto& e : rows) {
      e.message_id = sm.id;
      e.ticket_id = ticket_id;
      if (const Adapter* a = rt.FindAdapter(e.message.channel)) e.rate_key = RateKey(*a, e.message);
      c.outbox.push_back(std::move(e));
    }
  };
  switch (d.kind) {
    case RouteDecision::Kind::kIgnore:
      update.state = MessageState::kIgnored;
      c.messages.push_back(update);
      return c;
    case RouteDecision::Kind::kNoTicket:
      c.messages.push_back(update);
      return c;
    case RouteDecision::Kind::kTriage:
      update.state = MessageState::kTriage;
      c.messages.push_back(update);
      add_outbox(TriageReplies(rt.config, sm, d.note));
      return c;
    case RouteDecision::Kind::kTicket:
      break;
  }
  const InboundMessage& m = sm.message;
  const Classification& cl = sm.classification;
  update.ticket_id = ticket_id;
  c.messages.push_back(update);
  Ticket t;
  t.id = ticket_id;
  t.message_id = sm.id;
  t.channel = m.channel;
  t.group_id = m.group_id;
  t.grid_id = d.grid->id;
  // Where the ticket belongs when it opens, for scopes (a supervisor's community or street, a
  // team's members) without the org config at read time.
  t.community_id = d.grid->community;
  if (const OrgUnit* community = rt.config.FindCommunity(d.grid->community)) t.street_id = community->parent;
  if (d.team) t.team_id = d.team->id;
  t.sender_id = m.sender_id;
  t.sender_name = m.sender_name;
  t.category = cl.category;
  t.intent = cl.intent;
  t.urgent = cl.urgent;
  t.status = d.confirm ? TicketStatus::kUnconfirmed : TicketStatus::kDispatched;
  t.level = d.level;
  t.assignee_kind = d.assignee_kind;
  t.assignee_id = d.assignee_id;
  t.assignee_name = d.assignee_name;
  t.text = m.text;
  t.entities = cl.entities;
  c.new_tickets.push_back(std::move(t));
  nlohmann::json created = {{"message_id", sm.id}, {"intent", cl.intent}, {"confidence", cl.confidence}, {"by", cl.by},
                            {"urgent", cl.urgent}};
  if (d.confirm) {
    // A 待确认 item: its worker is asked, nobody else hears, and no deadline runs until she
    // confirms it; one left alone goes into the supervisor's digest when its timer fires.
    created["decision"] = cl.decision;
    Timer timer;
    timer.key = ConfirmTimerKey(ticket_id);
    timer.kind = kConfirmTimer;
    timer.ticket_id = ticket_id;
    timer.due_at = sm.received_at + rt.config.confirm.digest_after_hours * kMicrosPerHour;
    c.schedule_timers.push_back(std::move(timer));
    c.events.push_back({0, ticket_id, 0, "system", "created", std::move(created)});
    c.events.push_back({0, ticket_id, 0, "system", "queued",
                        {{"assignee_id", d.assignee_id}, {"why", d.note}, {"rule", DispatchRule(m, d)},
                         {"evidence", EvidenceLabel(cl)}}});
    add_outbox(ConfirmReplies(rt.config, sm, d, ticket_id));
    return c;
  }
  // The deadline clocks start at dispatch. A deadline that cannot be computed (it would need
  // more than the calendar's bound) leaves the ticket without one rather than losing it.
  const workflow::StatusChange dispatched{now / kMicrosPerSecond, TicketStatus::kDispatched, std::nullopt};
  auto clocks = workflow::PlanClocks(*rt.calendar, *rt.deadlines, &c.new_tickets.back(), std::span(&dispatched, 1), now);
  if (clocks.ok()) {
    c.schedule_timers = std::move(clocks->schedule);
    if (clocks->past_calendar_end) {
      metrics_->Inc(metric::kPastCalendarEnd, {});
      if (log_)
        log_("warn", "a deadline counts past the working calendar's last year",
             {{"ticket_id", ticket_id}, {"why", workflow::MissingYearWarning(rt.calendar->last_year() + 1)}});
    }
  } else if (log_) {
    log_("error", "deadlines not set", {{"ticket_id", ticket_id}, {"why", clocks.status().message()}});
  }
  c.events.push_back({0, ticket_id, 0, "system", "created", std::move(created)});
  c.events.push_back({0, ticket_id, 0, "system", "dispatched",
                      {{"level", d.level}, {"assignee_kind", d.assignee_kind}, {"assignee_id", d.assignee_id},
                       {"why", d.note}, {"rule", DispatchRule(m, d)}}});
  const Adapter* source = rt.FindAdapter(m.channel);
  add_outbox(TicketReplies(rt.config, sm, d, ticket_id, ReplyChannels{source && source->CanReplyPrivately()}));
  if (NeedsVisit(cl.category, cl.urgent)) {
    // 上门劝阻: the on-duty officer of the team was paged above (an urgent notification); the
    // grid worker is sent to the resident, and the ticket climbs a level at once.
    std::optional<OutboxEntry> visit = VisitTask(rt.config, sm, *d.grid, ticket_id);
    c.events.push_back({0, ticket_id, 0, "system", "visit_requested",
                        {{"grid_worker", d.grid->worker}, {"sent", visit.has_value()}}});
    if (visit) add_outbox({std::move(*visit)});
    c.schedule_timers.push_back({0, "t" + std::to_string(ticket_id) + ":" + kVisitEscalationTimer, kVisitEscalationTimer,
                                 ticket_id, now, nlohmann::json::object()});
  }
  // The group acknowledgement keeps to the group's reply budget (the safety reply went at
  // ingest, and the warning and urgent rows never wait).
  HoldForBudget(rt.config.reply_budget, now, &c);
  return c;
}

}  // namespace gridrelay
