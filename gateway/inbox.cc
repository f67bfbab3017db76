#include "gateway/inbox.h"

#include <chrono>

#include "gateway/dispatcher.h"
#include "gateway/replies.h"

namespace gridrelay {

Inbox::Inbox(Store* store, const Clock* clock, Metrics* metrics, RuntimeFn runtime, ProcessingOptions options,
             LogFn log, std::function<void()> on_enqueued)
    : store_(store),
      clock_(clock),
      metrics_(metrics),
      runtime_(std::move(runtime)),
      options_(options),
      log_(std::move(log)),
      on_enqueued_(std::move(on_enqueued)) {}

Inbox::~Inbox() { Stop(); }

void Inbox::Start() {
  std::lock_guard lock(mu_);
  stopping_ = false;
  if (!thread_.joinable()) thread_ = std::thread([this] { Run(); });
}

void Inbox::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Inbox::Wake() {
  {
    std::lock_guard lock(mu_);
    ++wakeups_;
  }
  cv_.notify_all();
}

void Inbox::Run() {
  while (true) {
    uint64_t seen;
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
      seen = wakeups_;
    }
    auto done = ProcessPending();
    if (!done.ok() && log_) log_("error", "inbox processing failed", {{"error", done.status().ToString()}});
    if (done.ok() && *done >= options_.batch) continue;  // more may be waiting
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, std::chrono::milliseconds(options_.poll_ms), [&] { return stopping_ || wakeups_ != seen; });
  }
}

StatusOr<int> Inbox::ProcessPending() {
  auto pending = store_->PendingMessages(options_.batch);
  if (!pending.ok()) return pending.status();
  if (pending->empty()) return 0;
  std::shared_ptr<const Runtime> rt = runtime_();
  std::vector<ProcessingResult> plans;
  plans.reserve(pending->size());
  for (const StoredMessage& sm : *pending) plans.push_back(Plan(*rt, sm));
  // One transaction (one fsync) for the whole batch.
  auto done = store_->CompleteMessages(plans, clock_->NowMicros());
  if (!done.ok()) return done.status();
  const int64_t now = clock_->NowMicros();
  int completed = 0;
  bool enqueued = false;
  for (size_t i = 0; i < plans.size(); ++i) {
    if (!(*done)[i]) continue;  // routed elsewhere
    const StoredMessage& sm = (*pending)[i];
    const ProcessingResult& plan = plans[i];
    ++completed;
    enqueued = enqueued || static_cast<bool>(plan.outbox);
    metrics_->Observe(metric::kEndToEndLatency, static_cast<double>(now - sm.received_at) / 1e6);
    if (plan.ticket) metrics_->Inc(metric::kTicketsCreated, {{"category", sm.classification.category}});
    if (plan.state == message_state::kTriage) {
      metrics_->Inc(metric::kTriage, {{"channel", sm.message.channel}});
      if (log_) log_("warn", "message put in triage", {{"message_id", sm.id}, {"why", plan.note}});
    }
  }
  if (enqueued && on_enqueued_) on_enqueued_();
  return completed;
}

ProcessingResult Inbox::Plan(const Runtime& rt, const StoredMessage& sm) const {
  ProcessingResult r;
  r.message_id = sm.id;
  RouteDecision d = rt.router->Route(sm);
  r.note = d.note;
  // Links each row to the message and fills in its rate-limit key from the adapter that sends it.
  auto with_rate_keys = [&rt, id = sm.id](std::vector<OutboxEntry> rows) {
    for (auto& e : rows) {
      e.message_id = id;
      if (const Adapter* a = rt.FindAdapter(e.message.channel)) e.rate_key = Dispatcher::RateKey(*a, e.message);
    }
    return rows;
  };
  switch (d.kind) {
    case RouteDecision::Kind::kIgnore:
      r.state = message_state::kIgnored;
      return r;
    case RouteDecision::Kind::kNoTicket:
      r.state = message_state::kProcessed;
      return r;
    case RouteDecision::Kind::kTriage: {
      r.state = message_state::kTriage;
      const Config* config = &rt.config;
      std::string why = d.note;
      r.outbox = [config, sm, why, with_rate_keys](int64_t) {
        return with_rate_keys(TriageReplies(*config, sm, why));
      };
      return r;
    }
    case RouteDecision::Kind::kTicket:
      break;
  }
  const InboundMessage& m = sm.message;
  const Classification& c = sm.classification;
  Ticket t;
  t.message_id = sm.id;
  t.channel = m.channel;
  t.group_id = m.group_id;
  t.grid_id = d.grid->id;
  t.sender_id = m.sender_id;
  t.sender_name = m.sender_name;
  t.category = c.category;
  t.intent = c.intent;
  t.urgent = c.urgent;
  t.status = "dispatched";
  t.level = d.level;
  t.assignee_kind = d.assignee_kind;
  t.assignee_id = d.assignee_id;
  t.assignee_name = d.assignee_name;
  t.text = m.text;
  t.entities = c.entities;
  r.ticket = t;
  r.state = message_state::kProcessed;
  r.events.push_back({0, 0, 0, "system", "created",
                      {{"message_id", sm.id}, {"intent", c.intent}, {"confidence", c.confidence}, {"by", c.by},
                       {"urgent", c.urgent}}});
  r.events.push_back({0, 0, 0, "system", "dispatched",
                      {{"level", d.level}, {"assignee_kind", d.assignee_kind}, {"assignee_id", d.assignee_id},
                       {"why", d.note}}});
  const Adapter* source = rt.FindAdapter(m.channel);
  ReplyChannels channels{source && source->CanReplyPrivately()};
  const Config* config = &rt.config;
  r.outbox = [config, sm, d, channels, with_rate_keys](int64_t ticket_id) {
    return with_rate_keys(TicketReplies(*config, sm, d, ticket_id, channels));
  };
  return r;
}

}  // namespace gridrelay
