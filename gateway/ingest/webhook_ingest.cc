#include "gateway/ingest/webhook_ingest.h"

#include "gateway/route/replies.h"
#include "intents/normaliser.h"

namespace gridrelay {

IngestItem PlanIngest(const Runtime& rt, const Adapter& adapter, InboundMessage message) {
  IngestItem item;
  item.message = std::move(message);
  const InboundMessage& m = item.message;
  item.sender_role = rt.router->SenderRoleOf(m);
  if (item.sender_role != SenderRole::kResident) return item;
  item.classification = rt.engine->Classify(m.text);
  // An urgent message gets its safety reply in the same commit, ahead of all ticket work.
  auto text = SafetyReplyText(rt.config.templates, item.classification, m.text);
  if (!text) return item;
  OutboxEntry e;
  e.message.channel = m.channel;
  e.message.kind = outbound_kind::kSafetyReply;
  // Legal-aid matters (domestic violence above all) are answered privately where possible.
  const bool private_reply =
      m.chat_type != ChatType::kGroup || (item.classification.category == "legal_aid" && adapter.CanReplyPrivately());
  e.message.audience = private_reply ? Audience::kUser : Audience::kGroup;
  e.message.group_id = m.group_id;
  e.message.user_id = m.sender_id;
  e.message.text = *text;
  e.message.reply_context = m.reply_context;
  if (item.classification.category == "legal_aid" && !private_reply) {
    // It cannot go to her alone: the group hears a neutral notice that names no topic, and
    // nobody is @-mentioned, so that the group learns neither what nor who.
    e.message.text = rt.config.templates.sensitive_group_notice;
  } else if (!m.sender_id.empty()) {
    e.message.mention_user_ids.push_back(m.sender_id);
  }
  e.priority = priority::kUrgent;
  e.rate_key = RateKey(adapter, e.message);
  item.safety_reply = std::move(e);
  return item;
}

WebhookIngest::WebhookIngest(const Clock* clock, RuntimeFn runtime, GroupCommitter* committer, Metrics* metrics,
                             LogFn log)
    : clock_(clock), runtime_(std::move(runtime)), committer_(committer), metrics_(metrics), log_(std::move(log)) {}

WebhookReply WebhookIngest::Handle(const std::string& type, const std::string& channel,
                                   const WebhookRequest& request) const {
  const int64_t started = clock_->NowMicros();
  std::shared_ptr<const Runtime> rt = runtime_();
  const Adapter* adapter = rt->FindAdapter(channel);
  if (!adapter || adapter->type() != type || !adapter->HasInbound()) {
    // Unknown channel names share one label value, so that a flood of 404s cannot grow /metrics.
    metrics_->Inc(metric::kRejected, {{"channel", "unknown"}, {"reason", "unknown_channel"}});
    Status s = Status::NotFound("no " + type + " channel named '" + channel + "'");
    return {HttpStatusFor(s), "application/json", JsonErrorBody(s)};
  }
  auto reject = [&](const Status& s) {
    metrics_->Inc(metric::kRejected, {{"channel", channel}, {"reason", std::string(StatusCodeName(s.code()))}});
    if (log_)
      log_("warn", "webhook rejected",
           {{"channel", channel}, {"status", HttpStatusFor(s)}, {"error", s.message()}, {"remote", request.remote_addr}});
    return adapter->RenderError(s);
  };
  auto parsed = adapter->ParseWebhook(request, clock_->NowSeconds());
  if (!parsed.ok()) return reject(parsed.status());
  if (parsed->kind != ParsedWebhook::Kind::kMessage) return parsed->reply;

  InboundMessage m = std::move(parsed->message);
  m.channel = channel;
  if (m.dedup_key.empty()) return reject(Status::InvalidArgument("the message has no id to deduplicate it by"));
  // Nothing downstream (RE2, the store, the logs) ever sees invalid UTF-8.
  m.text = intents::RepairUtf8(m.text);
  m.sender_name = intents::RepairUtf8(m.sender_name);
  if (m.chat_type == ChatType::kGroup && !adapter->AcceptsUnknownGroups() && !rt->router->GridFor(channel, m.group_id))
    return reject(Status::PermissionDenied("the group is not configured for channel '" + channel + "'"));

  IngestItem item = PlanIngest(*rt, *adapter, std::move(m));
  const std::string category = item.classification.category;
  auto committed = committer_->Submit(item);
  if (!committed.ok()) {
    // Not committed: the platform must retry, so this is not a 200.
    if (log_) log_("error", "commit failed", {{"channel", channel}, {"error", committed.status().ToString()}});
    return reject(Status::Unavailable("could not store the message: " + committed.status().message()));
  }
  if (committed->duplicate) {
    metrics_->Inc(metric::kDuplicates, {{"channel", channel}});
  } else {
    metrics_->Inc(metric::kReceived, {{"channel", channel}});
    metrics_->Inc(metric::kClassified, {{"category", category}});
  }
  WebhookReply reply = adapter->Acknowledge(item.message, AckInfo{committed->duplicate, committed->message_id, ""});
  metrics_->Observe(metric::kIngestLatency, static_cast<double>(clock_->NowMicros() - started) / 1e6);
  return reply;
}

}  // namespace gridrelay
